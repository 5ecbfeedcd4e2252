#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An incident changed through the real app over AT-SPI as a coordinator
# does it, the app restarted, and what the store holds read back (through
# tap_store). Three parts, each its own meson test, on stores made by
# tests/app/test-workspace-store:
#
# write: in the incident editor, each "Write a new …" row reached from the
#   keyboard by its mnemonic (Alt+A for the narrative, Alt+P — in Spanish
#   Alt+L — for the place name, Alt+T for the title) once its field is
#   open: the narrative and the place name typed key by key, then Enter;
#   the title set over AT-SPI before the row has the keyboard (as a
#   screen reader's or dictation tool's setTextContents does), then
#   Alt+T and Enter. Each is stored as the coordinator's and shown. After
#   a restart they are stored and shown; Enter on the narrative as it is
#   then records nothing, and a place name typed over the old one is
#   stored as one more revision. (GTK 4.8 gives an AdwEntryRow's text no
#   AT-SPI focus event or state, so the test cannot see where Tab would
#   put the keyboard; the mnemonic puts it in the row, and the typed text
#   showing in the row says it got there.)
#
# join: in All Reports, a report of the incident (its box ticked by its
#   action) and a third monitor's report in no incident (Tab to its box,
#   Space), then Merge Selected: the third report joins the incident,
#   which the editor shows with it; after a restart the store holds the
#   three reports in the incident, the editor lists the third, and no
#   report was changed.
#
# resolve: an incident changed at once on this laptop (title, notes) and
#   on "Laptop Huanta (rosa)" (title, a figure of 18 killed, notes): the
#   editor's Resolve Conflict… opens the resolver; the other laptop's
#   title and figure and this laptop's notes are chosen, and saved. After
#   a restart the incident has one head whose parents are both versions,
#   holds the chosen values, and the editor no longer offers Resolve
#   Conflict….
#
# Arguments: testigo, test-workspace-store, the build directory, a
# language (en or es), the part (write, join or resolve).

import gettext
import os
import subprocess
import sys

import tap_atspi
from tap_atspi import (
    extents, node_where, require_atspi, run, showing, tap, text_of, type_into, wait_for, walk)
from tap_workspace import (
    Laptop, RETURN, SPACE, ancestors, checked, chord, db_rows, do_action, editor_heading, entry_named,
    expand, field_of, fill, incidents, members_of, mnemonic, open_incident, open_workspace, page, press,
    push, report_revisions, tab_to, type_text)

TESTIGO = sys.argv[1]
MAKE_STORE = sys.argv[2]
BUILD = sys.argv[3]
LANG = sys.argv[4]
PART = sys.argv[5]
TRANSLATION = gettext.translation("testigo", os.path.join(BUILD, "po"), languages=[LANG], fallback=True)
T = TRANSLATION.gettext
N = TRANSLATION.ngettext  # a message with plural forms: T() would not find it

TITLE_HERE = "Disparos en el aeropuerto de Juliaca"
TITLE_OTHER = "Juliaca: 18 muertos junto al aeropuerto"
TITLE_THIRD = "Heridos de bala en el aeropuerto de Juliaca"
# test-workspace-store --incident-conflict: each laptop's title and notes.
CONFLICT_TITLE_HERE = "Disparos en Juliaca: la versión de Puno"
CONFLICT_TITLE_THERE = "Masacre del aeropuerto de Juliaca"
NOTES_HERE = "Pedir las actas a la fiscalía de Puno."
OTHER_LAPTOP = "Laptop Huanta (rosa)"
# Typed key by key (write), or set over AT-SPI (the title).
NEW_NARRATIVE = "Tres relatos coinciden: disparos desde la pista hacia la avenida."
NEW_PLACE = "Aeropuerto Inca Manco Capac, Juliaca"
NEW_PLACE_AGAIN = "Avenida Circunvalacion, Juliaca"
NEW_TITLE = "Juliaca, 9 de enero: disparos junto al aeropuerto"


def M(text):
    """A mnemonic label's text as shown."""
    return T(text).replace("_", "")


