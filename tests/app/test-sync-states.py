#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The sync states no other test drives, over AT-SPI, against the real
# testigo-server on loopback HTTPS reached through tests/sync/fault-proxy.py
# (so the test can cut and slow the link, and put a new server behind the
# same address):
#
#   Run 1 (automatic sync off in the settings, so only a person starts a
#   sync): Ctrl+R before the laptop is connected says so in a toast, with
#   a button to the Sync page, and nothing is sent; connected; a report
#   typed: its list row's accessible description reads "Only on this
#   laptop…"; Ctrl+R: the row reads "On the server, with all its files"
#   and its name ends with "On the server", the report is on the server; the proxy stopped: Ctrl+R gives
#   "Offline"; the proxy back, slowed (latency and a thin bandwidth): a
#   report with a photo, Ctrl+R: the indicator reads "Syncing: N %"
#   while it runs, then "Up to date".
#
#   A second report with a photo is typed last, not synced.
#
#   Run 2 (the network says it is metered, through a fake
#   org.freedesktop.portal.NetworkMonitor on the app's private bus): the
#   popover shows the last successful sync of run 1, not "Never"; Ctrl+R
#   sends the report and its thumbnail and holds the
#   original back (the popover says one original waits, the server does
#   not have it); "Send Originals Now" sends it (the server holds it,
#   byte-identical by its name, the SHA-256); the server restarted with
#   its clock 20 minutes behind: after a sync the Sync page warns that
#   this laptop's clock is 20 minutes ahead; the server restarted with
#   another certificate: Ctrl+R → "Needs attention", and the Sync page
#   says the server's identity changed and to ask the administrator.
#
# Waits are for states (polled with a bound), never for a fixed time.
#
# Usage: test-sync-states.py TESTIGO TESTIGO-SERVER [BUILD LANG]. Needs
# tools/run-tests.sh's display and buses, gnome-keyring, xdotool and
# libfaketime (the clock step is skipped without it); skips without the rest.

import sys

if len(sys.argv) > 2 and sys.argv[1] == "--fake-network-portal":
    # The app's NetworkMonitor portal (GLib's "portal" monitor, version 2
    # of the interface): available, metered, full connectivity; and the
    # ProxyResolver portal GLib then uses too: no proxy.
    from gi.repository import Gio, GLib
    XML = """<node><interface name="org.freedesktop.portal.NetworkMonitor">
      <method name="GetAvailable"><arg type="b" direction="out"/></method>
      <method name="GetMetered"><arg type="b" direction="out"/></method>
      <method name="GetConnectivity"><arg type="u" direction="out"/></method>
      <method name="GetStatus"><arg type="a{sv}" direction="out"/></method>
      <method name="CanReach"><arg type="s" direction="in"/><arg type="u" direction="in"/>
        <arg type="b" direction="out"/></method>
      <signal name="changed"/>
      <property name="version" type="u" access="read"/>
    </interface><interface name="org.freedesktop.portal.ProxyResolver">
      <method name="Lookup"><arg type="s" direction="in"/><arg type="as" direction="out"/></method>
      <property name="version" type="u" access="read"/>
    </interface></node>"""

    def call(conn, sender, path, iface, method, params, invocation):
        status = {"available": GLib.Variant("b", True), "metered": GLib.Variant("b", True),
                  "connectivity": GLib.Variant("u", 4)}
        if method == "Lookup":
            invocation.return_value(GLib.Variant("(as)", (["direct://"],)))
        elif method == "GetStatus":
            invocation.return_value(GLib.Variant("(a{sv})", (status,)))
        elif method == "GetConnectivity":
            invocation.return_value(GLib.Variant("(u)", (4,)))
        else:
            invocation.return_value(GLib.Variant("(b)", (True,)))

    bus = Gio.DBusConnection.new_for_address_sync(
        sys.argv[2], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    node = Gio.DBusNodeInfo.new_for_xml(XML)
    for interface in node.interfaces:
        bus.register_object("/org/freedesktop/portal/desktop", interface, call,
                            lambda *args: GLib.Variant("u", 2 if args[3].endswith("Monitor") else 1), None)
    Gio.bus_own_name_on_connection(bus, "org.freedesktop.portal.Desktop", 0, None, None)
    loop = GLib.MainLoop()
    GLib.io_add_watch(0, GLib.IO_IN | GLib.IO_HUP, lambda *args: loop.quit())  # ends with stdin
    print("ready", flush=True)
    loop.run()
    sys.exit(0)

import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# The buses, the app and the steps test-sync-ui.py has already.
_spec = importlib.util.spec_from_file_location("sync_ui", os.path.join(HERE, "test-sync-ui.py"))
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)
sys.path.insert(0, os.path.join(HERE, "..", "sync"))
import synclib  # noqa: E402
from tap_atspi import (  # noqa: E402
    button, find, label_texts, run, showing, skip_all, tap, toast_offer, type_into, wait_for, walk)

