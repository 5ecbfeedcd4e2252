# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the coordinator's workspace UI tests share (test-workspace-ui.py,
# test-workspace-controls.py, test-workspace-incident.py): the laptop the
# app runs on, finding nodes
# by predicate, role and name, doing a node's named action, keys and the
# keyboard focus, the workspace's pages and expander rows,
# and the incidents as the store holds them. Built on tap_atspi; pyatspi
# is imported where it is used (tap_atspi.require_atspi() checks that it
# is there). Strings a person reads are passed in already translated.

import json
import os
import re
import shutil
import subprocess
import tempfile

import tap_store
from tap_atspi import click, find_app, node_where, press, showing, wait_for

UP, DOWN, RETURN, ESCAPE, SPACE, TAB = 0xff52, 0xff54, 0xff0d, 0xff1b, 0x20, 0xff09


def fill(template, *args):
    """A translated printf template filled in, positions (%2$s) included."""
    at = [0]

    def one(match):
        if match.group(1):
            index = int(match.group(1)) - 1
        else:
            index = at[0]
            at[0] += 1
        return str(args[index])
    return re.sub(r"%(?:(\d)\$)?(?:\.\d+)?[sud]", one, template)


class Laptop:
    """A coordinator's laptop for one test: a folder of its own (the store
    in store/, the settings in config/, kept in a key file), the app
    @testigo started there as a coordinator in @lang with the translations
    of @build, as often as the test needs; end() kills what still runs and
    removes the folder."""

    def __init__(self, testigo, build, lang, prefix):
        self.testigo = testigo
        self.root = tempfile.mkdtemp(prefix=prefix)
        self.data_dir = os.path.join(self.root, "store")
        self.config_home = os.path.join(self.root, "config")
        os.makedirs(self.config_home)
        self.env = dict(os.environ, TESTIGO_DATA_DIR=self.data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
                        LANGUAGE=lang, XDG_CONFIG_HOME=self.config_home, GSETTINGS_BACKEND="keyfile",
                        TESTIGO_ROLE="coordinator", TESTIGO_LOCALEDIR=os.path.join(build, "po"))
        self.started = []

    def start(self):
        """The app started: (its process, its AT-SPI node or None)."""
        process = subprocess.Popen([self.testigo], env=self.env, stdout=subprocess.DEVNULL)
        self.started.append(process)
        return process, find_app(process, timeout=60)

    def end(self):
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


# Nodes ----------------------------------------------------------------------

def has_state(node, state):
    try:
        return node is not None and node.getState().contains(state)
    except Exception:
        return False


def checked(node):
    import pyatspi
    return has_state(node, pyatspi.STATE_CHECKED)


def pressed(node):
    """A toggle button pressed in (GTK 4.8 says checked or pressed)."""
    import pyatspi
    return has_state(node, pyatspi.STATE_PRESSED) or has_state(node, pyatspi.STATE_CHECKED)


def selected(node):
    import pyatspi
    return has_state(node, pyatspi.STATE_SELECTED)


def named(top, role, contains, timeout=10.0, only_visible=True):
    """A node of @role whose name contains @contains."""
    return node_where(top, lambda n: n.getRoleName() == role and contains in (n.name or "")
                      and (not only_visible or showing(n)), timeout)


def push(top, start, timeout=10.0):
    """The visible push button whose name, underscores left out, starts
    with @start (GTK 4.8 names a button "<accessible label> <its label>")."""
    return node_where(top, lambda n: n.getRoleName() == "push button"
                      and (n.name or "").replace("_", "").startswith(start) and showing(n), timeout)


def entry_named(top, title, timeout=10.0, only_visible=True):
    """An entry row (role "text") whose name starts with @title (GTK 4.8
    names an AdwEntryRow "<title> <title>")."""
    return node_where(top, lambda n: n.getRoleName() == "text" and (n.name or "").startswith(title)
                      and (not only_visible or showing(n)), timeout)


def ancestors(node):
    out = []
    try:
        p = node.parent
        while p is not None and len(out) < 40:
            out.append(p)
            p = p.parent
    except Exception:
        pass
    return out


def actions(node):
    try:
        a = node.queryAction()
        return [a.getName(i) for i in range(a.nActions)]
    except Exception:
        return []


def do_action(node, name):
    """Does @node's action @name; False when it has none of that name."""
    names = actions(node)
    if name not in names:
        return False
    node.queryAction().doAction(names.index(name))
    return True


# Keys and focus ---------------------------------------------------------------

def chord(keys):
    """Presses a chord such as "alt+a" through the X server (xdotool): a
    mnemonic, or Ctrl+A. (Not --clearmodifiers: it presses again, after
    the chord, a modifier it saw down, and one still being released then
    would stay down for the keys typed next.)"""
    subprocess.run(["xdotool", "key", keys], check=False, timeout=20)


def type_text(text):
    """Types @text key by key (each character through the X server)."""
    import pyatspi
    pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)


