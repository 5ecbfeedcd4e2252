#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every control of the coordinator's workspace that test-workspace-ui.py
# does not drive, driven over AT-SPI in the real app, the app restarted,
# and the stored value read back (the store through tap_store, the settings
# from their key file). Two parts, each its own meson test:
#
# controls: the review queue's Next and Dismiss (two pairs: Next selects
#   the second, Dismiss leaves it out, also after a restart:
#   dismissed_pairs); Confirm and merge; in the incident editor Use (a
#   title from report 2) and Remove (report 2); the seven filters
#   (monitor, region, from, until, category, status, "not yet in an
#   incident") set, kept in the settings across a restart, shown again
#   and filtering, then Show Everything clearing them; the map's
#   Incidents toggle switched off, kept, shown off.
#
# actions: Merge Selected (two reports ticked in All Reports), Set Figure
#   and Keep the Range on the killed count, and Dissolve (confirmed in its
#   dialog), each read back from the store after a restart; the two
#   reports' revisions are the same at the end as before the merge.
#
# Arguments: testigo, test-workspace-store, the build directory, a
# language (en or es), the part (controls or actions).

import configparser
import gettext
import json
import os
import subprocess
import sys

import tap_atspi  # noqa: E402
import tap_store  # noqa: E402
from tap_workspace import (  # noqa: E402
    Laptop, actions, ancestors, checked, do_action, fill, named, page, press, pressed, push, selected)
from tap_atspi import (  # noqa: E402
    click, label_texts, node_where, require_atspi, run, showing, tap, text_of, type_into,
    wait_for, walk)

TESTIGO = sys.argv[1]
MAKE_STORE = sys.argv[2]
BUILD = sys.argv[3]
LANG = sys.argv[4] if len(sys.argv) > 4 else "en"
PART = sys.argv[5] if len(sys.argv) > 5 else "controls"
TRANSLATION = gettext.translation("testigo", os.path.join(BUILD, "po"), languages=[LANG], fallback=True)
T = TRANSLATION.gettext
N = TRANSLATION.ngettext  # a message with plural forms: T() would not find it
GTK = gettext.translation("gtk40", "/usr/share/locale", languages=[LANG], fallback=True).gettext
ADW = gettext.translation("libadwaita", "/usr/share/locale", languages=[LANG], fallback=True).gettext
NEW_TITLE = "Juliaca, 9 de enero: disparos junto al aeropuerto"
NEW_NARRATIVE = "Tres relatos coinciden: disparos desde la pista hacia la avenida."
NEW_PLACE = "Aeropuerto Inca Manco Cápac, Juliaca"
OTHER_DEVICE = "7d2f4c1a-monitor-puno"


F = fill  # a translated printf template filled in


def M(text):
    """A mnemonic label's text as shown."""
    return T(text).replace("_", "")


pyatspi = require_atspi()
laptop = Laptop(TESTIGO, BUILD, LANG, "testigo-workspace-controls-")
data_dir, config_home = laptop.data_dir, laptop.config_home
start = laptop.start
RETURN, ESCAPE, SPACE, TAB = 0xff0d, 0xff1b, 0x20, 0xff09


# Helpers --------------------------------------------------------------------

def labels(top):
    return "\n".join(n or "" for n in label_texts(top))


def combo_label(combo):
    """The label a drop-down shows for its chosen item: the list item
    widget inside its button (its popover's list, once opened, holds every
    item and is left out)."""
    if combo is None:
        return None
    try:
        buttons = [n for n in combo if n is not None and n.getRoleName() == "push button"]
        for node in walk(buttons[0]) if buttons else []:
            if node.getRoleName() == "filler" and node.name == "GtkListItemWidget":
                names = [n.name for n in walk(node) if n.getRoleName() == "label"]
                return names[0] if names else None
    except Exception:
        pass
    return None


def choose(combo, index, label):
    """Item @index of a drop-down, chosen with the keyboard after a click."""
    return tap_atspi.choose(combo, index, label, label_of=combo_label)