T, M, GTK = ui.T, ui.M, ui.GTK
if ui.BUILD is not None:
    import gettext
    NT = gettext.translation("testigo", os.path.join(ui.BUILD, "po"), languages=[ui.LANG], fallback=True).ngettext
else:
    def NT(singular, plural, n):
        return singular if n == 1 else plural
pyatspi = ui.pyatspi
hostile = ui.hostile
for tool in ("xdotool", "xwininfo", "convert"):
    if shutil.which(tool) is None:
        skip_all("%s is not installed" % tool)

TITLE = "Roadblock on the Huanta road"
PHOTO_TITLE = "Burnt house in Pucayacu"
METERED_TITLE = "Meeting at the Luricocha school"


def U(msgid):
    """A label with a mnemonic anywhere ("Send _Originals Now") as shown."""
    return T(msgid).replace("_", "")


# The link: a proxy on a fixed port in front of whatever server runs -------

class Link:
    def __init__(self, server):
        self.proxy = synclib.Proxy(server.port, 1, 1800)
        self.port = self.proxy.port

    def stop(self):
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None

    def start(self, server, *extra):
        self.stop()
        self.proxy = synclib.Proxy(server.port, 1, 1800, "--listen", "127.0.0.1:%d" % self.port, *extra)


FAKETIME_LIB = next((p for p in ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                                  "/usr/lib/faketime/libfaketime.so.1") if os.path.exists(p)), None)


def restart_server(server, new_certificate=False, clock=None):
    """Stops @server and starts it again on its data (a new port); with
    @new_certificate its certificate is made anew; with @clock ("-20m")
    it runs under faketime with its clock moved by that much."""
    server.process.terminate()
    server.process.wait(timeout=20)
    server.port = server.fingerprint = None  # read again from what it prints
    if new_certificate:
        shutil.rmtree(os.path.join(server.dir, "data", "tls"), ignore_errors=True)
    binary = server.binary
    if clock is not None:
        wrapper = os.path.join(server.dir, "server-at-%s.sh" % clock)
        with open(wrapper, "w") as f:
            # libfaketime preloaded into the server itself (the faketime
            # program forks it: stopping that would leave the server).
            f.write('#!/bin/sh\nFAKETIME="%s" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="%s" exec "%s" "$@"\n'
                    % (clock, FAKETIME_LIB, server.binary))
        os.chmod(wrapper, 0o755)
        server.binary = wrapper
    try:
        server.start()
    finally:
        server.binary = binary


def server_has_blob(server, sha256):
    """The server holds the file whole: a file named by its SHA-256 (in a
    folder named by its first two digits) whose bytes hash to that name."""
    for dirpath, _, names in os.walk(os.path.join(server.dir, "data")):
        if sha256 in names and os.path.basename(dirpath) == sha256[:2]:
            with open(os.path.join(dirpath, sha256), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() == sha256:
                    return True
    return False


# The app's window and keys ----------------------------------------------------

def main_window_id():
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True).stdout
    for line in tree.splitlines():
        parts = line.split('"')
        if len(parts) > 2 and parts[1] == "Testigo":
            return line.split()[0]
    return None


def popover_open(app):
    """The popover's X window is mapped."""
    return ui.popover_window() is not None


