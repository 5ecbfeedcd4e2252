#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sync from the app, over AT-SPI, against the real testigo-server on
# loopback HTTPS (its own certificate, whose fingerprint it prints):
#
#   With a keyring (gnome-keyring-daemon, unlocked, on a private session
#   bus): the first-run offer opens the Sync page; a wrong fingerprint is
#   refused in plain words and nothing is enrolled; the right one (typed
#   in lower case with spaces) enrols, the token is in the keyring and in
#   no file; a report typed, "Sync Now" from the indicator's popover, the
#   indicator's accessible description reaches "Up to date", a toast says
#   the sync is done, the report is on the server (its admin export); the
#   history shows the entry. Both switches changed, the app restarted:
#   the settings kept, the token read back from the keyring, the account
#   shown. The device revoked on the server: the next sync says "This
#   laptop was disconnected by your organisation"; Re-enrol with a new
#   code works; Disconnect (confirmed) forgets the token and keeps the
#   report.
#
#   Without a keyring (a private bus with no Secret Service): the page
#   says so, "Keep Until Testigo Quits" connects and syncs; after a
#   restart the token is gone and the page says so.
#
# Each app runs on a private D-Bus session bus of its own (so what answers
# org.freedesktop.secrets is the test's choice), with the accessibility
# bus of the test's session (AT_SPI_BUS_ADDRESS). Waits are for states
# (polled with a bound), never for a fixed time.
#
# Usage: test-sync-ui.py TESTIGO TESTIGO-SERVER. Needs tools/run-tests.sh's
# display and buses, gnome-keyring and secret-tool; skips without them.

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))

import tap_atspi  # noqa: E402
from tap_atspi import (  # noqa: E402
    AppRun, act, button, find, label_texts, outside, require_atspi, run, skip_all, tap,
    wait_for, walk, window_named)

TESTIGO = sys.argv[1]
SERVER = sys.argv[2]
BUILD = sys.argv[3] if len(sys.argv) > 3 else None
LANG = sys.argv[4] if len(sys.argv) > 4 else "en"
# With TESTIGO_SHOTS=DIR (and ADW_DEBUG_COLOR_SCHEME for dark), the Sync
# page, the indicator's popover and the history are saved as
# DIR/sync-{page,popover,history}-LANG-SCHEME.png.
SHOTS = os.environ.get("TESTIGO_SHOTS")
SCHEME = "dark" if os.environ.get("ADW_DEBUG_COLOR_SCHEME") == "prefer-dark" else "light"
if BUILD is not None:
    import gettext
    T = gettext.translation("testigo", os.path.join(BUILD, "po"), languages=[LANG], fallback=True).gettext
else:
    def T(text):
        return text


def M(text):
    """A mnemonic label's text as shown: its msgid has "_" first."""
    return T("_" + text).replace("_", "")


if BUILD is not None and LANG != "en":
    import gettext as _gettext
    GTK = _gettext.translation("gtk40", languages=[LANG], fallback=True).gettext
else:
    def GTK(text):
        return text
for tool in ("gnome-keyring-daemon", "secret-tool", "dbus-daemon", "dbus-send"):
    if shutil.which(tool) is None:
        skip_all("%s is not installed" % tool)
pyatspi = require_atspi()
import hostile  # noqa: E402

TITLE = "Checkpoint at the Maravillas bridge"
PASSWORD = "test-keyring-password"


# The buses ----------------------------------------------------------------

