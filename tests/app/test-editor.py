#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every control of the report editor, of a person row and of the source
# rows, driven over AT-SPI in the real window to a value other than its
# default; then the app is quit and started again, and the stored report
# is checked field by field twice: in the SQLite store (the revision the
# `reports` row points to, read with tests/app/tap_store.py) and in the reopened
# editor. The location is set four ways (typed, a place from the
# gazetteer, picked on the map, a photo's GPS position), each of which
# reloads the editor: ticked boxes must stay ticked through every reload.
#
# Also: a report made with "New report" and left untouched — by opening
# another new report, or by quitting — is not in the store after a
# restart; one with a single field set is.
#
#   test-editor.py TESTIGO BUILDDIR LANG      (LANG: en or es)
#
# Widgets are found by their accessible names, translated with the
# build's own catalogue (BUILDDIR/po), so the same steps run in English and
# in Spanish. The app finds that catalogue through TESTIGO_LOCALEDIR.
# Needs an X server, a D-Bus session and the accessibility bus
# (tools/run-tests.sh); without them the test is skipped.

import datetime
import gettext
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import tap_atspi  # noqa: E402
from tap_atspi import combo_label, do, require_atspi, results, showing, tap as _tap, type_into, wait_for, walk
import tap_store  # noqa: E402  (the store, plain or encrypted)

STARTED = time.time()


def tap(ok, name, why="", todo=None):
    _tap(ok, name, why, todo)
    if os.environ.get("TESTIGO_TEST_TIMES"):
        print("# %.1f s" % (time.time() - STARTED))

TESTIGO = sys.argv[1] if len(sys.argv) > 1 else "testigo"
BUILDDIR = sys.argv[2] if len(sys.argv) > 2 else "build"
LANG = sys.argv[3] if len(sys.argv) > 3 else "en"
SRCDIR = os.environ.get("TESTIGO_SRCDIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

pyatspi = require_atspi()

LOCALES = {"en": "en_US.UTF-8", "es": "es_PE.UTF-8"}
if LANG == "en":
    _ = lambda s: s  # noqa: E731
else:
    _ = gettext.translation("testigo", localedir=os.path.join(BUILDDIR, "po"),
                            languages=[LANG]).gettext


def vocabulary(kind, code):
    with open(os.path.join(SRCDIR, "data", "vocabularies", kind + ".json"), encoding="utf-8") as f:
        for entry in json.load(f):
            if entry["code"] == code:
                return entry[LANG]
    raise KeyError(code)


# What the test sets, and what the store must then hold ---------------------

TITLE = "Editor check %d" % os.getpid()
NARRATIVE = "Shots from the bridge at dusk.\nSecond line: the market closed."
PLACE = "Puente Maravillas"
REGION = "PE-PUN"
PROVINCE = "PE-PUN-SRO"
UNIT = "DINOES, 2nd company"
CATEGORIES = ["killing", "injury"]
PERPETRATORS = ["police", "army"]
PERSON = "Rosa Quispe"
ETHNICITY = "Aymara"
COMMUNITY = "Chucuito women's federation"
PERSON_NOTES = "Shot in the leg, treated at the Carlos Monge hospital."
HARMS = ["gas_exposure", "beaten"]           # in the vocabulary's order
WEAPONS = ["tear_gas", "rubber_bullets"]
LINK_TITLE = "Video of the bridge"
URL = "https://video.example.org/puente-%d" % os.getpid()
TESTIMONY_TITLE = "Market vendor"
TESTIMONY = "Vi a los policías disparar desde el puente."
PHOTO_TITLE = "Bridge, from the north bank"
PHOTO_LAT, PHOTO_LON = -15.4997, -70.1333   # the photo's EXIF GPS position

failures = []


def check(what, got, want):
    if got != want:
        failures.append("%s: %r, expected %r" % (what, got, want))


# The app ----------------------------------------------------------------------

data_dir = tempfile.mkdtemp(prefix="testigo-editor-")
work_dir = tempfile.mkdtemp(prefix="testigo-editor-files-")
locpath = tempfile.mkdtemp(prefix="testigo-editor-locales-")


def locale_env():
    """LC_ALL for the language; compiled into a temporary folder when the
    system lacks the locale (the C locale would make gettext ignore the
    language)."""
    name = LOCALES[LANG]
    have = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    if name.replace("UTF-8", "utf8") in have or name in have:
        return {"LC_ALL": name}
    made = subprocess.run(["localedef", "-i", name.split(".")[0], "-f", "UTF-8",
                           os.path.join(locpath, name)], capture_output=True)
    if made.returncode in (0, 1) and os.path.isdir(os.path.join(locpath, name)):
        return {"LC_ALL": name, "LOCPATH": locpath}
    return {"LC_ALL": "C.UTF-8"}


env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
           TESTIGO_LOCALEDIR=os.path.join(BUILDDIR, "po"), LANGUAGE=LANG, LANG=LOCALES[LANG])