def set_popover(app, wanted):
    """Opens or closes the indicator's popover with real clicks on the
    indicator (one opened over AT-SPI is not drawn, and its a11y.open
    action does not close it again: the keys would then go to it); TRUE
    once its window is as wanted."""
    for _ in range(3):
        if popover_open(app) == wanted:
            return True
        box = ui.indicator(app).queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        subprocess.run(["xdotool", "mousemove", str(box.x + box.width // 2), str(box.y + box.height // 2),
                        "click", "1", "mousemove", "1000", "700"], check=False, timeout=10)
        if wait_for(lambda: popover_open(app) == wanted, 5):
            return True
    return popover_open(app) == wanted


def ctrl_r(app):
    """Ctrl+R as the keyboard sends it, to the main window (given the
    input focus first: Xvfb has no window manager to give it), the
    popover closed (it would take the keys)."""
    set_popover(app, False)
    wid = main_window_id()
    if wid is not None:
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=False, timeout=10)
    subprocess.run(["xdotool", "key", "ctrl+r"], check=False, timeout=10)


def row(app, title):
    return find(app.frame, contains=title, role="list item", timeout=10)


def row_description(app, title):
    node = row(app, title)
    return ui.description(node) if node is not None else None


def wait_row(app, title, wanted, timeout=60):
    seen = []

    def there():
        seen[:] = [row_description(app, title)]
        return seen[0] == wanted
    ok = wait_for(there, timeout)
    if not ok:
        # Every row of the list as a screen reader reads it, for the log.
        for node in walk(app.frame):
            if node.getRoleName() == "list item" and showing(node):
                print("# list item %r: %r" % (node.name, ui.description(node)))
    return ok, seen[0] if seen else None


def popover_texts(app):
    """Opens the indicator's popover, reads its labels, closes it."""
    set_popover(app, True)
    # The pending count is read on a worker thread: wait until it says
    # something other than its empty start.
    texts = []

    def counted():
        texts[:] = [t for t in label_texts(app.app) if t]
        return any(t.startswith(T("Nothing waits to be sent.")) or
                   T("Waiting to be sent: %s, %s (%s)").split(":")[0] in t for t in texts)
    wait_for(counted, 20)
    set_popover(app, False)
    return texts


def send_originals(app):
    set_popover(app, True)
    send = button(app.app, U("Send _Originals Now"), timeout=10)
    if send is None:
        return False
    ui.act(send)
    set_popover(app, False)
    return True


def new_report(app, title):
    """A new report, its title typed once the editor shows it empty (the
    Title field of the report open before must not get it)."""
    ui.act(find(app.frame, role="push button", name=T("New report"), timeout=10))

    def fresh():
        node = find(app.frame, role="text", name=T("Title"), timeout=0)
        try:
            return node is not None and node.queryText().getText(0, -1) == ""
        except Exception:
            return False
    if not wait_for(fresh, 30):
        return False
    ui.set_text(find(app.frame, role="text", name=T("Title"), timeout=5), title)
    return wait_for(lambda: find(app.frame, contains=title, role="list item", timeout=0) is not None, 90)