pyatspi = require_atspi()
laptop = Laptop(TESTIGO, BUILD, LANG, "testigo-workspace-incident-")
data_dir, config_home = laptop.data_dir, laptop.config_home
start = laptop.start
def quit_app(process, app):
    """The exit status (None when the app had to be killed)."""
    if app is None:
        if process.poll() is None:
            process.kill()
        return None
    return tap_atspi.quit_app(process, app)


def make_store(option):
    return subprocess.run([MAKE_STORE, data_dir, option], check=True, capture_output=True,
                          text=True).stdout.split()


def workspace(app):
    return app is not None and open_workspace(app, T("Workspace"), T("Back to my reports"))


def incident_opened(app, titles):
    """The incident called one of @titles opened in the editor."""
    return any(open_incident(app, title, T("Incidents"), T("Incident list"), T("Incident editor"), titles)
               for title in titles)


def heading(app, titles, timeout):
    return editor_heading(app, titles, T("Incident editor"), timeout)


# write ------------------------------------------------------------------------

def stored_field(inc_id, key, member, value):
    """True when the store holds @value as the coordinator's own in the
    incident's field @key."""
    f = field_of(data_dir, inc_id, key)
    return f.get("provenance", {}).get("kind") == "coordinator" and (f.get("value") or {}).get(member) == value


def revisions_of(inc_id):
    return db_rows(data_dir, "SELECT COUNT(*) FROM revisions WHERE record_id = ?", (inc_id,))[0][0]


def shown_written(app, value, timeout):
    """The editor, read again from the store, says of a field: @value
    (a place name followed by its region), written by the coordinator
    (the field's subtitle)."""
    written = "\n" + T("Written by the coordinator")
    return node_where(app, lambda n: (n.name or "").startswith(value) and written in n.name
                      and any(p.name == T("Incident editor") for p in ancestors(n)), timeout) is not None


def placed(row):
    """True once @row has been given a place on the screen (a row in a
    field never opened has none)."""
    try:
        return row is not None and extents(row)[3] > 0
    except Exception:
        return False


def write_row(app, field, title):
    """The "Write a new …" row (called @title) of the editor's field
    @field, that field opened, once the row has a place on the screen
    (a mnemonic reaches only a widget that is shown). A field already
    open is left so: libadwaita 1.2 does not say over AT-SPI whether an
    expander row is open, and its action toggles it."""
    row = entry_named(app, title, 10)
    if row is None or (not placed(row) and expand(app, field) is None):
        return None
    return row if wait_for(lambda: placed(row), 10) else None


def keyboard_write(app, inc_id, field, title, label, key, member, value):
    """Writes @value from the keyboard in the row @title of field @field:
    its mnemonic (in @label), Ctrl+A, @value typed key by key, Enter. True
    once the typed text shows in the row, the store holds it as the
    coordinator's and the editor, read again, shows it."""
    row = write_row(app, field, title)
    typed = stored = shown = False
    if row is not None:
        chord(mnemonic(label))
        chord("ctrl+a")
        type_text(value)
        # The keys reached the row only if its text is what was typed.
        typed = wait_for(lambda: text_of(row) == value, 20)
    if typed:
        press(RETURN)
        stored = wait_for(lambda: stored_field(inc_id, key, member, value), 20)
        shown = stored and shown_written(app, value, 20)
    if not shown:
        print("# %s: row=%s typed=%s (%r) stored=%s field=%r" % (
            key, row is not None, typed, text_of(row) if row is not None else None, stored,
            field_of(data_dir, inc_id, key)))
    return shown