def expand(top, title):
    header = node_where(top, lambda n: n.getRoleName() == "list item" and n.name == title
                        and "a11y.activate" in actions(n) and showing(n), 10)
    if header is not None and not header.getState().contains(pyatspi.STATE_EXPANDED):
        do_action(header, "a11y.activate")
        wait_for(lambda: header.getState().contains(pyatspi.STATE_EXPANDED), 5)
    return header


def db_rows(sql, args=()):
    db = tap_store.connect(data_dir)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def incidents():
    """{incident_id: content of its head} of the live incidents."""
    rows = db_rows("SELECT i.incident_id, r.content FROM incidents i "
                   "JOIN revisions r ON r.rev_id = i.rev_id WHERE i.deleted = 0")
    return {row[0]: json.loads(row[1]) for row in rows}


def settings():
    """The workspace's keys as the key file holds them (GVariant text)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    try:
        parser.read(os.path.join(config_home, "glib-2.0", "settings", "keyfile"))
        return dict(parser["io/github/testigo/Testigo"]) if parser.has_section("io/github/testigo/Testigo") else {}
    except configparser.Error:
        return {}


def incidents_toggle(app, timeout):
    """The map's Incidents toggle (GTK 4.8 calls a toggle button a push
    button, named "<label> <its child's label>")."""
    return node_where(app, lambda n: n.getRoleName() in ("toggle button", "push button") and showing(n)
                      and (n.name or "").startswith(T("Incidents on the map")), timeout)


def open_workspace(app):
    ws = node_where(app, lambda n: n.getRoleName() == "push button"
                    and (n.name or "").startswith(T("Workspace")) and showing(n), 30)
    if ws is None:
        return False
    click(ws)
    return push(app, T("Back to my reports"), timeout=10) is not None


def queue_rows(app):
    """The names of the review queue's rows (pairs, with "score"); a row
    gone while it is read (the queue rebuilt) is left out."""
    template = T("“%s” and “%s”, score %s: %s")
    word, quote = template.split("%s")[2].strip(" ,:"), template[0]
    rows = []
    for n in walk(app):
        try:
            if n.getRoleName() in ("table row", "list item", "row") and word in (n.name or "") \
                    and quote in (n.name or ""):
                rows.append(n)
        except Exception:
            pass
    return rows


def safely(pred, app):
    """@pred of the queue's rows read once, False when a row went away
    while it was read."""
    def check():
        try:
            return pred(queue_rows(app))
        except Exception:
            return False
    return check


def field_of(inc_id, key):
    """A field of the stored incident: {"value": …, "provenance": …}."""
    return incidents().get(inc_id, {}).get("fields", {}).get(key) or {}


def entry_named(app, title, timeout, only_visible=True):
    """An entry row's text, named by GTK 4.8 "<title> <title>"."""
    return node_where(app, lambda n: n.getRoleName() == "text" and (n.name or "").startswith(title)
                      and (showing(n) or not only_visible), timeout)


def apply_entry(entry):
    """Applies an entry row's text as a person does: the text focused
    (its a11y.activate), then Enter."""
    if not do_action(entry, "a11y.activate"):
        print("# cannot focus %r: actions %r" % (entry.name, actions(entry)))
        return False
    if not wait_for(lambda: entry.getState().contains(pyatspi.STATE_FOCUSED), 5):
        print("# %r not focused" % entry.name)
        return False
    press(RETURN)
    return True


def write_field(app, inc_id, label, title, key, member, value):
    """Writes @value in the editor's "Write a new …" row of field @label;
    TRUE once the store holds it as the coordinator's and the rebuilt
    editor shows it again."""
    expand(app, label)
    entry = entry_named(app, title, 10)
    if entry is None:
        print("# no row %r; nodes: %r" % (title, [(n.getRoleName(), n.name, showing(n)) for n in walk(app)
                                                  if title in (n.name or "")]))
        return False
    type_into(entry, value)
    applied = apply_entry(entry)

    def stored():
        f = field_of(inc_id, key)
        return f.get("provenance", {}).get("kind") == "coordinator" and (f.get("value") or {}).get(member) == value
    ok = applied and wait_for(stored, 20)
    shown = ok and wait_for(lambda: text_of(entry_named(app, title, 0, False)) == value, 20)
    if not (ok and shown):
        print("# %s: applied=%s stored=%s shown=%s" % (key, applied, ok, shown))
    return ok and shown


