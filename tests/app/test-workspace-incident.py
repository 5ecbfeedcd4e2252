#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An incident changed through the real app over AT-SPI as a coordinator
# does it, the app restarted, and what the store holds read back (through
# tap_store). Three parts, each its own meson test, on stores made by
# tests/app/test-workspace-store:
#
# write: in the incident editor, the "Write a new narrative" row reached
#   with Tab, the narrative typed key by key, Enter; the "Write a new place
#   name" row reached with Tab, its text set over AT-SPI (as a screen
#   reader's or dictation tool's setTextContents does), Enter. Both are
#   stored as the coordinator's, and after a restart stored and shown.
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
# language (en or es), the part (join or resolve).

import gettext
import os
import shutil
import subprocess
import sys
import tempfile

import tap_atspi
from tap_atspi import find_app, require_atspi, results, tap, wait_for, walk
from tap_workspace import (
    SPACE, ancestors, checked, db_rows, do_action, editor_heading, fill, incidents, members_of,
    node_where, open_incident, open_workspace, page, press, push, report_revisions, tab_to, visible)

TESTIGO = sys.argv[1]
MAKE_STORE = sys.argv[2]
BUILD = sys.argv[3]
LANG = sys.argv[4]
PART = sys.argv[5]
T = gettext.translation("testigo", os.path.join(BUILD, "po"), languages=[LANG], fallback=True).gettext

TITLE_HERE = "Disparos en el aeropuerto de Juliaca"
TITLE_OTHER = "Juliaca: 18 muertos junto al aeropuerto"
TITLE_THIRD = "Heridos de bala en el aeropuerto de Juliaca"
# test-workspace-store --incident-conflict: each laptop's title and notes.
CONFLICT_TITLE_HERE = "Disparos en Juliaca: la versión de Puno"
CONFLICT_TITLE_THERE = "Masacre del aeropuerto de Juliaca"
NOTES_HERE = "Pedir las actas a la fiscalía de Puno."
OTHER_LAPTOP = "Laptop Huanta (rosa)"


def M(text):
    """A mnemonic label's text as shown."""
    return T(text).replace("_", "")


pyatspi = require_atspi()
root = tempfile.mkdtemp(prefix="testigo-workspace-incident-")
data_dir = os.path.join(root, "store")
config_home = os.path.join(root, "config")
os.makedirs(config_home)
env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
           LANGUAGE=LANG, XDG_CONFIG_HOME=config_home, GSETTINGS_BACKEND="keyfile",
           TESTIGO_ROLE="coordinator", TESTIGO_LOCALEDIR=os.path.join(BUILD, "po"))
started = []


def start():
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    started.append(process)
    return process, find_app(process, timeout=60)


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


# join -------------------------------------------------------------------------

def select_box(app, title):
    return node_where(app, lambda n: n.getRoleName() == "check box"
                      and (n.name or "") == fill(T("Select “%s” to merge"), title) and visible(n), 30)


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
    return [n for n in walk(window) if n.getRoleName() in ("radio button", "check box") and visible(n)]


def choose(node):
    if not checked(node):
        do_action(node, "a11y.toggle") or tap_atspi.click(node)
    return wait_for(lambda: checked(node), 10)


def resolve_part():
    print("1..4")
    here_id, other_id, inc_id = make_store("--incident-conflict")[:3]
    versions = heads(inc_id)
    reports_before = report_revisions(data_dir, here_id, other_id)
    titles = (CONFLICT_TITLE_HERE, CONFLICT_TITLE_THERE)
    process, app = start()
    opened = workspace(app) and incident_opened(app, titles)
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
    tap(len(theirs) >= 3 and len(title_there) == 1 and one and closed and gone,
        "the other laptop's title and figure and this laptop's notes chosen and saved; the resolver closes "
        "and the editor no longer offers Resolve Conflict…",
        "theirs=%r picked=%s ready=%s one head=%s closed=%s gone=%s" % (
            names, picked, ready, one, closed, gone))

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
    opened = workspace(app) and incident_opened(app, (CONFLICT_TITLE_THERE,))
    tap(opened and heading(app, (CONFLICT_TITLE_THERE,), 10) is not None
        and push(app, M("_Resolve Conflict…"), 2) is None,
        "after a restart the editor shows the chosen title and offers no Resolve Conflict…",
        "opened=%s" % opened)
    quit_app(process, app)


try:
    {"join": join_part, "resolve": resolve_part}[PART]()
finally:
    # Whatever happened, no app is left holding the test's output open.
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(root, ignore_errors=True)
sys.exit(0 if all(results) else 1)