env.update(locale_env())


def checked(node):
    return node.getState().contains(pyatspi.STATE_CHECKED)


def plain(name):
    return (name or "").replace("_", "")


def name_matches(role, name, label):
    # GTK 4.8 names a control with a label child "<its label> <child's
    # label>" (check boxes: "Injury Injury"), so the name may carry more;
    # a check box only its own label twice ("Tear gas" is not "Tear gas
    # canister").
    if name == label or name == label + " " + label:
        return True
    return role != "check box" and name.startswith(label + " ")


def named(node, label):
    return name_matches(node.getRoleName(), plain(node.name), label)


# Roles whose children are never looked for: not walking into them makes
# a search several times faster (each child is a D-Bus call).
LEAVES = {"label", "image", "check box", "spin button", "entry", "scroll bar",
          "separator", "progress bar", "icon"}


def find_all(root, role, label=None, first=False):
    out = []
    todo = [root]
    while todo:
        node = todo.pop()
        try:
            r = node.getRoleName()
            if (role is None or r == role) and (label is None or named(node, label)) and showing(node):
                out.append(node)
                if first:
                    break
            if r in LEAVES:
                continue
            todo.extend(reversed([c for c in node if c is not None]))
        except Exception:
            continue
    return out


class Snapshot:
    """The visible nodes under @root, walked once: many look-ups without a
    D-Bus round trip per node each time (for reading, not for nodes that
    come and go)."""

    def __init__(self, root):
        self.nodes = [(n.getRoleName(), plain(n.name), n) for n in find_all(root, None)]

    def find_all(self, role, label=None):
        return [n for r, name, n in self.nodes
                if r == role and (label is None or name_matches(r, name, label))]

    def find(self, role, label=None):
        found = self.find_all(role, label)
        if not found:
            raise LookupError("no %s named %r" % (role, label))
        return found[0]


def find(root, role, label=None, timeout=10.0):
    end = time.time() + timeout
    while True:
        nodes = find_all(root, role, label, first=True)
        if nodes:
            return nodes[0]
        if time.time() > end:
            raise LookupError("no %s named %r" % (role, label))
        time.sleep(0.2)


def extents(node):
    e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return e.x, e.y, e.width, e.height


def scroll_pane_of(node):
    while node is not None and node.getRoleName() != "scroll pane":
        node = node.parent
    return node