def mnemonic(label):
    """The chord of the mnemonic in @label ("Write a new n_arrative":
    "alt+a")."""
    at = label.index("_")
    return "alt+" + label[at + 1].lower()


_focus = {"events": 0, "listening": False}


def _focus_cb(event):
    if event.detail1:
        _focus["events"] += 1


def _focus_events():
    """How many nodes have gained the keyboard focus since the listener
    was set up (the AT-SPI events waiting are read first)."""
    from gi.repository import GLib
    context = GLib.MainContext.default()
    while context.pending():
        context.iteration(False)
    return _focus["events"]


def tab_to(app, node, limit=20):
    """Moves the keyboard focus with Tab until @node has it (GTK 4.8 does
    not implement AT-SPI's grabFocus); each Tab waits for the focus to
    move (an AT-SPI focus event) before the next."""
    import pyatspi
    if not _focus["listening"]:
        pyatspi.Registry.registerEventListener(_focus_cb, "object:state-changed:focused")
        _focus["listening"] = True
    for _i in range(limit):
        if has_state(node, pyatspi.STATE_FOCUSED):
            return True
        before = _focus_events()
        press(TAB)
        wait_for(lambda: _focus_events() != before or has_state(node, pyatspi.STATE_FOCUSED), 5)
    return has_state(node, pyatspi.STATE_FOCUSED)


# The workspace ------------------------------------------------------------------

def open_workspace(app, workspace, back):
    """Presses the Workspace button (named @workspace in this language);
    True once the workspace shows its Back button (@back)."""
    ws = node_where(app, lambda n: n.getRoleName() == "push button"
                    and (n.name or "").startswith(workspace) and showing(n), 30)
    if ws is None:
        return False
    click(ws)
    return push(app, back, timeout=10) is not None


def page(app, title):
    """Shows the workspace's page @title with its view switcher (a "page
    tab" over AT-SPI); True once that tab is the selected one."""
    tab = node_where(app, lambda n: n.getRoleName() == "page tab" and n.name == title and showing(n), 10)
    if tab is None:
        return False
    if not selected(tab):
        click(tab)
    return wait_for(lambda: selected(tab), 10)


def expand(top, title):
    """Opens the expander row called @title (its header has the action
    a11y.activate); returns the header, or None."""
    import pyatspi
    header = node_where(top, lambda n: n.getRoleName() == "list item" and n.name == title
                        and "a11y.activate" in actions(n) and showing(n), 10)
    if header is not None and not has_state(header, pyatspi.STATE_EXPANDED):
        do_action(header, "a11y.activate")
        wait_for(lambda: has_state(header, pyatspi.STATE_EXPANDED), 5)
    return header


def editor_heading(app, titles, editor_name, timeout):
    """The incident editor's heading once it shows an incident called one
    of @titles: the editor (named @editor_name) has read it from the store
    (its buttons do nothing before)."""
    return node_where(app, lambda n: n.getRoleName() == "label" and n.name in titles
                      and editor_name in "".join((p.name or "") for p in ancestors(n)), timeout)


def open_incident(app, title, incidents_page, incident_list, editor_name, headings=None):
    """The incident called @title opened from the Incidents page's list
    (the list named @incident_list), once the editor shows it (called
    @title, or one of @headings)."""
    page(app, incidents_page)
    # The monitor's own report list has rows of that title too, also with
    # a row.open: the one wanted is in the workspace's incident list.
    item = node_where(app, lambda n: n.getRoleName() == "list item" and title in (n.name or "")
                      and any(p.name == incident_list for p in ancestors(n)), 20)
    return item is not None and do_action(item, "row.open") and \
        editor_heading(app, headings or (title,), editor_name, 30) is not None


# The store ------------------------------------------------------------------------

def db_rows(data_dir, sql, args=()):
    db = tap_store.connect(data_dir)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def incidents(data_dir):
    """{incident_id: content of its head revision} of the live incidents."""
    rows = db_rows(data_dir, "SELECT i.incident_id, r.content FROM incidents i "
                   "JOIN revisions r ON r.rev_id = i.rev_id WHERE i.deleted = 0")
    return {row[0]: json.loads(row[1]) for row in rows}


def field_of(data_dir, inc_id, key):
    """A field of the stored incident: {"value": …, "provenance": …}."""
    return incidents(data_dir).get(inc_id, {}).get("fields", {}).get(key) or {}


def members_of(data_dir, inc_id):
    """The ids of the stored incident's reports, sorted."""
    return sorted(m.get("report") for m in incidents(data_dir).get(inc_id, {}).get("members", []))


def report_revisions(data_dir, *ids):
    """Every revision the store holds of the reports @ids, content
    included: a merge, a join or a resolution must not add or change one."""
    marks = ",".join("?" * len(ids))
    return db_rows(data_dir, "SELECT record_id, rev_id, deleted, content FROM revisions "
                   "WHERE record_id IN (%s) ORDER BY local_seq" % marks, ids)
