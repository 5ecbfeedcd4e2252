# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the AT-SPI UI tests share: TAP output, the skip when there is no
# display or accessibility bus, and walking and waiting on the tree.

import os
import sys
import time

results = []


def tap(ok, name, why="", todo=None):
    """One TAP line. With todo (a known, open defect named in an issue), a
    failure is printed as "not ok … # TODO todo: why" and does not fail
    the run; the check still runs and says what it saw."""
    results.append(ok or todo is not None)
    if todo is not None and not ok:  # a passing TODO counts as a failure in meson
        print("not ok %d - %s # TODO %s%s" % (len(results), name, todo, (": " + why) if why else ""))
    else:
        print("%s %d - %s%s" % ("ok" if ok else "not ok", len(results), name,
                                (" # " + why) if why and not ok else ""))
    sys.stdout.flush()


def skip_all(reason):
    print("1..0 # SKIP %s" % reason)
    sys.exit(0)


def run(main, *args, cleanup=None, plan=True):
    """Runs a UI test's @main(*args) and ends the process: an exception
    from it is a failed check ("the test ran to its end", its traceback
    on stderr); then @cleanup(), whatever happened; then the plan, unless
    @plan is False (the test printed its own first); the exit status is 0
    only when there were results and every one passed."""
    try:
        main(*args)
    except Exception as e:
        import traceback
        traceback.print_exc()
        tap(False, "the test ran to its end", repr(e))
    finally:
        if cleanup is not None:
            cleanup()
    if plan:
        print("1..%d" % len(results))
    sys.exit(0 if results and all(results) else 1)


def end(process, *dirs):
    """A test's clean-up: kills @process when it still runs (None when no
    app was started) and removes the folders @dirs."""
    import shutil
    if process is not None and process.poll() is None:
        process.kill()
    for path in dirs:
        shutil.rmtree(path, ignore_errors=True)


def require_atspi():
    """pyatspi, once a display and the accessibility bus are known to be
    there; otherwise the whole test is skipped."""
    if not os.environ.get("DISPLAY"):
        skip_all("no X display (run through tools/run-tests.sh)")
    try:
        import pyatspi
    except ImportError:
        skip_all("python3-pyatspi is not installed")
    # libatspi gives up on a reply after 800 ms, and a loaded 2-core
    # machine makes the app answer later than that: an action that was
    # done raised "Did not receive a reply". The tests wait for the state
    # that follows anyway; a call waits for its answer 20 s at most.
    pyatspi.setTimeout(20000, 20000)
    try:
        pyatspi.Registry.getDesktop(0).childCount
    except Exception as e:  # no accessibility bus
        skip_all("no accessibility bus: %s" % e)
    return pyatspi


def walk(node):
    yield node
    try:
        children = list(node)
    except Exception:
        return
    for child in children:
        if child is not None:
            yield from walk(child)


def outside(root, skip_names, roles):
    """The showing nodes of @roles below @root, without entering any node
    named in @skip_names: the panes, whose walk over AT-SPI takes longer
    on a loaded machine than a toast stays (toasts sit beside them)."""
    out = []

    def visit(node):
        try:
            if node.name in skip_names:
                return
            if node.getRoleName() in roles and showing(node):
                out.append(node)
            for child in node:
                if child is not None:
                    visit(child)
        except Exception:
            pass
    visit(root)
    return out


def toast_offer(root, skip_names, words, label):
    """The button named @label (mnemonic underscores ignored) of a toast
    whose words hold @words, found in one walk outside the panes (a toast
    leaves by itself: finding its words and then its button in two walks
    races its timeout); None while there is no such toast."""
    seen = []
    for node in outside(root, skip_names, ("label", "alert", "notification", "push button")):
        try:  # a node that went away since the walk (the toast left) is not read
            seen.append((node, node.getRoleName(), node.name or ""))
        except Exception:
            pass
    if not any(words in name for _node, role, name in seen if role != "push button"):
        return None
    return next((node for node, role, name in seen if role == "push button" and
                 name.replace("_", "").startswith(label)), None)


def _asked(question, gone=False):
    """@question()'s answer; @gone when AT-SPI said a node it read is gone
    (a GLib.GError: a toast or a row that left during the look). Any
    other exception is the test's own and is raised."""
    try:
        return question()
    except Exception as e:
        if type(e).__name__ != "GError":
            raise
        return gone


def wait_for(pred, timeout=10.0):
    """True once @pred() is, asked every 0.2 s until @timeout passes (and
    once more then); a look that met a node going away counts as false."""
    end = time.time() + timeout
    while time.time() < end:
        if _asked(pred):
            return True
        time.sleep(0.2)
    return _asked(pred)


# Finding and driving nodes ------------------------------------------------
#
# pyatspi is imported where it is used: require_atspi() is what checks
# that it is there, and skips the test when it is not.


def showing(node):
    # GTK 4.8 marks only windows "showing"; "visible" follows the widget's
    # own visibility, which is what hides error labels and buttons here.
    import pyatspi
    try:
        return node.getState().contains(pyatspi.STATE_VISIBLE)
    except Exception:
        return False