def write_part():
    print("1..6")
    here_id, other_id, inc_id = make_store("--incident")[:3]
    process, app = start()
    opened = workspace(app) and incident_opened(app, (TITLE_HERE,))
    tap(opened, "the workspace opens the incident in the editor")
    if not opened:
        quit_app(process, app)
        return

    narrative = (T("Narrative"), T("Write a new narrative"), T("Write a new n_arrative"), "narrative", "narrative")
    place = (T("Place"), T("Write a new place name"), T("Write a new _place name"), "place", "place_name")
    tap(keyboard_write(app, inc_id, *narrative, NEW_NARRATIVE),
        "a narrative typed key by key into its row, reached by %s, then Enter, is stored" % mnemonic(narrative[2]))
    tap(keyboard_write(app, inc_id, *place, NEW_PLACE),
        "a place name typed key by key into its row, reached by %s, then Enter, is stored" % mnemonic(place[2]))

    # A title put in the row by a screen reader while the keyboard is
    # elsewhere; then the row's mnemonic and Enter.
    row = write_row(app, T("Title"), T("Write a new title"))
    set_in = False
    if row is not None:
        type_into(row, NEW_TITLE)
        set_in = wait_for(lambda: text_of(row) == NEW_TITLE, 10)
    if set_in:
        chord(mnemonic(T("Write a new _title")))
        press(RETURN)
    stored = set_in and wait_for(lambda: stored_field(inc_id, "title", "title", NEW_TITLE), 20)
    tap(stored and heading(app, (NEW_TITLE,), 20) is not None,
        "a title set over AT-SPI into its row, then its mnemonic and Enter, is stored and heads the editor",
        "row=%s set=%s stored=%s title=%r" % (row is not None, set_in, stored, field_of(data_dir, inc_id, "title")))

    code = quit_app(process, app)
    process, app = start()
    opened = workspace(app) and incident_opened(app, (NEW_TITLE,))
    shown = {}
    for field, title, value in ((narrative[0], narrative[1], NEW_NARRATIVE), (place[0], place[1], NEW_PLACE)):
        row = write_row(app, field, title) if opened else None
        shown[field] = row is not None and wait_for(lambda r=row, v=value: text_of(r) == v, 20)
    kept = stored_field(inc_id, "narrative", "narrative", NEW_NARRATIVE) and \
        stored_field(inc_id, "place", "place_name", NEW_PLACE) and stored_field(inc_id, "title", "title", NEW_TITLE)
    tap(code == 0 and opened and all(shown.values()) and kept
        and members_of(data_dir, inc_id) == sorted([here_id, other_id]),
        "after a restart the written narrative, place name and title are stored, and shown in their rows",
        "exit=%s opened=%s shown=%r narrative=%r place=%r" % (
            code, opened, shown, field_of(data_dir, inc_id, "narrative"), field_of(data_dir, inc_id, "place")))

    # Enter on the narrative as it is records nothing; a place name typed
    # over the old one is one revision more. (Had Enter saved the
    # narrative, there would be two, or the editor, busy saving and then
    # rebuilt, would have lost the place name's keys.)
    before = revisions_of(inc_id)
    again = False
    if opened and write_row(app, narrative[0], narrative[1]) is not None:
        chord(mnemonic(narrative[2]))
        press(RETURN)
        again = keyboard_write(app, inc_id, *place, NEW_PLACE_AGAIN)
    tap(again and revisions_of(inc_id) == before + 1
        and field_of(data_dir, inc_id, "narrative").get("value", {}).get("narrative") == NEW_NARRATIVE,
        "Enter on the narrative as it is records nothing; a place name typed over the old one is one revision",
        "again=%s revisions %d -> %d" % (again, before, revisions_of(inc_id)))
    quit_app(process, app)


# join -------------------------------------------------------------------------

def select_box(app, title):
    return node_where(app, lambda n: n.getRoleName() == "check box"
                      and (n.name or "") == fill(T("Select “%s” to merge"), title) and showing(n), 30)


def member_row(app, title, timeout):
    """The editor's row of the member report called @title."""
    return node_where(app, lambda n: n.getRoleName() == "list item" and title in (n.name or "")
                      and any(p.name == T("Incident editor") for p in ancestors(n))
                      and not any(p.name == T("Incident list") for p in ancestors(n)), timeout)


