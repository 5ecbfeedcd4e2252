# SPDX-License-Identifier: GPL-3.0-or-later
"""tap_lock — the passphrase pages over AT-SPI, for the lock and at-rest
UI tests (test-lock-ui.py, test-at-rest-ui.py)."""

from tap_atspi import find, label_texts


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