def filter_combo(app, name, timeout=5):
    """A drop-down of the filters' popover (the incident editor has a
    "Status" of its own): searched from the region entry up."""
    region = named(app, "text", T("Region or province code"), timeout)
    for parent in ancestors(region)[:8] if region is not None else []:
        for node in walk(parent):
            if node.getRoleName() == "combo box" and (node.name or "").startswith(name) and showing(node):
                return node
    return None


def unmerged_box(app, timeout):
    """The filter "Only reports not yet in an incident" (GTK 4.8 keeps the
    mnemonic's underscore in a check button's name)."""
    want = M("Only reports _not yet in an incident")
    return node_where(app, lambda n: n.getRoleName() == "check box" and (n.name or "").replace("_", "") == want
                      and showing(n), timeout)


def switch_incidents_off(app):
    """Back to the monitor's own page, where the map's header bar holds the
    Incidents toggle (on by default): switched off with its action."""
    back = push(app, T("Back to my reports"), 5)
    if back is not None:
        click(back)
    toggle = incidents_toggle(app, 10)
    if toggle is None or not pressed(toggle):
        print("# toggle=%s pressed=%s" % (toggle is not None, pressed(toggle)))
        return False
    click(toggle)
    if not wait_for(lambda: not pressed(toggle), 10):
        print("# the toggle did not change: actions %r" % actions(toggle))
        return False
    return True


def quit_app(process, app):
    """Closes the window (tap_atspi.quit_app: the Close buttons that have a
    size first); the exit status, or None when it had to be killed."""
    if app is None:
        if process.poll() is None:
            process.kill()
        return None
    return tap_atspi.quit_app(process, app)


def quit_and_restart(process, app):
    status = quit_app(process, app)
    process, app = start()
    return status, process, app


# The test ------------------------------------------------------------------