def a11y_address():
    out = subprocess.run(["dbus-send", "--session", "--print-reply=literal", "--dest=org.a11y.Bus",
                          "/org/a11y/bus", "org.a11y.Bus.GetAddress"],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


class PrivateBus:
    """A session bus of the test's own with no service files: nothing is
    started on demand, so a Secret Service answers only when the test
    starts one (gnome-keyring-daemon, unlocked)."""

    def __init__(self, root, keyring):
        self.root = root
        services = os.path.join(root, "services")
        os.makedirs(services, exist_ok=True)
        self.config = os.path.join(root, "bus.conf")
        with open(self.config, "w") as f:
            f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                    ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                    '<busconfig><type>session</type><listen>unix:tmpdir=%s</listen>'
                    '<servicedir>%s</servicedir><policy context="default">'
                    '<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>'
                    '<allow own="*"/></policy></busconfig>\n' % (root, services))
        self.daemon = subprocess.Popen(["dbus-daemon", "--config-file", self.config, "--print-address", "--nofork"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.daemon.stdout.readline().strip()
        self.keyring = None
        self.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address,
                        XDG_DATA_HOME=os.path.join(root, "data"))
        if keyring:
            os.makedirs(os.path.join(root, "data"), exist_ok=True)
            self.keyring = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock",
                                             "--components=secrets"],
                                            env=self.env, stdin=subprocess.PIPE,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.keyring.stdin.write(PASSWORD.encode())
            self.keyring.stdin.close()
            wait_for(self.has_secrets, 20)

    def has_secrets(self):
        out = subprocess.run(["dbus-send", "--bus=" + self.address, "--print-reply=literal",
                              "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"],
                             capture_output=True, text=True, timeout=10)
        return "true" in out.stdout

    def secret(self, server_uri, device_id):
        out = subprocess.run(["secret-tool", "lookup", "server", server_uri, "device", device_id],
                             env=self.env, capture_output=True, text=True, timeout=20)
        return out.stdout.strip()

    def stop(self):
        for p in (self.keyring, self.daemon):
            if p is not None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


# The app --------------------------------------------------------------------

class App(AppRun):
    def __init__(self, root, bus):
        self.store = os.path.join(root, "store")
        self.config_home = os.path.join(root, "config")
        os.makedirs(self.config_home, exist_ok=True)
        env = dict(bus.env, TESTIGO_DATA_DIR=self.store, XDG_CONFIG_HOME=self.config_home,
                   GSETTINGS_BACKEND="keyfile", AT_SPI_BUS_ADDRESS=A11Y, LANGUAGE=LANG)
        if BUILD is not None:
            env["TESTIGO_LOCALEDIR"] = os.path.join(BUILD, "po")
        AppRun.__init__(self, [TESTIGO], env, close=GTK("Close"))
        self.frame = None

    def start(self):
        """True once the main window is there (self.frame)."""
        started = AppRun.start(self)
        self.frame = find(self.app, role="frame", name="Testigo", timeout=30) if started else None
        return self.frame is not None

    def settings(self):
        path = os.path.join(self.config_home, "glib-2.0", "settings", "keyfile")
        try:
            with open(path) as f:
                return f.read()
        except OSError:
            return ""

    def files_hold(self, secret):
        """TRUE when any file of the store or the settings holds @secret."""
        needle = secret.encode()
        for top in (self.store, self.config_home):
            for dirpath, _, names in os.walk(top):
                for name in names:
                    try:
                        with open(os.path.join(dirpath, name), "rb") as f:
                            if needle in f.read():
                                return True
                    except OSError:
                        pass
        return False


def description(node):
    try:
        return node.description or ""
    except Exception:
        return ""


def indicator(app):
    return find(app.frame, name=T("Sync status"), timeout=10)


def wait_description(app, wanted, timeout=120):
    node = indicator(app)
    seen = []

    def there():
        seen[:] = [description(node)] if node is not None else []
        return bool(seen) and seen[0] == wanted
    ok = wait_for(there, timeout)
    if not ok and node is not None:
        # What the popover says, for the log.
        act(node, "a11y.open")
        time.sleep(0.5)
        print("# the popover says: %r" % [t for t in label_texts(app.app) if t])
        act(node, "a11y.open")
    return ok, (seen[0] if seen else None)


def has_label(root, contains, timeout=30):
    return wait_for(lambda: any(contains in (t or "") for t in label_texts(root)), timeout)


def entry(root, title):
    return find(root, role="text", name=title, timeout=10)


def switch(root, name):
    # GTK 4.8 shows a GtkSwitch over AT-SPI as a check box named by its
    # label and its row's ("Automatic sync Automatic sync").
    for role in ("switch", "toggle button", "check box"):
        node = find(root, role=role, contains=name, timeout=5)
        if node is not None:
            return node
    return None


TOAST_ROLES = ("label", "alert", "notification")  # a sync's toast has its words in an alert


def panes():
    return {T("Report editor"), T("Map"), T("Reports"), T("Report list")}


def toast_texts(frame):
    """The labels outside the three panes (the toasts): walking the editor
    over AT-SPI takes longer than a toast stays on a loaded machine."""
    return [n.name or "" for n in outside(frame, panes(), TOAST_ROLES)]


