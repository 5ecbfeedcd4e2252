# SPDX-License-Identifier: GPL-3.0-or-later
"""tap_lock — the passphrase pages over AT-SPI, for the lock and at-rest
UI tests (test-lock-ui.py, test-lock-memory-ui.py, test-at-rest-ui.py,
test-at-rest-ui-erase.py)."""

from tap_atspi import act, button, find, label_texts, wait_for

CTRL, SHIFT, L_KEY = 37, 50, 46          # X keycodes: Control_L, Shift_L, l


def field(root, title, timeout=10):
    """A passphrase field (an AdwPasswordEntryRow's text) by its title."""
    for role in ("password text", "text"):
        node = find(root, role=role, name=title, timeout=timeout if role == "text" else 1)
        if node is not None:
            return node
    return None


def set_text(node, text):
    node.queryEditableText().setTextContents(text)


def sensitive(node):
    import pyatspi
    try:
        return node.getState().contains(pyatspi.STATE_SENSITIVE)
    except Exception:
        return False


def labels_with(app, text):
    return [t for t in label_texts(app) if t and text in t]


def press_lock_shortcut():
    """Ctrl+Shift+L, pressed as a person does: the keys down in turn."""
    import pyatspi
    pyatspi.Registry.generateKeyboardEvent(CTRL, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(SHIFT, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(L_KEY, None, pyatspi.KEY_PRESSRELEASE)
    pyatspi.Registry.generateKeyboardEvent(SHIFT, None, pyatspi.KEY_RELEASE)
    pyatspi.Registry.generateKeyboardEvent(CTRL, None, pyatspi.KEY_RELEASE)


class Pages:
    """The first-run and unlock pages and the reports behind them, in the
    language of @T (a message's msgid to the text shown). A mnemonic
    label's msgid has "_" in it; the text shown has none. Each wait polls
    for the state and gives up after its timeout: the defaults are for a
    loaded machine, a check that something is not there passes its own."""

    def __init__(self, T=None):
        self.T = T if T is not None else (lambda text: text)

    def M(self, text):
        return self.T(text).replace("_", "")

    def _press(self, app, label, timeout):
        """Presses the button @label (a mnemonic msgid) once it can be
        pressed, within @timeout; False if it never could."""
        found = button(app, self.M(label), timeout=10)
        if found is None or not wait_for(lambda: sensitive(found), timeout):
            return False
        act(found)
        return True

    def first_run_shown(self, app, timeout=60):
        return find(app, role="label", name=self.T("Protect Your Reports"), timeout=timeout) is not None

    def locked_shown(self, app, timeout=60):
        return find(app, role="label", name=self.T("Testigo Is Locked"), timeout=timeout) is not None

    def main_shown(self, app, timeout=90):
        return find(app, role="push button", name=self.T("New report"), timeout=timeout) is not None

    def report_listed(self, app, title, timeout=30):
        return find(app, contains=title, role="list item", timeout=timeout) is not None

    def first_run(self, app, passphrase):
        """Types @passphrase twice on the first-run page and presses
        Encrypt and Start once it can be pressed; False when a part of
        the page is missing."""
        entry = field(app, self.T("Passphrase"))
        confirm = field(app, self.T("Confirm Passphrase"))
        if entry is None or confirm is None:
            return False
        set_text(entry, passphrase)
        set_text(confirm, passphrase)
        return self._press(app, "_Encrypt and Start", 10)

    def unlock(self, app, passphrase):
        """Types @passphrase on the unlock page and presses Unlock once
        it can be pressed (after a wrong one, only when the wait is
        over); False when a part of the page is missing."""
        entry = field(app, self.T("Passphrase"))
        if entry is None:
            return False
        set_text(entry, passphrase)
        return self._press(app, "_Unlock", 30)

    def new_report(self, app, title):
        """A new report titled @title; True once the list shows it."""
        act(find(app, role="push button", name=self.T("New report"), timeout=20))
        title_field = find(app, role="text", name=self.T("Title"), timeout=20)
        if title_field is None:
            return False
        set_text(title_field, title)
        return self.report_listed(app, title)