def controls():
    print("1..11")
    out = subprocess.run([MAKE_STORE, data_dir, "--second-pair"], check=True, capture_output=True,
                         text=True).stdout.split()
    here_id, other_id, road_other_id, road_id = out[0], out[1], out[2], out[3]
    road_pair = sorted([road_id, road_other_id])

    process, app = start()
    if app is None or not open_workspace(app):
        tap(False, "the workspace opens")
        if process.poll() is None:
            process.kill()
        return

    # Review queue: Next, then Dismiss the second pair.
    two = wait_for(lambda: len(queue_rows(app)) == 2, 60)
    rows = queue_rows(app)
    first_selected = two and selected(rows[0])
    nxt = push(app, T("Next pair"), 5)
    if nxt is not None:
        click(nxt)
    moved = two and wait_for(safely(lambda rows: len(rows) == 2 and selected(rows[1]) and not selected(rows[0]),
                                    app), 10)
    second = safely(lambda rows: rows[1].name, app)() if moved else ""
    tap(two and first_selected and moved, "Next selects the queue's second pair",
        "rows=%d first selected=%s moved=%s" % (len(rows), first_selected, moved))
    dismiss = push(app, T("Dismiss"), 5)
    if dismiss is not None:
        click(dismiss)
    left = wait_for(safely(lambda rows: len(rows) == 1 and rows[0].name != second, app), 20)
    stored = [sorted(r) for r in db_rows("SELECT report_a, report_b FROM dismissed_pairs")]
    tap(left and stored == [road_pair], "Dismiss leaves the second pair out; dismissed_pairs holds it",
        "left=%s stored=%s" % (left, stored))

    # The pair left (Juliaca): Confirm and merge, then Merge into Incident.
    confirm = push(app, T("Confirm and merge"), 10)
    if confirm is not None:
        click(confirm)
    merge = push(app, T("Merge into Incident"), 30) if confirm is not None else None
    if merge is None:
        tap(False, "Confirm and merge opens the merge view")
        quit_app(process, app)
        return
    click(merge)
    made = wait_for(lambda: len(incidents()) == 1, 30)
    inc_id = list(incidents())[0] if made else None
    members = sorted(m.get("report") for m in incidents()[inc_id].get("members", [])) if made else []
    tap(made and members == sorted([here_id, other_id]), "the incident is made of the two Juliaca reports",
        "members=%s" % members)
    if not made:
        quit_app(process, app)
        return

    # Use: the title from report 2 (the other of the two).
    before = field_of(inc_id, "title").get("provenance", {}).get("report")
    expand(app, T("Title"))
    use_name = F(T("Use report %u’s %s"), 2, T("Title"))
    use = push(app, use_name, 20)
    if use is not None:
        click(use)

    def title_report():
        return field_of(inc_id, "title").get("provenance", {}).get("report")
    used = use is not None and wait_for(lambda: title_report() not in (None, before)
                                        and push(app, use_name, 0) is None, 20)
    tap(used and before in (here_id, other_id) and title_report() in (here_id, other_id),
        "Use takes report 2's title, with that report as its provenance",
        "before=%s after=%s" % (before, title_report()))

    # Remove report 2.
    remove = push(app, F(T("Remove report %u from the incident"), 2), 20)
    if remove is not None:
        click(remove)

    def n_members():
        return len([m for m in incidents().get(inc_id, {}).get("members", []) if not m.get("removed")])
    removed = remove is not None and wait_for(lambda: n_members() == 1, 20)
    tap(removed, "Remove takes report 2 out of the incident", "members=%d" % n_members())

    # Filters: each set.
    filt = named(app, "toggle button", T("Filter the workspace"), 5) or \
        named(app, "push button", T("Filter the workspace"), 2)
    if filt is not None:
        do_action(filt, "a11y.open") or click(filt)
    monitor = named(app, "combo box", T("Monitor"), 10)
    # The drop-down lists the monitors of the store, sorted by device id.
    devices = sorted(r[0] for r in db_rows("SELECT DISTINCT origin_device FROM reports WHERE deleted = 0"))
    got_monitor = monitor is not None and OTHER_DEVICE in devices and \
        choose(monitor, devices.index(OTHER_DEVICE) + 1, F(T("Device %.8s"), OTHER_DEVICE[:8]))
    for name, value in ((T("Region or province code"), "PE-PUN"), (T("Reports from (date)"), "2023-01-10"),
                        (T("Reports until (date)"), "2023-01-31")):
        entry = named(app, "text", name, 5)
        if entry is not None:
            type_into(entry, value)
    category = named(app, "combo box", T("Category"), 5)
    got_category = category is not None and category_choose(category)
    status = filter_combo(app, T("Status"))
    got_status = status is not None and choose(status, 2, T("Submitted"))
    unmerged = unmerged_box(app, 5)
    if unmerged is not None and not checked(unmerged):
        do_action(unmerged, "a11y.toggle") or click(unmerged)
    press(ESCAPE)
    want = {"workspace-filter-monitor": "'%s'" % OTHER_DEVICE, "workspace-filter-region": "'PE-PUN'",
            "workspace-filter-from": "'2023-01-10'", "workspace-filter-until": "'2023-01-31'",
            "workspace-filter-category": "'other'", "workspace-filter-status": "'submitted'",
            "workspace-filter-unmerged": "true"}
    saved = wait_for(lambda: all(settings().get(k) == v for k, v in want.items()), 10)
    tap(got_monitor and got_category and got_status and unmerged is not None and saved,
        "the monitor, region, from, until, category, status and unmerged filters are kept in the settings",
        "monitor=%s category=%s status=%s settings=%r" % (got_monitor, got_category, got_status,
                                                          {k: settings().get(k) for k in want}))

    # The map's Incidents toggle: switched off, kept.
    toggled = switch_incidents_off(app)
    tap(toggled and wait_for(lambda: settings().get("workspace-map-incidents") == "false", 10),
        "the map's Incidents toggle is switched off and kept in the settings",
        "toggled=%s settings=%r" % (toggled, settings().get("workspace-map-incidents")))

    # Restart: everything stored and shown.
    code, process, app = quit_and_restart(process, app)
    ok = app is not None and code == 0
    shown = ok and open_workspace(app)
    if shown:
        page(app, T("All Reports"))
        filt = named(app, "toggle button", T("Filter the workspace"), 5) or \
            named(app, "push button", T("Filter the workspace"), 2)
        if filt is not None:
            do_action(filt, "a11y.open") or click(filt)
    restored = shown and wait_for(lambda: all(
        text_of(named(app, "text", n, 1)) == v for n, v in (
            (T("Region or province code"), "PE-PUN"), (T("Reports from (date)"), "2023-01-10"),
            (T("Reports until (date)"), "2023-01-31"))) and
        combo_label(filter_combo(app, T("Status"), 1)) == T("Submitted") and
        checked(unmerged_box(app, 1)) and
        combo_label(filter_combo(app, T("Monitor"), 1)) == F(T("Device %.8s"), OTHER_DEVICE[:8]), 15)
    # Road block by the other monitor: the one report of the filters.
    one = shown and wait_for(lambda: (F(N("%u report matches the filters", "%u reports match the filters", 1), 1)) in labels(app), 60)
    tap(restored and one, "after a restart the filters are shown again and filter (1 report)",
        "restored=%s one=%s summary=%r status=%r unmerged=%s monitor=%r" % (
            restored, one, [t for t in label_texts(app) if any(c.isdigit() for c in (t or "")) and len(t) < 60],
            combo_label(filter_combo(app, T("Status"), 1)) if shown else None,
            checked(unmerged_box(app, 1)) if shown else None,
            combo_label(filter_combo(app, T("Monitor"), 1)) if shown else None))
    reset = push(app, T("Show Everything"), 5) if shown else None
    if reset is not None:
        click(reset)
    cleared = reset is not None and wait_for(lambda: all(settings().get(k) in (None, "''", "false")
                                                         for k in want), 10)
    press(ESCAPE)
    tap(cleared, "Show Everything clears the kept filters", "%r" % {k: settings().get(k) for k in want})

    # The toggle shown off; the fields as written.
    toggle = incidents_toggle(app, 10) if app is not None else None
    tap(toggle is not None and not pressed(toggle) and settings().get("workspace-map-incidents") == "false",
        "after a restart the Incidents toggle is shown off",
        "toggle=%s pressed=%s" % (toggle is not None, pressed(toggle)))
    # The incident after the restart; the dismissed pair stays out.
    queue_after = []
    if shown:
        page(app, T("Review"))
        wait_for(lambda: len(queue_rows(app)) >= 1, 30)
        queue_after = [r.name for r in queue_rows(app)]
    tap(n_members() == 1 and not any("Bloqueo de la vía" in q for q in queue_after),
        "after a restart: the incident holds one report; the dismissed pair stays out",
        "members=%d queue=%r" % (n_members(), queue_after))
    if app is not None:
        quit_app(process, app)
    elif process.poll() is None:
        process.kill()