def set_text(node, text):
    node.queryEditableText().setTextContents(text)


def open_sync_page(app):
    """The Sync page, from the main menu's Preferences (Ctrl+, reaches the
    same window); the page's tab is chosen."""
    act(find(app.frame, role="push button", name=T("Main menu"), timeout=10), "a11y.open")
    item = find(app.app, role="menu item", name=T("Preferences"), timeout=10)
    if item is None:
        return None
    try:
        act(item)
    except Exception as e:  # a reply that comes late on a loaded machine
        print("# opening the preferences: %s" % e)
    prefs = window_named(app.app, T("Preferences"), timeout=60)
    if prefs is None:
        return None
    tab = None
    for node in walk(prefs):
        try:
            if node.getRoleName() in ("page tab", "toggle button", "radio button") and node.name == T("Sync"):
                tab = node
                break
        except Exception:
            pass
    if tab is not None:
        act(tab)
    return prefs


def close_window(window):
    """The window closed, waited for: a preferences window left open is
    modal and would take the keys the tests send the main window next."""
    if window is not None:
        tap_atspi.close_window(window)


def connect(prefs, server, code, fingerprint):
    set_text(entry(prefs, T("Server address")), "127.0.0.1:%d" % server.port)
    set_text(entry(prefs, T("Enrolment code")), code)
    set_text(entry(prefs, T("Fingerprint from your administrator")), fingerprint)
    act(button(prefs, M("Connect")))


def devices(server):
    return json.loads(server.admin("devices"))


def server_titles(server, root):
    path = os.path.join(root, "export-%d.geojson" % time.monotonic_ns())
    server.admin("export", "--format", "geojson", "--output", path)
    with open(path) as f:
        data = json.load(f)
    return [feature.get("properties", {}).get("title") for feature in data.get("features", [])]


def new_report(app, title):
    act(find(app.frame, role="push button", name=T("New report"), timeout=10))
    node = find(app.frame, role="text", name=T("Title"), timeout=20)
    set_text(node, title)
    # Saved 0.5 s after typing stops: the list shows it once it is stored.
    return wait_for(lambda: find(app.frame, contains=title, role="list item", timeout=0) is not None, 30)


def sync_from_popover(app):
    act(indicator(app), "a11y.open")
    now = button(app.app, M("Sync Now"), timeout=10)
    if now is None:
        return False
    act(now)
    return True


def shot(name, window_title=None):
    """With TESTIGO_SHOTS: the screen's top left 1100x720 (the main window
    and its popovers), or the top-level window of that title (Xvfb has no
    window manager: the preferences may be under the main window)."""
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, "%s-%s-%s.png" % (name, LANG, SCHEME))
    source, crop = "-root", "-crop 1100x720+0+0 +repage"
    if window_title is not None:
        tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True).stdout
        for line in tree.splitlines():
            parts = line.split('"')
            if len(parts) > 2 and parts[1] == window_title:
                source, crop = "-id %s" % line.split()[0], ""
    subprocess.run("xwd %s -silent | convert xwd:- %s %s" % (source, crop, path), shell=True, check=True)


def popover_window():
    """The X window id and geometry ("376x176+78+24") of the app's popover
    while it is mapped, else None. Xvfb has no window manager: the
    popover's window is found among the root's children."""
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True).stdout
    for line in tree.splitlines():
        parts = line.split('"')
        if len(parts) > 2 and parts[1] == "testigo" and " 1x1+" not in line:
            wid = line.split()[0]
            info = subprocess.run(["xwininfo", "-id", wid], capture_output=True, text=True).stdout
            if "IsViewable" in info:
                return wid, line.split()[-2]
    return None