def join_part():
    print("1..4")
    here_id, other_id, inc_id, third_id = make_store("--incident")[:4]
    reports_before = report_revisions(data_dir, here_id, other_id, third_id)
    process, app = start()
    shown = workspace(app) and page(app, T("All Reports"))
    tap(shown, "the workspace shows All Reports")
    if not shown:
        quit_app(process, app)
        return

    # A report of the incident ticked by its action (a screen reader), the
    # third monitor's from the keyboard: Tab to its box, Space.
    boxes = [select_box(app, title) for title in (TITLE_HERE, TITLE_THIRD)]
    if boxes[0] is not None and not checked(boxes[0]):
        do_action(boxes[0], "a11y.toggle")
    by_key = False
    if boxes[1] is not None and wait_for(lambda: checked(boxes[0]), 10) and tab_to(app, boxes[1], 40):
        press(SPACE)
        by_key = wait_for(lambda: checked(boxes[1]), 10)
    merge_selected = push(app, M("_Merge Selected…"), 10) if by_key else None
    sensitive = merge_selected is not None and wait_for(
        lambda: merge_selected.getState().contains(pyatspi.STATE_SENSITIVE), 10)
    if sensitive:
        tap_atspi.click(merge_selected)
    three = sorted([here_id, other_id, third_id])
    joined = sensitive and wait_for(lambda: members_of(data_dir, inc_id) == three, 30)
    listed = joined and member_row(app, TITLE_THIRD, 30) is not None and \
        heading(app, (TITLE_HERE,), 10) is not None
    tap(joined and listed and len(incidents(data_dir)) == 1,
        "Merge Selected with a report of the incident adds the other (ticked by Space) to it, shown in the editor",
        "by key=%s sensitive=%s joined=%s listed=%s members=%r" % (
            by_key, sensitive, joined, listed, members_of(data_dir, inc_id)))

    code = quit_app(process, app)
    process, app = start()
    opened = workspace(app) and incident_opened(app, (TITLE_HERE,))
    listed = opened and member_row(app, TITLE_THIRD, 20) is not None and \
        push(app, fill(T("Remove report %u from the incident"), 3), 10) is not None
    tap(code == 0 and listed and members_of(data_dir, inc_id) == three and len(incidents(data_dir)) == 1,
        "after a restart the incident holds the three reports and the editor lists the joined one",
        "exit=%s opened=%s listed=%s members=%r" % (code, opened, listed, members_of(data_dir, inc_id)))
    tap(report_revisions(data_dir, here_id, other_id, third_id) == reports_before,
        "joining changed none of the reports")
    quit_app(process, app)


# resolve ------------------------------------------------------------------------

def heads(inc_id):
    return sorted(r[0] for r in db_rows(data_dir, "SELECT rev_id FROM heads WHERE record_id = ?", (inc_id,)))


def parents(rev_id):
    return sorted(r[0] for r in db_rows(data_dir, "SELECT parent_id FROM revision_parents WHERE rev_id = ?",
                                        (rev_id,)))


def choices(window):
    """The resolver's choices: a radio button per version of each part
    (and per written value), named "<part> from version <n> (<who>): <value>"."""
    return [n for n in walk(window) if n.getRoleName() in ("radio button", "check box") and showing(n)]


def choose(node):
    if not checked(node):
        do_action(node, "a11y.toggle") or tap_atspi.click(node)
    return wait_for(lambda: checked(node), 10)


def attention_said(app):
    """What the Incidents page's tabs (the header bar's and the bottom
    bar's) say to a screen reader besides their name (their description:
    the badge is drawn only), when both say the same; None otherwise."""
    said = set()
    for n in walk(app):
        try:
            if n.getRoleName() == "page tab" and n.name == T("Incidents"):
                said.add(n.description)
        except Exception:
            return None
    return said.pop() if len(said) == 1 else None


