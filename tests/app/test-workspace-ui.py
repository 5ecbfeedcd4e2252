#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The coordinator's workspace through the real app over AT-SPI, as a
# screen reader user would drive it. On a store made by
# tests/app/test-workspace-store (reports from two monitors, two of them
# the Juliaca airport shootings with 17 and 18 killed), with
# TESTIGO_ROLE=coordinator: the Workspace button opens the workspace, the
# review queue lists the pair with its score and explanation; Confirm and
# Merge opens the merge view, where the title is taken from the other
# report; Merge into Incident makes the incident and opens its editor; the
# status is set to Verified with a reason, a figure of 18 killed with a
# reason, notes typed; the "not yet in an incident" filter leaves the two
# unmerged reports. After a restart the incident is found in the list with
# its status, and the store (read with tap_store) holds the incident's
# revision with every value set: title from the other report, status,
# reason, figure, notes. Without TESTIGO_ROLE the workspace is not offered.
#
# Needs an X server, a D-Bus session and the accessibility bus
# (tools/run-tests.sh); without them the test is skipped.

import os
import subprocess
import sys
import tempfile

TESTIGO = sys.argv[1]
MAKE_STORE = sys.argv[2]
# Optional: the build directory and a language (en or es): the names
# looked for are the app's own translations.
BUILD = sys.argv[3] if len(sys.argv) > 3 else None
LANG = sys.argv[4] if len(sys.argv) > 4 else "en"
if BUILD is not None:
    import gettext
    _translation = gettext.translation("testigo", os.path.join(BUILD, "po"), languages=[LANG], fallback=True)
    T, N = _translation.gettext, _translation.ngettext
    GTK = gettext.translation("gtk40", languages=[LANG], fallback=True).gettext
else:
    def T(text):
        return text

    def N(one, many, n):
        return one if n == 1 else many

    def GTK(text):
        return text
TITLE_HERE = "Disparos en el aeropuerto de Juliaca"
TITLE_OTHER = "Juliaca: 18 muertos junto al aeropuerto"
REASON = "Three independent sources and the hospital's list agree."
FIGURE_REASON = "The regional hospital's list names eighteen."
NOTES = "Ask the Puno office for the autopsy reports."

from tap_atspi import (  # noqa: E402
    button, choose, click, end, find, find_app, node_where, require_atspi, run, tap, text_of, type_into,
    wait_for, walk)
import tap_workspace  # noqa: E402
from tap_workspace import (  # noqa: E402
    ancestors, checked, do_action, expand, page, press, push)

pyatspi = require_atspi()
SCORE = T("“%s” and “%s”, score %s: %s").split("%s")[2].strip()
TWO_REPORTS = N("%u report", "%u reports", 2).replace("%u", "2")


def quit_app(process, app):
    """Closes the window with its Close button (its name in this
    language); the exit status, or None when it had to be killed."""
    frame = find(app, role="frame", name="Testigo")
    close = find(frame, role="push button", name=GTK("Close")) if frame else None
    if close is not None:
        click(close)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return None

data_dir = tempfile.mkdtemp(prefix="testigo-workspace-ui-")
base_env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
                LANGUAGE=LANG)
if BUILD is not None:
    base_env["TESTIGO_LOCALEDIR"] = os.path.join(BUILD, "po")


def start(coordinator=True):
    env = dict(base_env)
    if coordinator:
        env["TESTIGO_ROLE"] = "coordinator"
    else:
        env.pop("TESTIGO_ROLE", None)
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    return process, find_app(process)


def named(root, role, contains, timeout=10.0):
    return tap_workspace.named(root, role, contains, timeout, only_visible=False)


def labels_text(root):
    out = []
    for node in walk(root):
        try:
            if node.getRoleName() == "label":
                out.append(node.name or "")
        except Exception:
            pass
    return "\n".join(out)


def stored_incidents():
    """(id, content of its current head revision) of each live incident."""
    return list(tap_workspace.incidents(data_dir).items())


def open_workspace(app):
    return tap_workspace.open_workspace(app, T("Workspace"), T("Back to my reports"))