def shoot_popover(app):
    """The popover as a person opens it: a click at the indicator's centre
    (xdotool; one popped up over AT-SPI is not drawn). Xvfb has no
    compositor: the popover's window, taken with xwd -id, has its shadow
    and the pixels outside its rounded corners black or dark. Those are
    made transparent by a flood fill from the window's corners (so only
    what is connected to the outside goes, never the popover's own dark
    background) and the window is laid, at its place, over the screen as
    it was before the popover opened."""
    node = indicator(app)
    box = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    where = ["xdotool", "mousemove", str(box.x + box.width // 2), str(box.y + box.height // 2), "click", "1"]
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, "sync-popover-%s-%s.png" % (LANG, SCHEME))
    before = path + ".before.png"
    # The screen without the popover (one opened over AT-SPI is closed
    # first), once two takes in a row are the same.
    if popover_window() is not None:
        subprocess.run(where, check=False)
        wait_for(lambda: popover_window() is None, 10)
    subprocess.run(["xdotool", "mousemove", "1000", "700"], check=False)
    takes = []

    def still():
        takes.append(subprocess.run("xwd -root -silent", shell=True, capture_output=True).stdout)
        return len(takes) > 1 and takes[-1] == takes[-2]
    wait_for(still, 10)
    subprocess.run(["convert", "xwd:-", before], input=takes[-1], check=True)
    for _ in range(2):  # open over AT-SPI before, the first click closes it
        subprocess.run(where, check=False)
        if wait_for(lambda: popover_window() is not None, 10):
            break
    subprocess.run(["xdotool", "mousemove", "1000", "700"], check=False)  # no hover on the button
    # The pending count arrives from a worker thread and the popover grows
    # to hold it: the window's geometry is read once it stays the same.
    wait_for(lambda: any(t.startswith(T("Nothing waits to be sent.")) for t in label_texts(app.app) if t), 20)
    seen = []

    def steady():
        seen.append(popover_window())
        return len(seen) > 1 and seen[-1] == seen[-2] and seen[-1] is not None
    wait_for(steady, 10)
    found = popover_window()
    shot("sync-popover")
    if found is not None:
        size, offset = found[1][:found[1].index("+")], found[1][found[1].index("+"):]
        width, height = (int(n) for n in size.split("x"))
        window = path + ".window.png"
        # Up to 15 % grey in the dark style (its popover is 22 %), 60 % in
        # the light one: the shadow's soft edge goes, the popover stays.
        fuzz = 15 if SCHEME == "dark" else 60
        fills = " ".join('-draw "color %d,%d floodfill"' % (x, y)
                         for x in (0, width - 1) for y in (0, height - 1))
        subprocess.run("xwd -id %s -silent | convert xwd:- -alpha set -fuzz %d%% -fill none %s png:%s"
                       % (found[0], fuzz, fills, window), shell=True, check=False)
        # Over the screen before (not the one taken with the popover: its
        # pressed button would show half under the window's margin).
        subprocess.run("convert %s %s -geometry %s -composite -crop 1100x720+0+0 +repage %s"
                       % (before, window, offset, path), shell=True, check=False)
        os.unlink(window)
    os.unlink(before)
    subprocess.run(where, check=False)


# The runs --------------------------------------------------------------------

def run_with_keyring(work, server):
    bus = PrivateBus(os.path.join(work, "bus-keyring"), keyring=True)
    tap(bus.has_secrets(), "gnome-keyring answers on the private bus")
    app = App(os.path.join(work, "keyring"), bus)
    try:
        tap(app.start(), "the app starts on a new store")
        offer = button(app.frame, M("Connect to a Server…"), timeout=30)
        tap(offer is not None, "a new store offers to connect to the organisation's server")
        ok, seen = wait_description(app, T("Not connected to a server"), 30)
        tap(ok, "the indicator says it is not connected", seen)
        act(offer)
        prefs = window_named(app.app, T("Preferences"), timeout=20)
        tap(prefs is not None and entry(prefs, T("Server address")) is not None,
            "the offer opens the preferences on the Sync page")

        server.admin("user", "add", "ana", "--role", "monitor")
        code = server.admin("enrol-code", "ana").strip()
        connect(prefs, server, code, "AB" * 32)
        refused = has_label(prefs, T("Not connected: the server at this address shows another fingerprint than "
                                     "the one your administrator gave. The address may be mistyped, or someone "
                                     "may be pretending to be your server. Check both with your "
                                     "administrator.")[:30])
        tap(refused and has_label(prefs, T("They do not match"), 5) and has_label(prefs, server.fingerprint, 5),
            "a wrong fingerprint is refused in plain words, the one seen shown")
        tap(devices(server) == [], "nothing was enrolled with the wrong fingerprint")

        typed = server.fingerprint.replace(":", " ").lower()
        set_text(entry(prefs, T("Fingerprint from your administrator")), typed)
        act(button(prefs, M("Connect")))
        connected = has_label(prefs, T("Last successful sync"), 60) or \
            find(prefs, name=T("Last successful sync"), timeout=60) is not None
        tap(connected, "the right fingerprint (lower case, spaces) connects")
        listed = devices(server)
        tap(len(listed) == 1, "the server has one device", repr(listed))
        device = listed[0]["id"] if listed else ""
        uri = "https://127.0.0.1:%d" % server.port
        token = bus.secret(uri, device)
        tap(len(token) >= 16, "the token is in the keyring", "length %d" % len(token))
        tap(token and not app.files_hold(token), "no file of the store or settings holds the token")
        close_window(prefs)

        tap(new_report(app, TITLE), "a report is typed and stored")
        tap(sync_from_popover(app), "the indicator's popover has Sync Now")
        # The toast (5 s) first: it comes when the sync ends, with the state.
        done = T("Sync done: nothing new to send or receive").split(":")[0]
        tap(wait_for(lambda: any(done in t for t in toast_texts(app.frame)), 120), "a toast says the sync is done")
        ok, seen = wait_description(app, T("Up to date"), 60)
        tap(ok, "the indicator's accessible description reaches Up to date", seen)
        tap(wait_for(lambda: TITLE in server_titles(server, work), 30), "the report is on the server")
        if SHOTS:
            shoot_popover(app)

        prefs = open_sync_page(app)
        history = find(prefs, name=M("Sync History…"), timeout=10) if prefs else None
        if SHOTS:
            wait_for(lambda: has_label(prefs, T("Last successful sync"), 0), 10)
            shot("sync-page", T("Preferences"))
        if history is not None:
            act(history)
        dialog = window_named(app.app, T("Sync History"), timeout=20)
        row = None
        if dialog is not None:
            wait_for(lambda: any(" — " + T("Done") in (n.name or "") for n in walk(dialog)), 30)
            row = next((n for n in walk(dialog) if " — " + T("Done") in (n.name or "")), None)
            shot("sync-history", T("Sync History"))
        tap(row is not None and T("Sent: %s (%s), %s, %s").split(":")[0] + ": 1 " in description(row),
            "the history lists the sync with what it sent", description(row) if row else "no row")
        if dialog is not None:
            close_window(dialog)
        if SHOTS:  # the screenshots are taken: the rest is the test's
            app.quit()
            return

        automatic = switch(prefs, T("Automatic sync"))
        metered = switch(prefs, T("Send originals on metered connections"))
        tap(automatic is not None and metered is not None, "the two switches are there")
        if automatic is not None and metered is not None:
            was_auto = automatic.getState().contains(pyatspi.STATE_CHECKED)
            was_metered = metered.getState().contains(pyatspi.STATE_CHECKED)
            act(automatic)
            act(metered)
            wait_for(lambda: automatic.getState().contains(pyatspi.STATE_CHECKED) != was_auto
                     and metered.getState().contains(pyatspi.STATE_CHECKED) != was_metered, 10)
        status = app.quit()
        tap(status == 0, "the app quits cleanly", "status %r" % status)
        settings = app.settings()
        tap("sync-automatic=false" in settings and "sync-originals-on-metered=true" in settings,
            "both switches are kept in the settings", settings.replace("\n", " | "))

        tap(app.start(), "the app starts again")
        ok, seen = wait_description(app, T("Up to date"), 60)
        if not ok:  # automatic is off now: a sync by hand gives the state
            ok, seen = wait_description(app, T("Offline"), 1)
        tap(description(indicator(app)) not in (T("Not connected to a server"),
                                                T("Needs attention: enrol this laptop again")),
            "after a restart the token is read back from the keyring", description(indicator(app)))
        prefs = open_sync_page(app)
        tap(prefs is not None and has_label(prefs, uri, 10),
            "the Sync page shows the account's server")
        automatic = switch(prefs, T("Automatic sync"))
        metered = switch(prefs, T("Send originals on metered connections"))
        tap(automatic is not None and not automatic.getState().contains(pyatspi.STATE_CHECKED) and
            metered.getState().contains(pyatspi.STATE_CHECKED), "the switches show the kept values")
        close_window(prefs)

        server.admin("revoke", device)
        tap(sync_from_popover(app), "Sync Now after the device was revoked")
        ok, seen = wait_description(app, T("Needs attention"), 60)
        tap(ok, "the indicator needs attention", seen)
        prefs = open_sync_page(app)
        tap(prefs is not None and has_label(prefs, T("This laptop was disconnected by your organisation"), 20),
            "the Sync page says the organisation disconnected this laptop")
        reenrol = button(prefs, M("Re-enrol…"), timeout=10)
        tap(reenrol is not None, "a Re-enrol button is offered")
        if reenrol is not None:
            act(reenrol)
            set_text(entry(prefs, T("Enrolment code")), server.admin("enrol-code", "ana").strip())
            act(button(prefs, M("Connect")))
            tap(wait_for(lambda: len([d for d in devices(server) if not d["revoked"]]) == 1, 60),
                "re-enrolled with a new code")
            ok, seen = wait_description(app, T("Up to date"), 120)
            tap(ok, "synced again after re-enrolling", seen)

        listed = [d for d in devices(server) if not d["revoked"]]
        device = listed[0]["id"] if listed else ""
        disconnect = button(prefs, M("Disconnect…"), timeout=10)
        tap(disconnect is not None, "Disconnect is offered")
        if disconnect is not None:
            act(disconnect)
            confirm = button(app.app, M("Disconnect"), timeout=10)
            print("# the confirmation's button: %r" % (confirm.name if confirm else None))
            if confirm is not None:
                act(confirm)
            tap(entry(prefs, T("Server address")) is not None and
                wait_for(lambda: bus.secret(uri, device) == "", 20),
                "disconnected: the form is back and the keyring forgot the token")
            ok, seen = wait_description(app, T("Not connected to a server"), 20)
            tap(ok, "the indicator says it is not connected", seen)
            tap(find(app.frame, contains=TITLE, role="list item", timeout=10) is not None,
                "the report is still on this laptop")
        app.quit()
    finally:
        app.kill()
        bus.stop()


def run_without_keyring(work, server):
    bus = PrivateBus(os.path.join(work, "bus-none"), keyring=False)
    tap(not bus.has_secrets(), "no Secret Service on the second private bus")
    app = App(os.path.join(work, "nokeyring"), bus)
    try:
        tap(app.start(), "the app starts without a keyring")
        prefs = open_sync_page(app)
        code = server.admin("enrol-code", "ana").strip()
        connect(prefs, server, code, server.fingerprint)
        tap(has_label(prefs, T("No keyring answered (%s).").split(" (")[0], 60), "the page says no keyring answered")
        keep = button(prefs, M("Keep Until Testigo Quits"), timeout=10)
        tap(keep is not None, "it offers to keep the token until Testigo quits")
        if keep is not None:
            act(keep)
        tap(find(prefs, name=T("Token kept until Testigo quits"), timeout=20) is not None,
            "the page says the token is kept in memory only")
        close_window(prefs)
        tap(new_report(app, TITLE + " (memory)"), "a report is typed and stored")
        ok, seen = wait_description(app, T("Up to date"), 120)
        if not ok:
            sync_from_popover(app)
            ok, seen = wait_description(app, T("Up to date"), 120)
        tap(ok, "synced with the token in memory", seen)
        tap(wait_for(lambda: TITLE + " (memory)" in server_titles(server, work), 30),
            "the report is on the server")
        app.quit()
        tap(app.start(), "the app starts again without a keyring")
        ok, seen = wait_description(app, T("Needs attention: enrol this laptop again"), 60)
        tap(ok, "after a restart the token is gone and the indicator says so", seen)
        prefs = open_sync_page(app)
        tap(prefs is not None and has_label(prefs, T("This laptop’s token is missing"), 20),
            "the Sync page says the token is missing")
        app.quit()
    finally:
        app.kill()
        bus.stop()


def main():
    global A11Y
    A11Y = a11y_address()
    if not A11Y:
        skip_all("the accessibility bus has no address")
    work = tempfile.mkdtemp(prefix="testigo-sync-ui-")
    server = hostile.Server(SERVER, tls=True)
    try:
        server.start()
        tap(bool(server.fingerprint), "the server starts on loopback HTTPS", server.fingerprint or "")
        run_with_keyring(work, server)
        if not SHOTS:
            run_without_keyring(work, server)
    finally:
        server.stop()   # and its folder
        shutil.rmtree(work, ignore_errors=True)


A11Y = ""
if __name__ == "__main__":  # test-sync-states.py imports the helpers above
    run(main)