def resolve_part():
    print("1..5")
    here_id, other_id, inc_id = make_store("--incident-conflict")[:3]
    versions = heads(inc_id)
    reports_before = report_revisions(data_dir, here_id, other_id)
    titles = (CONFLICT_TITLE_HERE, CONFLICT_TITLE_THERE)
    needs = fill(N("%u incident needs attention", "%u incidents need attention", 1), 1)
    process, app = start()
    opened = workspace(app) and incident_opened(app, titles)
    said = opened and wait_for(lambda: attention_said(app) == needs, 30)
    tap(said, "while the incident is in conflict, the Incidents tab says “%s” to a screen reader" % needs,
        "opened=%s description=%r" % (opened, attention_said(app) if opened else None))
    resolve = push(app, M("_Resolve Conflict…"), 20) if opened else None
    if resolve is not None:
        tap_atspi.click(resolve)
    window = tap_atspi.window_named(app, T("Resolve Incident Conflict"), 30) if resolve is not None else None
    laptop = fill(T("%s (%s)"), "Laptop Huanta", "rosa")
    listed = window is not None and wait_for(lambda: any(laptop in (n.name or "") for n in choices(window)), 30)
    tap(len(versions) == 2 and listed,
        "the editor's Resolve Conflict… opens the resolver, naming the other laptop as the server did",
        "heads=%d opened=%s resolve=%s window=%s" % (len(versions), opened, resolve is not None,
                                                    window is not None))
    if not listed:
        quit_app(process, app)
        return

    # The other laptop's version of every part, then this laptop's notes.
    theirs = [n for n in choices(window) if "(%s)" % laptop in (n.name or "")]
    names = [n.name for n in theirs]
    title_there = [n for n in theirs if CONFLICT_TITLE_THERE in (n.name or "")]
    notes_here = [n for n in choices(window) if NOTES_HERE in (n.name or "")]
    picked = all(choose(n) for n in theirs) and len(notes_here) == 1 and choose(notes_here[0])
    save = push(window, M("_Save Resolved Incident"), 10) if picked else None
    ready = save is not None and wait_for(lambda: save.getState().contains(pyatspi.STATE_SENSITIVE), 10)
    if ready:
        tap_atspi.click(save)
    one = ready and wait_for(lambda: len(heads(inc_id)) == 1, 30)
    closed = one and wait_for(lambda: tap_atspi.window_gone(window), 20)
    gone = closed and wait_for(lambda: push(app, M("_Resolve Conflict…"), 0) is None, 20)
    quiet = gone and wait_for(lambda: attention_said(app) == "", 20)
    tap(len(theirs) >= 3 and len(title_there) == 1 and one and closed and gone and quiet,
        "the other laptop's title and figure and this laptop's notes chosen and saved; the resolver closes, "
        "the editor no longer offers Resolve Conflict… and the Incidents tab no longer needs attention",
        "theirs=%r picked=%s ready=%s one head=%s closed=%s gone=%s tab says %r" % (
            names, picked, ready, one, closed, gone, attention_said(app)))

    code = quit_app(process, app)
    process, app = start()
    now = heads(inc_id)
    content = incidents(data_dir).get(inc_id, {})
    title = (content.get("fields", {}).get("title", {}).get("value") or {}).get("title")
    killed = content.get("counts", {}).get("killed", {})
    tap(code == 0 and len(now) == 1 and parents(now[0]) == versions and title == CONFLICT_TITLE_THERE
        and killed.get("figure") == 18 and content.get("notes") == NOTES_HERE
        and report_revisions(data_dir, here_id, other_id) == reports_before,
        "after a restart: one head whose parents are both versions, with the chosen title, figure and notes",
        "exit=%s heads=%r parents=%r title=%r killed=%r notes=%r" % (
            code, now, parents(now[0]) if len(now) == 1 else None, title, killed, content.get("notes")))
    # The incident listed (opened from the list) is the list read, and
    # the tab's description set from it in the same step.
    opened = workspace(app) and incident_opened(app, (CONFLICT_TITLE_THERE,))
    tap(opened and heading(app, (CONFLICT_TITLE_THERE,), 10) is not None
        and push(app, M("_Resolve Conflict…"), 2) is None and attention_said(app) == "",
        "after a restart the editor shows the chosen title and offers no Resolve Conflict…, "
        "and the Incidents tab does not say it needs attention",
        "opened=%s tab says %r" % (opened, attention_said(app) if opened else None))
    quit_app(process, app)


run({"write": write_part, "join": join_part, "resolve": resolve_part}[PART], cleanup=laptop.end, plan=False)