def windows(app):
    try:
        return [w for w in app if w is not None]
    except Exception:
        return []


def poll(look, timeout=10.0):
    """What @look() gives once it is not None, asked every 0.2 s until
    @timeout passes (and once more then); None after that."""
    end = time.time() + timeout
    while True:
        found = _asked(look, None)
        if found is not None:
            return found
        if time.time() > end:
            return None
        time.sleep(0.2)


def first(top, pred):
    """The first node below @top (included; None: no node) for which
    @pred is true, or None. A node that goes away while @pred reads it
    does not count."""
    for node in walk(top) if top is not None else ():
        try:
            if pred(node):
                return node
        except Exception:
            pass
    return None


def node_where(top, pred, timeout=10.0):
    """The first node below @top (included) for which @pred is true,
    polled for until @timeout; None after that."""
    return poll(lambda: first(top, pred), timeout)


def find(root, role=None, name=None, contains=None, visible=True, timeout=10.0):
    """The first node below root (root included) with that role, exact
    name, name containing contains and, with visible, visible; polled
    until timeout, then None."""
    end = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                if role is not None and node.getRoleName() != role:
                    continue
                if name is not None and node.name != name:
                    continue
                if contains is not None and contains not in (node.name or ""):
                    continue
                if visible and not showing(node):
                    continue
                return node
            except Exception:
                continue
        if time.time() > end:
            return None
        time.sleep(0.2)


def find_app(process, timeout=20.0):
    """The testigo started as process, once it shows a window (a frame)."""
    import pyatspi
    end = time.time() + timeout
    while time.time() < end:
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is not None and app.name == "testigo" and app.get_process_id() == process.pid:
                    if find(app, role="frame", timeout=0.5):
                        return app
            except Exception:
                pass
        time.sleep(0.2)
    return None


def button(root, label, timeout=10.0):
    # GTK 4.8 names a labelled button "<label> <label of its child>" (the
    # child's label may be shorter, as on the source buttons: "Add Link Link").
    end = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                if node.getRoleName() != "push button" or not showing(node):
                    continue
                plain = (node.name or "").replace("_", "")
                rest = plain[len(label) + 1:] if plain.startswith(label + " ") else None
                if plain == label or (rest and rest in label):
                    return node
            except Exception:
                continue
        if time.time() > end:
            return None
        time.sleep(0.2)


def do(node, action=0):
    node.queryAction().doAction(action)


def act(node, name=None):
    """The node's action called name (its first if none is so called)."""
    action = node.queryAction()
    if name is not None:
        for i in range(action.nActions):
            if action.getName(i) == name:
                action.doAction(i)
                return
    action.doAction(0)


def click(node):
    """The node's first action (no pointer involved)."""
    do(node)