def make_photo(path, seed):
    """A JPEG of about 200 kB (noise does not compress)."""
    subprocess.run(["convert", "-seed", str(seed), "-size", "400x300", "xc:", "+noise", "Random",
                    "-quality", "95", path], check=True)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def add_photo(app, path):
    """Picks @path in the chooser of the editor's "Add File…" button."""
    # GTK 4.8 names it "<its label> <its child's label>": "Add File… File…".
    add = None

    def found():
        nonlocal add
        add = next((n for n in walk(app.frame) if n.getRoleName() == "push button" and showing(n) and
                    (n.name or "").startswith(T("Add File…"))), None)
        return add is not None
    wait_for(found, 10)
    if add is None:
        print("# no Add File… button: %r" % [n.name for n in walk(app.frame)
                                             if n.getRoleName() == "push button"][:60])
        return False
    ui.act(add)
    title = T("Add Files as Sources")
    chooser = None

    def opened():
        nonlocal chooser
        chooser = next((c for c in app.app if c is not None and c.name == title), None)
        return chooser is not None
    if not wait_for(opened, 20):
        return False
    wait_for(lambda: chooser.getState().contains(pyatspi.STATE_ACTIVE), 5)
    pyatspi.Registry.generateKeyboardEvent(0, path, pyatspi.KEY_STRING)
    entries = [n for n in walk(chooser) if n.getRoleName() == "text" and n.name == "GtkFileChooserEntry"]
    if entries:
        type_into(entries[0], path)
    names = ("Add", T("_Add").replace("_", ""), GTK("_Add").replace("_", ""))
    nodes = [n for n in walk(chooser) if n.getRoleName() == "push button" and showing(n) and
             (n.name or "").replace("_", "").split(" ")[0] in names]
    if not nodes:
        return False
    ui.act(nodes[-1])
    return wait_for(lambda: all(c is None or c.name != title for c in app.app), 20)


def report_with_photo(app, title, photo):
    if not new_report(app, title):
        return False
    if not add_photo(app, photo):
        return False
    # The source row shows the file's first digits once it is stored.
    return wait_for(lambda: any(os.path.basename(photo) in t or "SHA-256" in t
                                for t in label_texts(app.frame)), 90)


def sync_page(app):
    return ui.open_sync_page(app)


# The runs ---------------------------------------------------------------------

def write_settings(app, **keys):
    path = os.path.join(app.config_home, "glib-2.0", "settings")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "keyfile"), "w") as f:
        f.write("[io/github/testigo/Testigo]\n")
        for key, value in keys.items():
            f.write("%s=%s\n" % (key.replace("_", "-"), value))


LOCAL_ONLY = "Only on this laptop: not sent to the server yet"
SYNCED = "On the server, with all its files"