def scroll_into_view(node):
    """Turns the mouse wheel over the editor until @node is inside it (no
    AT-SPI scrolling in GTK 4.8). Bounded."""
    pane = scroll_pane_of(node)
    if pane is None:
        return True
    px, py, pw, ph = extents(pane)
    for _i in range(100):
        x, y, w, h = extents(node)
        if h > 0 and y >= py and y + h <= py + ph:
            return True
        button = "b4c" if y < py else "b5c"
        pyatspi.Registry.generateMouseEvent(px + pw // 2, py + ph // 2, button)
        if not wait_for(lambda: extents(node)[1] != y, timeout=1):
            break  # at the end of the pane
    x, y, w, h = extents(node)
    return h > 0 and py <= y + h // 2 <= py + ph


def click(node):
    scroll_into_view(node)
    x, y, w, h = extents(node)
    pyatspi.Registry.generateMouseEvent(x + w // 2, y + h // 2, "b1c")


def text_of(node):
    t = node.queryText()
    return t.getText(0, t.characterCount)  # GTK 4.8 gives nothing for (0, -1)


def button(root, label, timeout=10.0):
    return find(root, "push button", label, timeout)


def date_button(root, label):
    """The button of a date field: the field is named, its menu button
    inside it has the action."""
    field = find(root, "filler", label)
    for node in walk(field):
        try:
            if node.getRoleName() == "push button" and node.queryAction().nActions > 0:
                return node
        except Exception:
            pass
    raise LookupError("no button in the date field %r" % label)


def choose(combo, index, label):
    """Item @index (shown as @label) of a drop-down, opened with a
    pointer click, then picked with the keys as a keyboard user would."""
    return tap_atspi.choose(combo, index, label, opener=click)


def tick(check_box):
    for _attempt in range(3):
        if checked(check_box):
            return True
        click(check_box)
        wait_for(lambda: checked(check_box), 3)
    return checked(check_box)


def expand(header):
    """Opens an expander row (its header is a list item)."""
    click(header)


def set_spin(spin, value):
    spin.queryValue().currentValue = float(value)
    return wait_for(lambda: spin.queryValue().currentValue == value, 3)


def find_app(process, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is not None and app.get_process_id() == process.pid:
                    if find_all(app, "frame"):
                        return app
            except Exception:
                pass
        time.sleep(0.2)
    return None


def start():
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    return process, find_app(process)


def quit_app(process, app):
    frame = find(app, "frame")
    for label in ("Close", "Cerrar"):
        nodes = find_all(frame, "push button", label)
        if nodes:
            do(nodes[0])
            break
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return None


def saved(app):
    return wait_for(lambda: bool(find_all(app, "label", _("Saved"))), 8)


def list_row(app, text, timeout=10.0):
    end = time.time() + timeout
    while True:
        for lst in find_all(app, "list", _("Report list")):
            for node in walk(lst):
                try:
                    if node.getRoleName() != "list" and text in (node.name or ""):
                        return node
                except Exception:
                    pass
        if time.time() > end:
            return None
        time.sleep(0.2)


def list_items(app):
    lists = find_all(app, "list", _("Report list"))
    return sum(1 for n in walk(lists[0]) if n.getRoleName() == "list item") if lists else None


# The store ----------------------------------------------------------------------


def stored_reports():
    """The live reports in the store, as their current revisions' JSON."""
    db = tap_store.connect(os.path.join(data_dir, "testigo.db"))
    try:
        rows = db.execute("SELECT v.content FROM reports r JOIN revisions v ON v.rev_id = r.rev_id "
                          "WHERE r.deleted = 0").fetchall()
    finally:
        db.close()
    return [json.loads(r[0]) for r in rows]


def stored_records():
    db = tap_store.connect(os.path.join(data_dir, "testigo.db"))
    try:
        return db.execute("SELECT COUNT(DISTINCT record_id) FROM revisions").fetchone()[0]
    finally:
        db.close()


def stored(title):
    for report in stored_reports():
        if report.get("title") == title:
            return report
    return None


# A photo with a GPS position in its EXIF ----------------------------------------


def rational(value):
    return struct.pack(">II", int(round(value * 10000)), 10000)


def exif_gps(lat, lon):
    """An APP1 Exif segment: IFD0 with one entry, the GPS IFD pointer; the
    GPS IFD with the latitude and longitude (degrees as one rational)."""
    entries = [
        (1, 2, 2, b"S\0\0\0" if lat < 0 else b"N\0\0\0"),
        (2, 5, 3, None),
        (3, 2, 2, b"W\0\0\0" if lon < 0 else b"E\0\0\0"),
        (4, 5, 3, None),
    ]
    ifd0 = 8
    gps = ifd0 + 2 + 12 + 4
    data = gps + 2 + 12 * len(entries) + 4
    blobs = {2: rational(abs(lat)) + rational(0) + rational(0),
             4: rational(abs(lon)) + rational(0) + rational(0)}
    tiff = b"MM\0\x2a" + struct.pack(">I", ifd0)
    tiff += struct.pack(">H", 1) + struct.pack(">HHII", 0x8825, 4, 1, gps) + struct.pack(">I", 0)
    tiff += struct.pack(">H", len(entries))
    offset = data
    tail = b""
    for tag, kind, count, value in entries:
        if value is not None:
            tiff += struct.pack(">HHI", tag, kind, count) + value
        else:
            tiff += struct.pack(">HHII", tag, kind, count, offset)
            tail += blobs[tag]
            offset += len(blobs[tag])
    tiff += struct.pack(">I", 0) + tail
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def make_photo(path):
    plain_jpeg = os.path.join(work_dir, "plain.jpg")
    subprocess.run(["convert", "-size", "64x48", "xc:#8a7f70", plain_jpeg], check=True)
    with open(plain_jpeg, "rb") as f:
        jpeg = f.read()
    with open(path, "wb") as f:
        f.write(jpeg[:2] + exif_gps(PHOTO_LAT, PHOTO_LON) + jpeg[2:])


def choose_file(app, path):
    """Picks @path in the chooser the "Add File…" button opens."""
    do(button(app, _("Add File…")))
    title = _("Add Files as Sources")
    chooser = None
    end = time.time() + 10
    while chooser is None and time.time() < end:
        chooser = next((c for c in app if c is not None and c.name == title), None)
        time.sleep(0.2)
    if chooser is None:
        return False
    wait_for(lambda: chooser.getState().contains(pyatspi.STATE_ACTIVE), 5)
    pyatspi.Registry.generateKeyboardEvent(0, path, pyatspi.KEY_STRING)
    entries = find_all(chooser, "text", "GtkFileChooserEntry")
    if entries:
        type_into(entries[0], path)
    nodes = [n for n in walk(chooser) if n.getRoleName() == "push button" and showing(n)
             and plain(n.name).split(" ")[0] in ("Add", _("_Add").replace("_", ""))]
    if not nodes:
        return False
    do(nodes[-1])
    return wait_for(lambda: all(c is None or c.name != title for c in app), timeout=10)


# The steps ------------------------------------------------------------------------


def new_report(app):
    """Starts a new report; returns its title field once the editor shows
    it (empty)."""
    do(button(app, _("New report")))
    title = find(app, "text", _("Title"))
    narrative = find(app, "text", _("_Narrative").replace("_", ""))
    wait_for(lambda: text_of(title) == "" and text_of(narrative) == "", 5)
    return title


def empty_drafts():
    """New report left untouched (by opening another), one with only its
    narrative set, one saved with a title that is then erased, and one
    left untouched when the app quits."""
    process, app = start()
    if app is None:
        process.kill()
        return False
    steps = []  # what each step saw: printed if the check below fails

    def step(what, ok):
        steps.append("%s: %s" % (what, "yes" if ok else "NO"))

    new_report(app)
    new_report(app)
    narrative = find(app, "text", _("_Narrative").replace("_", ""))
    type_into(narrative, NARRATIVE)
    step("narrative stored", wait_for(lambda: len(stored_reports()) == 1, 8))

    # One saved with a title, then emptied again (and saved so).
    title = new_report(app)
    step("new editor empty", text_of(title) == "" and text_of(narrative) == "")
    type_into(title, "x")
    step("x stored", wait_for(lambda: len(stored_reports()) == 2, 8))
    type_into(title, "")
    step("title field empty", text_of(title) == "")
    step("erase stored", wait_for(
        lambda: any(not r["title"] and not r["narrative"] for r in stored_reports()), 8))
    steps.append("labels 'Untitled report': %d, 'x': %d" % (
        len(find_all(app, "label", _("Untitled report"))), len(find_all(app, "label", "x"))))

    new_report(app)
    status = quit_app(process, app)

    process, app = start()
    reports = stored_reports()
    records = stored_records()
    # Two records in the history: the one with a narrative, and the one
    # emptied again, now deleted.
    tap(status == 0 and len(reports) == 1 and reports[0]["narrative"] == NARRATIVE and records == 2,
        "[%s] new reports left empty are not kept; one with a narrative is" % LANG,
        "exit %s, %d live reports, %d records in the history: %s; steps: %s" % (
            status, len(reports), records, [(r["title"], r["narrative"]) for r in reports],
            "; ".join(steps)))
    wait_for(lambda: list_items(app) == 1, 5)
    rows = list_items(app)
    quit_app(process, app)
    return rows


def fill_report(app):
    do(button(app, _("New report")))
    title = find(app, "text", _("Title"))
    ed = scroll_pane_of(title)  # the editor: searching only there is faster
    type_into(title, TITLE)
    type_into(find(ed, "text", _("_Narrative").replace("_", "")), NARRATIVE)
    tap(choose(find(ed, "combo box", _("Status")), 1, _("Submitted")),
        "[%s] status drop-down set" % LANG)
    tap(choose(find(ed, "combo box", _("Precision")), 0, _("Exact time")),
        "[%s] precision drop-down set" % LANG)

    # Dates: today at 00:01 and 00:02 (never in the future).
    for label, minute in ((_("Start date and time"), 1), (_("End date and time"), 2)):
        do(date_button(ed, label))
        hour = find(ed, "spin button", _("Hour"))
        set_spin(hour, 0)
        set_spin(find(ed, "spin button", _("Minute")), minute)
        do(button(ed, _("_Set").replace("_", "")))
        wait_for(lambda: not find_all(ed, "spin button", _("Hour")), 3)

    # Categories and perpetrators: ticked, and nothing else touched; each
    # tick must reach the store on its own.
    expand(find(ed, "list item", _("Categories")))
    for code in CATEGORIES:
        tap(tick(find(ed, "check box", vocabulary("categories", code))),
            "[%s] category %s ticked" % (LANG, code))
    expand(find(ed, "list item", _("Alleged perpetrators")))
    for code in PERPETRATORS:
        tap(tick(find(ed, "check box", vocabulary("perpetrators", code))),
            "[%s] perpetrator %s ticked" % (LANG, code))
    ok = wait_for(lambda: (stored(TITLE) or {}).get("categories") == CATEGORIES and
                  stored(TITLE).get("perpetrators") == PERPETRATORS, 8)
    report = stored(TITLE) or {}
    tap(ok, "[%s] each ticked box reaches the store by itself" % LANG,
        "stored %s" % {k: report.get(k) for k in ("categories", "perpetrators")})

    # The location, set four ways; each reloads the editor, and the boxes
    # must still be shown ticked.
    def ticks_shown():
        return [checked(find(ed, "check box", vocabulary("categories", c))) for c in CATEGORIES] + \
               [checked(find(ed, "check box", vocabulary("perpetrators", c))) for c in PERPETRATORS]

    coords = find(ed, "text", _("Coordinates (decimal, or degrees minutes seconds)"))
    type_into(coords, "-15.8402, -70.0219")
    ok = wait_for(lambda: (stored(TITLE) or {}).get("location_method") == "typed", 8)
    tap(ok, "[%s] typed coordinates are the stored location" % LANG,
        "stored %s" % (stored(TITLE) or {}).get("location_method"))

    # Pick on the map: the map pane is right of the editor.
    frame = find(app, "frame")
    fx, fy, fw, fh = extents(frame)
    px, py, pw, ph = extents(ed)
    for attempt in range(3):
        do(button(ed, _("Pick on the map")))
        wait_for(lambda: find_all(app, "label", _("Click the place on the map"), first=True), 3)
        pyatspi.Registry.generateMouseEvent((px + pw + fx + fw) // 2 + 40 * attempt, fy + fh // 2, "b1c")
        if wait_for(lambda: (stored(TITLE) or {}).get("location_method") == "map", 5):
            break
    ok = (stored(TITLE) or {}).get("location_method") == "map"
    shown = ticks_shown()
    tap(ok and all(shown), "[%s] a point picked on the map is stored; the boxes stay ticked" % LANG,
        "stored %s, ticks shown %s" % ((stored(TITLE) or {}).get("location_method"), shown))

    search = find(ed, "text", _("Find a town or village"))
    type_into(search, "Juliaca")
    places = find(ed, "list", _("Places found"))

    def place_row():
        return next((n for n in walk(places) if n.getRoleName() == "list item"
                     and "Juliaca" in (n.name or "")), None)
    found = wait_for(lambda: place_row() is not None, 8)
    for _attempt in range(3):
        if not found:
            break
        row = place_row()

        def settled():  # the revealer slides the list in
            now = extents(row)
            time.sleep(0.1)
            return extents(row) == now
        wait_for(settled, 3)
        click(row)
        if wait_for(lambda: (stored(TITLE) or {}).get("location_method") == "gazetteer", 5):
            break
    ok = (stored(TITLE) or {}).get("location_method") == "gazetteer"
    shown = ticks_shown()
    tap(ok and all(shown), "[%s] a place from the gazetteer is stored; the boxes stay ticked" % LANG,
        "found=%s stored %s, ticks shown %s" % (found, (stored(TITLE) or {}).get("location_method"), shown))

    for label, value in ((_("Killed"), 2), (_("Injured"), 5), (_("Detained"), 7), (_("Disappeared"), 1)):
        set_spin(find(ed, "spin button", label), value)
    type_into(find(ed, "text", _("Unit, if known")), UNIT)

    # People: one person, every field.
    do(button(ed, _("Add Person")))
    people = find(ed, "list", _("People"))
    type_into(find(people, "text", _("Name or pseudonym")), PERSON)
    do(find(people, "check box", _("This is a pseudonym")))
    tap(choose(find(people, "combo box", _("Role")), 1, _("Witness")), "[%s] role drop-down set" % LANG)
    set_spin(find(people, "spin button", _("Age, or youngest age of the range")), 15)
    set_spin(find(people, "spin button", _("Oldest age of the range")), 16)
    tap(choose(find(people, "combo box", _("Sex or gender")), 1, _("Female")), "[%s] sex drop-down set" % LANG)
    do(find(people, "check box", _("Minor")))
    type_into(find(people, "text", _("People or ethnicity")), ETHNICITY)
    type_into(find(people, "text", _("Community or organisation")), COMMUNITY)
    expand(find(people, "list item", _("Harm suffered")))
    for code in HARMS:
        tap(tick(find(people, "check box", vocabulary("harms", code))), "[%s] harm %s ticked" % (LANG, code))
    expand(find(people, "list item", _("Weapon or method")))
    for code in WEAPONS:
        tap(tick(find(people, "check box", vocabulary("weapons", code))), "[%s] weapon %s ticked" % (LANG, code))
    tap(choose(find(people, "combo box", _("Consent to share identity")), 1, _("Organisation only")),
        "[%s] consent drop-down set" % LANG)
    type_into(find(people, "text", _("Notes")), PERSON_NOTES)

    # Sources: a link, a testimony, a photo whose position becomes the
    # report's.
    do(button(ed, _("Add Link")))
    sources = find(ed, "list", _("Sources"))
    type_into(find(sources, "text", _("Address (URL)")), URL)
    type_into(find_all(sources, "text", _("Source title"))[-1], LINK_TITLE)
    do(button(ed, _("Add Testimony")))
    type_into(find(sources, "text", _("Testimony text")), TESTIMONY)
    type_into(find_all(sources, "text", _("Source title"))[-1], TESTIMONY_TITLE)
    photo = os.path.join(work_dir, "puente-norte.jpg")
    make_photo(photo)
    chosen = choose_file(app, photo)
    use = None
    if chosen:
        try:
            use = button(ed, _("Use This Photo’s Location"))
        except LookupError:
            use = None
    if use is not None:
        type_into(find_all(sources, "text", _("Source title"))[-1], PHOTO_TITLE)
        do(use)
    ok = wait_for(lambda: (stored(TITLE) or {}).get("location_method") == "photo", 8)
    tap(chosen and use is not None and ok, "[%s] a photo's position is the stored location" % LANG,
        "chosen=%s button=%s stored %s" % (chosen, use is not None, (stored(TITLE) or {}).get("location_method")))

    # Typed last: setting the location fills them from the gazetteer.
    for label, value in ((_("Place name"), PLACE), (_("Region code"), REGION), (_("Province code"), PROVINCE)):
        type_into(find(ed, "text", label), value)
    set_spin(find(ed, "spin button", _("Uncertainty radius")), 250)

    shown = ticks_shown()
    tap(all(shown), "[%s] the boxes stay ticked after the photo's location" % LANG, "shown %s" % shown)
    return saved(app)


def check_store():
    report = stored(TITLE)
    if report is None:
        tap(False, "[%s] the report is in the store after a restart" % LANG)
        return
    today = datetime.date.today().isoformat()
    check("title", report["title"], TITLE)
    check("narrative", report["narrative"], NARRATIVE)
    check("status", report["status"], "submitted")
    check("date_precision", report["date_precision"], "exact")
    check("start", (report["start"] or "")[:16], today + "T00:01")
    check("end", (report["end"] or "")[:16], today + "T00:02")
    check("location_method", report["location_method"], "photo")
    check("latitude", round(report["latitude"] or 0, 4), PHOTO_LAT)
    check("longitude", round(report["longitude"] or 0, 4), PHOTO_LON)
    check("uncertainty_m", report["uncertainty_m"], 250)
    check("place_name", report["place_name"], PLACE)
    check("region_code", report["region_code"], REGION)
    check("province_code", report["province_code"], PROVINCE)
    check("categories", report["categories"], CATEGORIES)
    check("perpetrators", report["perpetrators"], PERPETRATORS)
    check("perpetrator_unit", report["perpetrator_unit"], UNIT)
    for field, value in (("killed", 2), ("injured", 5), ("detained", 7), ("disappeared", 1)):
        check(field, report[field], value)
    persons = report["persons"]
    check("persons", len(persons), 1)
    if persons:
        p = persons[0]
        for field, value in (("name", PERSON), ("pseudonym", True), ("role", "witness"), ("age_min", 15),
                             ("age_max", 16), ("sex", "female"), ("minor", True), ("ethnicity", ETHNICITY),
                             ("community", COMMUNITY), ("harms", HARMS), ("weapons", WEAPONS),
                             ("consent", "organisation"), ("notes", PERSON_NOTES)):
            check("person " + field, p[field], value)
    sources = report["sources"]
    check("sources", [s["kind"] for s in sources], ["link", "testimony", "file"])
    if len(sources) == 3:
        check("link title", sources[0]["title"], LINK_TITLE)
        check("link url", sources[0]["url"], URL)
        check("testimony title", sources[1]["title"], TESTIMONY_TITLE)
        check("testimony text", sources[1]["text"], TESTIMONY)
        check("photo title", sources[2]["title"], PHOTO_TITLE)
        check("photo position", (round(sources[2]["latitude"] or 0, 4), round(sources[2]["longitude"] or 0, 4)),
              (PHOTO_LAT, PHOTO_LON))
    n = len(failures)
    tap(n == 0, "[%s] after a restart the store holds every field as set" % LANG, "; ".join(failures))
    del failures[:]


def check_editor(app):
    search = find_all(app, "entry", _("Search reports")) or find_all(app, "text", _("Search reports"))
    type_into(search[0], TITLE.split()[0])
    opened = False
    for _attempt in range(3):
        row = list_row(app, TITLE, timeout=5)
        if row is None:
            break
        x, y, w, h = extents(row)
        pyatspi.Registry.generateMouseEvent(x + w // 2, y + h // 2, "b1c")
        opened = wait_for(lambda: find_all(app, "text", _("Title")) and
                          text_of(find(app, "text", _("Title"))) == TITLE, 5)
        if opened:
            break
    if not opened:
        tap(False, "[%s] the reopened editor shows every field" % LANG, "could not open the report")
        return

    ed = Snapshot(scroll_pane_of(find(app, "text", _("Title"))))

    def text(root, label, index=0):
        return text_of(root.find_all("text", label)[index])

    check("title", text(ed, _("Title")), TITLE)
    check("narrative", text(ed, _("_Narrative").replace("_", "")), NARRATIVE)
    check("status", combo_label(ed.find("combo box", _("Status"))), _("Submitted"))
    check("precision", combo_label(ed.find("combo box", _("Precision"))), _("Exact time"))
    # The date fields are typed text now (tg-date-button.c): today at
    # 00:01 and 00:02, in the locale's order, with the time.
    for label, minute in ((_("Start date and time"), 1), (_("End date and time"), 2)):
        check(label, (text_of(ed.find("text", label)) or "").endswith(" 00:%02d" % minute), True)
    check("place", text(ed, _("Place name")), PLACE)
    check("region", text(ed, _("Region code")), REGION)
    check("province", text(ed, _("Province code")), PROVINCE)
    check("unit", text(ed, _("Unit, if known")), UNIT)
    check("uncertainty", ed.find("spin button", _("Uncertainty radius")).queryValue().currentValue, 250)
    for label, value in ((_("Killed"), 2), (_("Injured"), 5), (_("Detained"), 7), (_("Disappeared"), 1)):
        check(label, ed.find("spin button", label).queryValue().currentValue, value)
    for kind, codes in (("categories", CATEGORIES), ("perpetrators", PERPETRATORS)):
        for code in codes:
            check(code, checked(ed.find("check box", vocabulary(kind, code))), True)
    people = ed
    check("person", text(people, _("Name or pseudonym")), PERSON)
    check("pseudonym", checked(people.find("check box", _("This is a pseudonym"))), True)
    check("role", combo_label(people.find("combo box", _("Role"))), _("Witness"))
    check("age min", people.find("spin button", _("Age, or youngest age of the range")).queryValue().currentValue, 15)
    check("age max", people.find("spin button", _("Oldest age of the range")).queryValue().currentValue, 16)
    check("sex", combo_label(people.find("combo box", _("Sex or gender"))), _("Female"))
    check("minor", checked(people.find("check box", _("Minor"))), True)
    check("ethnicity", text(people, _("People or ethnicity")), ETHNICITY)
    check("community", text(people, _("Community or organisation")), COMMUNITY)
    for kind, codes in (("harms", HARMS), ("weapons", WEAPONS)):
        for code in codes:
            check(code, checked(people.find("check box", vocabulary(kind, code))), True)
    check("consent", combo_label(people.find("combo box", _("Consent to share identity"))), _("Organisation only"))
    check("notes", text(people, _("Notes")), PERSON_NOTES)
    sources = ed
    check("url", text(sources, _("Address (URL)")), URL)
    check("testimony", text(sources, _("Testimony text")), TESTIMONY)
    check("source titles", [text_of(n) for n in sources.find_all("text", _("Source title"))],
          [LINK_TITLE, TESTIMONY_TITLE, PHOTO_TITLE])
    tap(not failures, "[%s] the reopened editor shows every field as set" % LANG, "; ".join(failures))
    del failures[:]


def main():
    global process
    print("1..25")
    rows = empty_drafts()
    tap(rows == 1, "[%s] after the restart the list has that one report" % LANG, "%s rows" % rows)

    process, app = start()
    if app is None:
        tap(False, "[%s] the window appears on the accessibility bus" % LANG)
        return
    tap(fill_report(app), "[%s] every field set, and saved" % LANG)
    status = quit_app(process, app)
    tap(status == 0, "[%s] the app quits cleanly" % LANG, "exit status %s" % status)

    process, app = start()
    check_store()
    check_editor(app)
    quit_app(process, app)


process = None
try:
    main()
except Exception as e:
    import traceback
    traceback.print_exc()
    tap(False, "the test ran to its end", repr(e))
finally:
    if process is not None and process.poll() is None:
        process.kill()
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(work_dir, ignore_errors=True)
    shutil.rmtree(locpath, ignore_errors=True)
sys.exit(0 if results and all(results) else 1)