TITLE_HERE = "Disparos en el aeropuerto de Juliaca"
TITLE_OTHER = "Juliaca: 18 muertos junto al aeropuerto"
FIGURE_REASON = "La fiscalía confirmó 18 muertos."


def killed_of(inc_id):
    return incidents().get(inc_id, {}).get("counts", {}).get("killed") or {}


def editor_heading(app, titles, timeout):
    """The incident editor's heading once it shows an incident called one
    of @titles: the editor has read it from the store (its buttons do
    nothing before)."""
    return node_where(app, lambda n: n.getRoleName() == "label" and n.name in titles
                      and T("Incident editor") in "".join((p.name or "") for p in ancestors(n)), timeout)


def focused(app):
    """(role, name) of the node that has the keyboard focus, or None."""
    for node in walk(app):
        try:
            if node.getState().contains(pyatspi.STATE_FOCUSED):
                return node.getRoleName(), node.name
        except Exception:
            pass
    return None


def tab_to(app, node, limit=20):
    """Moves the keyboard focus with Tab until @node has it (GTK 4.8 does
    not implement AT-SPI's grabFocus); each Tab waits for the focus to
    move before the next."""
    for _i in range(limit):
        if node.getState().contains(pyatspi.STATE_FOCUSED):
            return True
        before = focused(app)
        press(TAB)
        wait_for(lambda: focused(app) != before, 5)
    return node.getState().contains(pyatspi.STATE_FOCUSED)