def run_one(work, server, link, bus, app, photo, metered_photo):
    """Run 1: not connected, connected, a row's state, offline, syncing."""
    tap(app.start(), "the app starts on a new store")
    ok, seen = ui.wait_description(app, T("Not connected to a server"), 30)
    tap(ok, "the indicator says it is not connected", seen)
    ctrl_r(app)
    not_yet = T("Nothing was sent: this laptop is not connected to a server yet. "
                "Connect it on the Sync page.")
    # The words and the button in one walk: the toast leaves after 10 s.
    offer = []
    tap(wait_for(lambda: offer.append(toast_offer(app.frame, ui.panes(), not_yet[:40], T("Open Sync Settings")))
                 or offer[-1] is not None, 60),
        "Ctrl+R before connecting says nothing was sent and why, and the toast offers the Sync page",
        repr(ui.toast_texts(app.frame)))
    tap(ui.description(ui.indicator(app)) == T("Not connected to a server"),
        "the indicator still says it is not connected", ui.description(ui.indicator(app)))

    prefs = sync_page(app)
    server.admin("user", "add", "rosa", "--role", "monitor")
    code = server.admin("enrol-code", "rosa").strip()
    ui.set_text(ui.entry(prefs, T("Server address")), "127.0.0.1:%d" % link.port)
    ui.set_text(ui.entry(prefs, T("Enrolment code")), code)
    ui.set_text(ui.entry(prefs, T("Fingerprint from your administrator")), server.fingerprint)
    ui.act(button(prefs, M("Connect")))
    connected = find(prefs, name=T("Last successful sync"), timeout=90) is not None
    tap(connected, "connected through the proxy")
    ok, seen = ui.wait_description(app, T("Up to date"), 90)
    tap(ok, "the first sync after connecting ends up to date", seen)
    ui.close_window(prefs)

    tap(new_report(app, TITLE), "a report is typed and stored")
    ok, seen = wait_row(app, TITLE, T(LOCAL_ONLY), 120)
    tap(ok, "its row reads: only on this laptop", seen)
    # Automatic sync is off: only the key can start the sync that changes
    # the row. (The toast at its end lives 10 s, less than a walk of the
    # window can take here: test-sync-ui.py reads it after Sync Now.)
    ctrl_r(app)
    ok, seen = wait_row(app, TITLE, T(SYNCED), 120)
    tap(ok, "Ctrl+R syncs: the row reads on the server, with all its files", seen)
    name = row(app, TITLE).name if row(app, TITLE) else ""
    tap(name.endswith(", " + T("On the server")), "the row's name ends with its state", name)
    tap(wait_for(lambda: TITLE in ui.server_titles(server, work), 30), "the report is on the server")

    link.stop()
    ctrl_r(app)
    ok, seen = ui.wait_description(app, T("Offline"), 120)
    tap(ok, "with the link cut, Ctrl+R leaves the indicator Offline", seen)

    # A slow link: about 3 kB/s each way and 150 ms each way, so a sync
    # of a report and a 200 kB photo lasts long enough to be seen.
    link.start(server, "--rate-kbit", "24", "--latency-ms", "150")
    tap(report_with_photo(app, PHOTO_TITLE, photo), "a report with a photo is typed and stored")
    ctrl_r(app)
    pattern = re.compile("^" + re.escape(T("Syncing: %d %%")).replace("%d", r"(\d+)").replace("%%", "%") + "$")
    node = ui.indicator(app)
    percents = []

    def syncing():
        match = pattern.match(ui.description(node))
        if match:
            percents.append(int(match.group(1)))
        return bool(percents) and percents[-1] > 0
    tap(wait_for(syncing, 120), "the indicator reads Syncing: N % while the slow sync runs",
        "seen %r" % sorted(set(percents)))
    link.proxy.configure(rate_kbit=0, latency_ms=0)
    ok, seen = ui.wait_description(app, T("Up to date"), 300)
    tap(ok, "then Up to date", seen)
    ok, seen = wait_row(app, PHOTO_TITLE, T(SYNCED), 60)
    tap(ok, "the photo's report reads on the server", seen)
    # For run 2, on a metered link: typed now, synced only then (automatic
    # sync is off; the file chooser is not the portal's there).
    tap(report_with_photo(app, METERED_TITLE, metered_photo), "a report with another photo is typed and stored")
    ok, seen = wait_row(app, METERED_TITLE, T(LOCAL_ONLY), 120)
    tap(ok, "its row reads: only on this laptop", seen)
    status = app.quit()
    tap(status == 0, "the app quits cleanly", "status %r" % status)