def hover(node):
    """Moves the pointer onto the middle of @node with xdotool (Xvfb has
    no window manager: a window's origin is the screen's), as a person
    resting the mouse on it; a toast does not leave while it is hovered.
    FALSE when it could not be done."""
    import pyatspi
    import subprocess
    try:
        box = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return subprocess.run(["xdotool", "mousemove", str(box.x + box.width // 2),
                               str(box.y + box.height // 2)], check=False, timeout=10).returncode == 0
    except Exception:
        return False


def press(keysym, times=1):
    """The key @keysym pressed and released @times times, 50 ms apart."""
    import pyatspi
    for _i in range(times):
        pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
        time.sleep(0.05)


def combo_label(combo):
    """The label a drop-down shows: the first label of its list."""
    lists = [n for n in walk(combo) if n.getRoleName() == "list"]
    labels = [n.name for n in walk(lists[0]) if n.getRoleName() == "label"] if lists else []
    return labels[0] if labels else None


def choose(combo, index, label, label_of=combo_label, opener=None):
    """Item @index of a drop-down as a keyboard user picks it: opened (a
    click, or @opener(combo)), Up to the first item, Down @index times,
    Return; tried three times. True once @label_of(combo) reads @label."""
    import pyatspi
    up, down, enter = 0xff52, 0xff54, 0xff0d
    for _attempt in range(3):
        (opener or click)(combo)

        def popup_focused():
            return any(n.getRoleName() == "list item" and n.getState().contains(pyatspi.STATE_FOCUSED)
                       for n in walk(combo))
        if wait_for(popup_focused, 5):
            press(up, 12)
            press(down, index)
            press(enter)
        if wait_for(lambda: label_of(combo) == label, 3):
            return True
    return False


def type_into(node, text):
    node.queryEditableText().setTextContents(text)


def text_of(node):
    """A text node's whole text, or None when it has none."""
    try:
        t = node.queryText()
        return t.getText(0, t.characterCount)  # GTK 4.8 gives nothing for (0, -1)
    except Exception:
        return None


def label_texts(root):
    out = []
    for node in walk(root):
        try:
            if node.getRoleName() == "label" and showing(node):
                out.append(node.name)
        except Exception:
            pass
    return out


def accessible_texts(app):
    """Every text the app gives the accessibility bus: each node's name,
    description and text, the windows' titles (what a taskbar shows)."""
    out = []
    for window in windows(app):
        for node in walk(window):
            for value in (getattr(node, "name", None), getattr(node, "description", None), text_of(node)):
                if value:
                    out.append(value)
    return out


def close_buttons(window):
    """The Close buttons under @window, the ones with a size first.

    A window has a Close button in every header bar, also in the stack
    pages not shown (the main window's "Opening…" page and workspace, the
    preferences' subpages), and GTK 4.8 reports those as showing too. A
    page never shown has no size, so the buttons that have one come
    first."""
    closes = []
    for node in walk(window):
        try:
            if node.getRoleName() == "push button" and node.name in ("Close", "Cerrar") \
                    and showing(node):
                ext = node.queryComponent().getExtents(1)  # window coordinates
                closes.append((ext.width <= 0 or ext.height <= 0, len(closes), node))
        except Exception:
            pass
    return [node for _, _, node in sorted(closes, key=lambda c: c[:2])]


def window_gone(window):
    """True once @window is destroyed or hidden."""
    import pyatspi
    try:
        state = window.getState()
        return state.contains(pyatspi.STATE_DEFUNCT) or not state.contains(pyatspi.STATE_SHOWING)
    except Exception:
        return True


def close_window(window, timeout=5.0):
    """Closes @window (not the main one: see quit_app) with its Close
    button, each candidate until the window is gone or @timeout passes.
    True once it is gone: a window left open (a modal one takes every
    key the main window should get) is the caller's to report."""
    for close in close_buttons(window):
        try:
            click(close)
        except Exception:
            continue
        if wait_for(lambda: window_gone(window), timeout):
            return True
    return window_gone(window)


def quit_app(process, app):
    """Closes the main window with its Close button and waits (15 s at
    most) for the process to end; kills it after that. Its exit status,
    or None when it had to be killed. The Close buttons are tried as
    close_buttons() orders them, each until the process ends or 5 s
    pass."""
    import subprocess
    frame = find(app, role="frame", name="Testigo")
    for close in close_buttons(frame) if frame is not None else []:
        try:
            click(close)
            return process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
        except Exception:
            continue
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return None


class AppRun:
    """The app under test, started and stopped as often as a test needs:
    @argv run with @env; its output (GLib's debug lines go to stdout)
    appended to the file @log, or dropped; @close, the main window's
    Close button's name in the language of the run."""

    def __init__(self, argv, env, log=None, close="Close"):
        self.argv = argv
        self.env = env
        self.log = log
        self.close = close
        self.process = None
        self.app = None

    def start(self, timeout=60):
        """True once the app shows a window to AT-SPI (self.app)."""
        import subprocess
        if self.log is None:
            self.process = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL)
        else:
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=log)
        self.app = find_app(self.process, timeout=timeout)
        return self.app is not None

    def frames(self):
        return [w for w in windows(self.app) if w.name == "Testigo"]

    def log_text(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def quit(self, among=None):
        """Presses the first Close button of the windows @among (the main
        windows when None); the exit status, or None when the app was
        still there 30 s later and was killed."""
        import subprocess
        for frame in self.frames() if among is None else among:
            close = find(frame, role="push button", name=self.close, timeout=5)
            if close is not None:
                act(close)
                break
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# Waiting for a state instead of for time -----------------------------------


def window_named(app, name, timeout=10.0):
    """The app's window called name, polled for until timeout; or None."""
    found = []

    def there():
        found[:] = [w for w in windows(app) if w.name == name]
        return bool(found)
    return found[0] if wait_for(there, timeout) else None


def wait_active(window, timeout=5.0):
    """Waits until window is the active one, where typed keys go (a file
    chooser just opened is not yet, above all on a loaded machine)."""
    import pyatspi

    def active():
        try:
            return window.getState().contains(pyatspi.STATE_ACTIVE)
        except Exception:
            return False
    if wait_for(active, timeout):
        return True
    print("# window %r did not become active in %.0f s" % (window.name, timeout))
    return False


def extents(node):
    import pyatspi
    e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return e.x, e.y, e.width, e.height


def wait_settled(node, timeout=3.0):
    """Waits until node stays where it is across two looks 0.1 s apart (a
    list still filling, a revealer sliding in), before a click at its
    place."""
    def settled():
        try:
            now = extents(node)
            time.sleep(0.1)
            return extents(node) == now
        except Exception:
            return False
    return wait_for(settled, timeout)


def choose_file(app, path):
    """Picks @path in the file chooser the "Add File…" button opens: types
    it (typing a "/" opens the chooser's location entry), then presses
    Add. True once the chooser has closed."""
    click(button(app, "Add File…"))
    chooser = window_named(app, "Add Files as Sources")
    if chooser is None:
        return False
    wait_active(chooser)
    import pyatspi
    pyatspi.Registry.generateKeyboardEvent(0, path, pyatspi.KEY_STRING)
    entry = find(chooser, role="text", name="GtkFileChooserEntry", timeout=5)
    if entry is not None:
        type_into(entry, path)
    add = button(chooser, "Add", timeout=5)
    if add is None:
        return False
    click(add)
    return wait_for(lambda: all(c is None or c.name != "Add Files as Sources" for c in app), timeout=10)