def report_revisions(*ids):
    """Every revision the store holds of the reports @ids, content
    included: a merge, a figure or a dissolve must not add or change one."""
    marks = ",".join("?" * len(ids))
    return db_rows("SELECT record_id, rev_id, deleted, content FROM revisions WHERE record_id IN (%s) "
                   "ORDER BY local_seq" % marks, ids)


def open_incident(app, title):
    """The incident called @title opened from the Incidents page's list,
    once the editor shows it."""
    page(app, T("Incidents"))
    # The monitor's own report list has rows of that title too, also with
    # a row.open: the one wanted is in the workspace's incident list.
    item = node_where(app, lambda n: n.getRoleName() == "list item" and title in (n.name or "")
                      and any(p.name == T("Incident list") for p in ancestors(n)), 20)
    return item is not None and do_action(item, "row.open") and \
        editor_heading(app, (title,), 30) is not None


def actions_part():
    print("1..6")
    out = subprocess.run([MAKE_STORE, data_dir], check=True, capture_output=True, text=True).stdout.split()
    here_id, other_id = out[0], out[1]
    reports_before = report_revisions(here_id, other_id)

    process, app = start()
    if app is None or not open_workspace(app):
        tap(False, "the workspace opens")
        quit_app(process, app)
        return

    # Merge Selected: the two Juliaca reports ticked in All Reports.
    page(app, T("All Reports"))
    boxes = [node_where(app, lambda n, t=t: n.getRoleName() == "check box"
                        and (n.name or "") == F(T("Select “%s” to merge"), t) and showing(n), 30)
             for t in (TITLE_HERE, TITLE_OTHER)]
    # The first by its action (a screen reader), the second from the
    # keyboard: focused, then Space.
    if boxes[0] is not None and not checked(boxes[0]):
        do_action(boxes[0], "a11y.toggle")
    by_key = False
    if boxes[1] is not None and wait_for(lambda: checked(boxes[0]), 10):
        if tab_to(app, boxes[1]):
            press(SPACE)
            by_key = wait_for(lambda: checked(boxes[1]), 10)
    ticked = all(b is not None for b in boxes) and wait_for(lambda: all(checked(b) for b in boxes), 10)
    merge_selected = push(app, M("_Merge Selected…"), 10)
    sensitive = merge_selected is not None and wait_for(
        lambda: merge_selected.getState().contains(pyatspi.STATE_SENSITIVE), 10)
    if sensitive:
        click(merge_selected)
    merge = push(app, T("Merge into Incident"), 30) if sensitive else None
    if merge is not None:
        click(merge)
    made = merge is not None and wait_for(lambda: len(incidents()) == 1, 30)
    inc_id = list(incidents())[0] if made else None
    members = sorted(m.get("report") for m in incidents()[inc_id].get("members", [])) if made else []
    tap(made and by_key and members == sorted([here_id, other_id]),
        "Merge Selected merges the two ticked reports (one by Space) into an incident",
        "by key=%s ticked=%s sensitive=%s merge view=%s members=%s" % (by_key, ticked, sensitive, merge is not None, members))
    if not made:
        quit_app(process, app)
        return

    # The killed count: a figure (18, with a reason), then Keep the Range.
    heading = editor_heading(app, (TITLE_HERE, TITLE_OTHER), 30)
    expand(app, T("Killed"))
    spin = node_where(app, lambda n: n.name == T("Your figure for %s") % T("Killed"), 10)
    reason = node_where(app, lambda n: n.getRoleName() == "text"
                        and (n.name or "").startswith(T("Reason for the figure for %s") % T("Killed")), 5)
    if spin is not None:
        try:
            spin.queryValue().currentValue = 18.0
        except Exception:
            pass
        if spin.queryValue().currentValue != 18.0:
            type_into(spin, "18")
    if reason is not None:
        type_into(reason, FIGURE_REASON)
    set_figure = push(app, M("Set _Figure"), 5)
    if set_figure is not None:
        click(set_figure)
    figured = wait_for(lambda: killed_of(inc_id).get("figure") == 18
                       and killed_of(inc_id).get("reason") == FIGURE_REASON, 20)
    expand(app, T("Killed"))
    keep = push(app, M("_Keep the Range"), 20) if figured else None
    if keep is not None:
        click(keep)
    ranged = keep is not None and wait_for(lambda: killed_of(inc_id).get("figure") is None, 20)
    tap(heading is not None and figured and ranged,
        "Set Figure stores 18 with its reason; Keep the Range takes the figure back out",
        "editor=%s figured=%s keep=%s killed=%r" % (heading is not None, figured, keep is not None,
                                                   killed_of(inc_id)))

    code, process, app = quit_and_restart(process, app)
    killed = killed_of(inc_id)
    members = sorted(m.get("report") for m in incidents().get(inc_id, {}).get("members", []))
    tap(code == 0 and members == sorted([here_id, other_id]) and killed.get("figure") is None
        and killed.get("min") == 17 and killed.get("max") == 18,
        "after a restart: the incident holds both reports and the range 17–18, no figure",
        "exit=%s members=%s killed=%r" % (code, members, killed))

    # Dissolve, confirmed in its dialog.
    title = (field_of(inc_id, "title").get("value") or {}).get("title") or TITLE_HERE
    opened = app is not None and open_workspace(app) and open_incident(app, title)
    dissolve = push(app, M("_Dissolve Incident…"), 10) if opened else None
    if dissolve is not None:
        click(dissolve)
    # The dialog's own window; GTK 4.8 names its button "_Dissolve Dissolve".
    dialog = tap_atspi.window_named(app, T("Dissolve This Incident?"), 20) if dissolve is not None else None
    confirm = tap_atspi.button(dialog, M("_Dissolve"), 10) if dialog is not None else None
    if confirm is not None:
        click(confirm)
    gone = confirm is not None and wait_for(lambda: len(incidents()) == 0, 30)
    tap(gone, "Dissolve, confirmed, dissolves the incident",
        "opened=%s dialog=%s" % (opened, confirm is not None))

    code, process, app = quit_and_restart(process, app)
    dead = db_rows("SELECT deleted FROM incidents WHERE incident_id = ?", (inc_id,))
    free = False
    if app is not None and open_workspace(app):
        page(app, T("All Reports"))
        free = wait_for(lambda: sum(1 for n in walk(app) if n.getRoleName() in ("table row", "row", "list item")
                                    and T("not in an incident") in (n.name or "")
                                    and (TITLE_HERE in n.name or TITLE_OTHER in n.name)) == 2, 20)
    intact = report_revisions(here_id, other_id) == reports_before
    tap(code == 0 and dead == [(1,)] and len(incidents()) == 0 and free and intact,
        "after a restart: the incident stays dissolved, its two reports intact and not in an incident",
        "exit=%s stored=%r free=%s intact=%s" % (code, dead, free, intact))
    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly", "exit status %s" % status)


def category_choose(combo):
    """The category "other", by its place in the vocabulary and its label
    in this language."""
    vocabulary = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                             "data", "vocabularies", "categories.json")))
    index = [e["code"] for e in vocabulary].index("other")
    return choose(combo, index + 1, vocabulary[index].get(LANG, vocabulary[index]["en"]))


run((actions_part if PART == "actions" else controls), cleanup=laptop.end, plan=False)