def run_two(work, server, link, bus, app, sha256):
    """Run 2: a metered link; Send Originals Now; the clock; the identity."""
    portal = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--fake-network-portal", bus.address],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        tap(portal.stdout.readline().strip() == "ready", "a fake network portal on the app's bus says metered")
        app.env.update(GTK_USE_PORTAL="1", GIO_USE_PORTALS="1", GIO_USE_NETWORK_MONITOR="portal")
        tap(app.start(), "the app starts again on the metered link")
        tap(row(app, METERED_TITLE) is not None, "the report typed before is listed")
        last = T("Last successful sync: %s")
        texts = popover_texts(app)
        tap(any(t.startswith(last.split("%s")[0]) for t in texts) and last % T("Never") not in texts,
            "after a restart the popover shows the last successful sync, from the history",
            repr([t for t in texts if t.startswith(last.split("%s")[0])]))
        ctrl_r(app)
        ok, seen = ui.wait_description(app, T("Waiting to send"), 120)
        tap(ok, "on a metered link the sync leaves something waiting", seen)
        waits = NT("Of these, %u original (%s) waits for a connection that is not metered.",
                   "Of these, %u originals (%s) wait for a connection that is not metered.", 1).split("%u")[0]
        texts = popover_texts(app)
        tap(any(waits in t for t in texts), "the popover says one original waits for a link that is not metered",
            repr(texts))
        tap(wait_for(lambda: METERED_TITLE in ui.server_titles(server, work), 30),
            "the report itself is on the server")
        tap(not server_has_blob(server, sha256), "the original is not on the server")
        tap(send_originals(app), "the popover has Send Originals Now")
        ok, seen = ui.wait_description(app, T("Up to date"), 120)
        tap(ok, "Send Originals Now: up to date", seen)
        tap(wait_for(lambda: server_has_blob(server, sha256), 30), "the original is on the server, byte-identical")
        texts = popover_texts(app)
        tap(T("Nothing waits to be sent.") in texts, "the popover says nothing waits", repr(texts))

        if FAKETIME_LIB is not None:
            restart_server(server, clock="-20m")
            link.start(server)
            ctrl_r(app)
            reached = wait_for(lambda: link.proxy.stats()["connections"] > 0, 60)
            ok, seen = ui.wait_description(app, T("Up to date"), 120)
            tap(reached and ok, "Ctrl+R syncs with the server's clock 20 minutes behind", seen)
            prefs = sync_page(app)
            ahead = NT("This laptop’s clock is %u minute ahead of the server’s. "
                       "Set the date and time right: reports are dated with it.",
                       "This laptop’s clock is %u minutes ahead of the server’s. "
                       "Set the date and time right: reports are dated with it.", 20)
            ahead = ahead.replace("%u", "20")
            tap(prefs is not None and ui.has_label(prefs, ahead, 20),
                "the Sync page warns that this laptop's clock is 20 minutes ahead",
                repr([t for t in label_texts(prefs) if "20" in (t or "")]) if prefs else "")
            ui.close_window(prefs)
        else:
            tap(True, "the clock warning # SKIP libfaketime is not installed")

        old = server.fingerprint
        restart_server(server, new_certificate=True)
        tap(server.fingerprint != old, "the server has another certificate", server.fingerprint)
        link.start(server)
        ctrl_r(app)
        ok, seen = ui.wait_description(app, T("Needs attention"), 120)
        tap(ok, "with another certificate Ctrl+R leads to Needs attention", seen)
        prefs = sync_page(app)
        changed = prefs is not None and ui.has_label(prefs, T("The server’s identity changed"), 20)
        body = T("The server now shows another certificate than the one pinned when this laptop "
                 "was enrolled, so Testigo does not sync with it: someone may be pretending to be "
                 "your server. Ask your administrator before doing anything else; if the server "
                 "really got a new certificate, they will give you its fingerprint to re-enrol.")
        tap(changed and ui.has_label(prefs, body, 5),
            "the Sync page says the server's identity changed and to ask the administrator")
        tap(button(prefs, M("Re-enrol…"), timeout=5) is not None, "it offers to re-enrol") if prefs else \
            tap(False, "it offers to re-enrol")
        ui.close_window(prefs)
        ok, seen = wait_row(app, METERED_TITLE, T(SYNCED), 60)
        tap(ok, "the reports are kept and still read on the server", seen)
        status = app.quit()
        tap(status == 0, "the app quits cleanly", "status %r" % status)
    finally:
        portal.stdin.close()
        try:
            portal.wait(timeout=10)
        except subprocess.TimeoutExpired:
            portal.kill()


def main():
    ui.A11Y = ui.a11y_address()
    if not ui.A11Y:
        skip_all("the accessibility bus has no address")
    work = tempfile.mkdtemp(prefix="testigo-sync-states-")
    server = hostile.Server(ui.SERVER, tls=True)
    link = None
    bus = None
    app = None
    try:
        server.start()
        tap(bool(server.fingerprint), "the server starts on loopback HTTPS", server.fingerprint or "")
        link = Link(server)
        bus = ui.PrivateBus(os.path.join(work, "bus"), keyring=True)
        app = ui.App(os.path.join(work, "app"), bus)
        write_settings(app, sync_automatic="false")
        photo = os.path.join(work, "house.jpg")
        make_photo(photo, 1)
        metered_photo = os.path.join(work, "school.jpg")
        sha256 = make_photo(metered_photo, 2)
        run_one(work, server, link, bus, app, photo, metered_photo)
        run_two(work, server, link, bus, app, sha256)
    finally:
        if app is not None:
            app.kill()
        if bus is not None:
            bus.stop()
        if link is not None:
            link.stop()
        server.stop()   # and its folder
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":  # test-sync-restart.py imports the helpers above
    run(main)