def main():
    print("1..18")
    out = subprocess.run([MAKE_STORE, data_dir], check=True, capture_output=True, text=True).stdout.split()
    here_id, other_id = out[0], out[1]

    # A monitor (no coordinator role) is not offered the workspace.
    process, app = start(coordinator=False)
    if app is None:
        process.kill()
        tap(False, "the window appears on the accessibility bus")
        return
    listed = named(app, "list item", "Juliaca", timeout=20) is not None
    tap(listed and button(app, T("Workspace"), timeout=2) is None,
        "without the coordinator role there is no Workspace button")
    quit_app(process, app)

    process, app = start()
    if app is None or not open_workspace(app):
        tap(False, "the Workspace button opens the workspace")
        if app is not None:
            quit_app(process, app)
        else:
            process.kill()
        return
    tap(True, "the Workspace button opens the workspace")

    # The review queue: the pair, with its score and why.
    pair = node_where(app, lambda n: TITLE_HERE in (n.name or "") and TITLE_OTHER in (n.name or "")
                      and SCORE in (n.name or ""), timeout=30)
    tap(pair is not None, "the review queue lists the two Juliaca reports with a score and why",
        "row: %r" % (pair.name if pair else None))
    if pair is None:
        quit_app(process, app)
        return

    confirm = push(app, T("Confirm and merge"), timeout=5)
    if confirm is not None:
        click(confirm)
    from_2 = T("%s from report %u: %s").replace("%s", T("Title"), 1).replace("%u", "2").replace("%s", "")
    title_other = named(app, "radio button", from_2, timeout=20)
    if title_other is None:
        title_other = named(app, "check box", from_2, timeout=2)
    tap(title_other is not None and TITLE_OTHER in title_other.name,
        "Confirm and merge opens the merge view with each report's title",
        "choice: %r" % (title_other.name if title_other else None))
    if title_other is None:
        quit_app(process, app)
        return
    differs = T("Differs") in labels_text(app)
    for _attempt in range(3):
        if checked(title_other):
            break
        do_action(title_other, "a11y.toggle") or do_action(title_other, "click") or click(title_other)
        wait_for(lambda: checked(title_other), 3)
    tap(checked(title_other) and differs, "the title is taken from the other report; differing rows are marked",
        "checked=%s differs=%s" % (checked(title_other), differs))

    click(push(app, T("Merge into Incident"), timeout=10))
    heading = node_where(app, lambda n: n.getRoleName() == "label" and n.name == TITLE_OTHER
                         and T("Incident editor") in "".join((p.name or "") for p in ancestors(n)), timeout=30)
    tap(heading is not None, "the incident is made and opened in the editor with the chosen title")
    if heading is None:
        quit_app(process, app)
        return

    # Verification: status and reason.
    status = named(app, "combo box", T("Status"), timeout=10)
    chose = status is not None and choose(status, 2, T("Verified"))
    reason = node_where(app, lambda n: n.getRoleName() == "text" and n.name == T("Reason for the status"), 5)
    if reason is not None:
        type_into(reason, REASON)
    set_status = push(app, T("Set Status"), timeout=5)
    if set_status is not None:
        click(set_status)
    decided = wait_for(lambda: T("%s by %s on %s: %s").split("%s")[1].join([T("Verified"), ""])
                       in labels_text(app), 20)
    tap(chose and reason is not None and decided, "the status is set to Verified with a reason",
        "chose=%s reason=%s decided=%s" % (chose, reason is not None, decided))

    # The killed count: the reports say 17 and 18; the coordinator's figure
    # (in the count's expander row, opened first as a person would).
    expand(app, T("Killed"))
    spin = node_where(app, lambda n: n.name == T("Your figure for %s") % T("Killed"), 10)
    figure_reason = node_where(app, lambda n: n.getRoleName() == "text"
                               and (n.name or "").startswith(T("Reason for the figure for %s") % T("Killed")), 5)
    ranged = T("The reports disagree: %s").split("%s")[0] + "17–18" in labels_text(app)
    before = None
    if spin is not None:
        before = spin.queryValue().currentValue
        try:
            spin.queryValue().currentValue = 18.0
        except Exception:
            pass
        if spin.queryValue().currentValue != 18.0:
            type_into(spin, "18")
    if figure_reason is not None:
        type_into(figure_reason, FIGURE_REASON)
    set_figure = push(app, T("Set _Figure").replace("_", ""), timeout=5)
    if set_figure is not None:
        click(set_figure)
    figured = wait_for(lambda: T("%d, the coordinator’s figure: %s\nThe reports say %s").split(":")[0]
                       .replace("%d", "18") in labels_text(app), 20)
    tap(ranged and before == 17.0 and figured,
        "the killed count shows 17–18 with its sources; the figure is changed from 17 to 18",
        "range shown=%s figure before=%s set=%s" % (ranged, before, figured))

    # Persons: the two spellings of one victim were matched; split one off.
    matched = expand(app, "Juan Pérez Quispe")
    split = push(app, T("Split “%s” in report %u into a person of their own")
                 .replace("%s", "juan perez q.").replace("%u", "2"), timeout=5)
    if split is not None:
        click(split)
    separate = wait_for(lambda: node_where(app, lambda n: n.getRoleName() == "list item"
                                           and n.name == "juan perez q."
                                           and push(n, T("_Split").replace("_", ""), timeout=0) is None, 0)
                        is not None
                        and any(len(c[1].get("persons", [])) == 3 for c in stored_incidents()), 20)
    tap(matched is not None and split is not None and separate,
        "“Juan Pérez Quispe” and “juan perez q.” were matched; Split makes them two persons",
        "matched=%s split=%s separate=%s" % (matched is not None, split is not None, separate))

    notes = named(app, "text", T("Notes on the incident"), timeout=5)
    if notes is not None:
        type_into(notes, NOTES)
    save_notes = push(app, T("Save Notes"), timeout=5)
    if save_notes is not None:
        click(save_notes)
    saved = wait_for(lambda: any(c[1].get("notes") == NOTES for c in stored_incidents()), 20)
    tap(notes is not None and saved, "the notes are saved")

    # The filter "not yet in an incident": the two merged reports leave.
    shown = page(app, T("All Reports"))
    every = shown and wait_for(lambda: N("%u report from every monitor", "%u reports from every monitor", 4)
                     .replace("%u", "4") in labels_text(app), 15)
    filt = named(app, "toggle button", T("Filter the workspace"), timeout=5) or \
        named(app, "push button", T("Filter the workspace"), timeout=2)
    if filt is not None:
        do_action(filt, "a11y.open") or click(filt)
    # GTK 4.8 keeps the mnemonic's underscore in a check button's name.
    unmerged = node_where(app, lambda n: n.getRoleName() == "check box" and (n.name or "").replace("_", "")
                          == T("Only reports _not yet in an incident").replace("_", ""), 5)
    if unmerged is not None:
        do_action(unmerged, "a11y.toggle") or click(unmerged)
    two = wait_for(lambda: N("%u report matches the filters", "%u reports match the filters", 2)
                   .replace("%u", "2") in labels_text(app), 15)
    tap(shown and every and unmerged is not None and two,
        "All Reports shows 4 reports; only those not yet in an incident: 2",
        "page=%s every=%s filter=%s two=%s" % (shown, every, unmerged is not None, two))
    press(0xff1b)  # Escape closes the popover

    status_code = quit_app(process, app)
    tap(status_code == 0, "the app quits cleanly", "exit status %s" % status_code)

    # After a restart: the incident is in the list with its status.
    process, app = start()
    ok = app is not None and open_workspace(app) and page(app, T("Incidents"))
    item = node_where(app, lambda n: n.getRoleName() == "list item" and TITLE_OTHER in (n.name or "")
                      and T("Verified") in (n.name or ""), 20) if ok else None
    tap(item is not None and T("Verified") in item.name and TWO_REPORTS in item.name,
        "after a restart the incident is listed with its title, status and reports",
        "item: %r" % (item.name if item else None))
    opened = item is not None and do_action(item, "row.open")
    shown = opened and wait_for(lambda: REASON in labels_text(app)
                                and T("From report %u, “%s”").split("%u")[0] in labels_text(app), 20)
    notes = named(app, "text", T("Notes on the incident"), timeout=5) if shown else None
    tap(shown and notes is not None and text_of(notes) == NOTES,
        "opened again: the status's reason, the provenance and the notes are shown")
    if app is not None:
        quit_app(process, app)
    else:
        process.kill()

    incidents = stored_incidents()
    content = incidents[0][1] if len(incidents) == 1 else {}
    fields = content.get("fields", {})
    title = fields.get("title", {})
    killed = content.get("counts", {}).get("killed", {})
    status_value = content.get("status", {})
    members = sorted(m.get("report") for m in content.get("members", []))
    tap(len(incidents) == 1 and members == sorted([here_id, other_id]),
        "the store holds one incident of the two reports", "incidents=%d members=%s" % (len(incidents), members))
    tap(title.get("value", {}).get("title") == TITLE_OTHER and title.get("provenance", {}).get("report") == other_id,
        "its title is the other report's, with that report as its provenance", "title=%r" % title)
    tap(status_value.get("value") == "verified" and status_value.get("reason") == REASON
        and killed.get("figure") == 18 and killed.get("reason") == FIGURE_REASON
        and killed.get("min") == 17 and killed.get("max") == 18 and content.get("notes") == NOTES,
        "status verified with its reason, figure 18 with its reason over 17–18, notes: all stored",
        "status=%r killed=%r notes=%r" % (status_value, killed, content.get("notes")))
    persons = content.get("persons", [])
    tap(len(persons) == 3 and all(len(p.get("links", [])) == 1 for p in persons),
        "the split is stored: three persons, one mention each",
        "persons=%r" % [(p.get("name"), len(p.get("links", []))) for p in persons])


run(main, cleanup=lambda: end(None, data_dir), plan=False)  # main() prints the plan
