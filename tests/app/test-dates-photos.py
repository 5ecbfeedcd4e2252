#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Typed dates and a photo's time and place, through the real testigo
# binary over AT-SPI:
#
# - a date typed in the locale's order (LC_TIME=es_PE here, so
#   dd/mm/yyyy; the order is read from `locale d_fmt`, not assumed) is
#   stored; text that is not a date, or a date that does not exist, gets a
#   message under the field (and as the field's accessible description)
#   and stores nothing; the calendar's arrows have names and work;
# - a photo with EXIF time and GPS offers "Use This Photo's Time and
#   Place" on a report with neither, and "Use This Photo's Time" on
#   its own; both are stored;
# - an empty file and one that is not a readable image are kept, and
#   their rows say so, in words and in the accessible description;
#
# then the app is restarted and the stored reports are read from the
# database, field by field, and the values shown again.
#
# Needs an X server, a D-Bus session and the accessibility bus, which
# tools/run-tests.sh provides; without them the test is skipped.

import json
import os
import subprocess
import sys
import tempfile
import time

TESTIGO = sys.argv[1] if len(sys.argv) > 1 else "testigo"
MAKE_PHOTO = sys.argv[2] if len(sys.argv) > 2 else "make-photo"
PID = os.getpid()
TITLE_TYPED = "Paro en Juliaca %d" % PID
TITLE_PHOTO = "Puente Maravillas %d" % PID
TITLE_TIME = "Plaza de Armas %d" % PID
PHOTO_LAT, PHOTO_LON = -15.4997, -70.1333

from tap_atspi import (
    button, choose_file, click, end, find, find_app, first, label_texts, quit_app, require_atspi,
    poll, run, showing, tap, text_of, type_into, wait_active, wait_for,
    wait_settled, walk, window_named)
import tap_store  # noqa: E402  (the store, plain or encrypted)

pyatspi = require_atspi()


def press_enter(node):
    """Enter in a text field, as a person does: a click into it (no
    window manager: the window sits at 0,0), then the key."""
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    pyatspi.Registry.generateMouseEvent(ext.x + ext.width - 8, ext.y + ext.height // 2, "b1c")
    wait_for(lambda: node.getState().contains(pyatspi.STATE_FOCUSED), timeout=3)
    pyatspi.Registry.generateKeyboardEvent(0xff0d, None, pyatspi.KEY_SYM)


def list_row(app, text, timeout=10.0):
    return poll(lambda: first(find(app, role="list", name="Report list", timeout=0),
                              lambda node: node.getRoleName() != "list" and text in (node.name or "")), timeout)


def open_report(app, title):
    """Finds the report by search and opens it with a click."""
    search = find(app, role="text", name="Search reports") or find(app, role="entry", name="Search reports")
    type_into(search, title)
    for attempt in range(3):
        item = list_row(app, title, timeout=5)
        if item is None:
            return False
        wait_settled(item)
        ext = item.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "b1c")
        if wait_for(lambda: label_texts(app).count(title) >= 2, timeout=5):
            return True
    return False


def new_report(app, title):
    # Not while a save is under way: "New report" then waits for it in a
    # nested main loop, where the title typed next would still reach the
    # report before (seen here: the photo report renamed).
    saved(app)
    click(button(app, "New report"))
    field = find(app, role="text", name="Title")
    # The new report is open once its title is empty.
    wait_for(lambda: text_of(field) == "", timeout=5)
    type_into(field, title)
    return wait_for(lambda: list_row(app, title, timeout=0) is not None, timeout=8)


def saved(app):
    return wait_for(lambda: "Saved" in label_texts(app), timeout=8)


def stored(title):
    """The stored report with this title, as the store's JSON, or None."""
    db = tap_store.connect(os.path.join(data_dir, "testigo.db"))
    try:
        row = db.execute("SELECT v.content FROM reports r JOIN revisions v ON v.rev_id = r.rev_id "
                         "WHERE r.title = ? AND r.deleted = 0", (title,)).fetchone()
    finally:
        db.close()
    return json.loads(row[0]) if row else None


def stored_when(title, pred, timeout=8.0):
    """The stored report once @pred holds for it (bounded), else as it is."""
    box = {}

    def check():
        box["report"] = stored(title)
        return box["report"] is not None and pred(box["report"])
    wait_for(check, timeout=timeout)
    return box.get("report") or {}


def starts(prefix):
    return lambda r: (r.get("start") or "").startswith(prefix)


def has_action(node):
    try:
        return node.queryAction().nActions > 0
    except Exception:
        return False


def calendar_button(app):
    """The button that opens the calendar (GTK 4.8's menu button names
    the outer widget; the toggle inside it has the action)."""
    for node in walk(app):
        try:
            if "Choose on a calendar" in (node.name or "") and showing(node):
                for child in walk(node):
                    if has_action(child):
                        return child
        except Exception:
            pass
    return None


def map_scale_m(app):
    """The length the map's scale bar stands for, in metres ("700 km",
    "500 m"): how far in the map is."""
    import re
    for text in label_texts(app):
        m = re.match(r"^([\d.,]+)\s(km|m)$", (text or "").replace("\xa0", " "))
        if m:
            value = float(m.group(1).replace(",", ""))
            return value * 1000 if m.group(2) == "km" else value
    return None


def date_entry(app, which="Start date and time"):
    return find(app, role="text", name=which)


# The locale: es_PE for dates (compiled with localedef when the system
# lacks it), English for the words, so the widgets' names are known.
data_dir = tempfile.mkdtemp(prefix="testigo-dates-")
photo_dir = tempfile.mkdtemp(prefix="testigo-dates-photo-")
locpath = tempfile.mkdtemp(prefix="testigo-dates-locale-")
env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
           TZ="America/Lima", LANGUAGE="en", LANG="C.UTF-8")
env.pop("LC_ALL", None)
have = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
if "es_PE.utf8" in have:
    env["LC_TIME"] = "es_PE.UTF-8"
elif subprocess.run(["localedef", "-i", "es_PE", "-f", "UTF-8", os.path.join(locpath, "es_PE.UTF-8")],
                    capture_output=True).returncode in (0, 1) and \
        os.path.isdir(os.path.join(locpath, "es_PE.UTF-8")):
    env["LC_TIME"] = "es_PE.UTF-8"
    env["LOCPATH"] = locpath
D_FMT = subprocess.run(["locale", "d_fmt"], env=env, capture_output=True, text=True).stdout.strip()


def in_locale_order(day, month, year):
    """The date as the locale writes it: the order of %d, %m and %y in
    its D_FMT (es_PE: %d/%m/%y), with the separator it uses."""
    fields = []
    sep = None
    i = 0
    while i < len(D_FMT):
        c = D_FMT[i]
        if c == "%" and i + 1 < len(D_FMT):
            i += 1
            while D_FMT[i] in "-_0^#EO":
                i += 1
            k = D_FMT[i]
            if k in "de":
                fields.append("%02d" % day)
            elif k in "mbB":
                fields.append("%02d" % month)
            elif k in "yY":
                fields.append("%04d" % year)
            elif k == "D":
                fields += ["%02d" % month, "%02d" % day, "%04d" % year]
                sep = sep or "/"
        elif c in "/.-" and sep is None and fields:
            sep = c
        i += 1
    if len(fields) != 3:
        fields, sep = ["%04d" % year, "%02d" % month, "%02d" % day], "-"
    return (sep or "/").join(fields)


PHOTO = os.path.join(photo_dir, "puente-maravillas.jpg")
EMPTY = os.path.join(photo_dir, "vacia.jpg")
BROKEN = os.path.join(photo_dir, "danada.jpg")
subprocess.run([MAKE_PHOTO, PHOTO, "2023:01:09 15:42:07", str(PHOTO_LAT), str(PHOTO_LON)], check=True)
open(EMPTY, "wb").close()
with open(BROKEN, "wb") as f:
    f.write(b"\xff\xd8\xff\xe0 this was a photo until the card failed " * 40)


def start():
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    return process, find_app(process)


def main():
    global process
    print("1..16")
    process, app = start()
    if app is None:
        tap(False, "the window appears on the accessibility bus")
        return
    typed = in_locale_order(9, 1, 2023) + " 15:42"
    print("# LC_TIME=%s D_FMT=%s: typing %s" % (env.get("LC_TIME", "(unset)"), D_FMT, typed))

    # Typed dates ---------------------------------------------------------------
    made = new_report(app, TITLE_TYPED)
    entry = date_entry(app)
    tap(made and entry is not None,
        "the start date is a text field named \"Start date and time\"",
        "report=%s entry=%s" % (made, entry))

    # Not a date: a message under the field, as its description too; nothing stored.
    type_into(entry, "ayer por la tarde")
    press_enter(entry)
    message = find(app, role="label", contains="Not a date", timeout=5)
    described = wait_for(lambda: "Not a date" in (entry.description or ""), timeout=3)
    tap(message is not None and described and "dd" in message.name,
        "text that is not a date gets a message saying how to type one",
        "message=%s description=%r" % (message.name if message else None, entry.description))

    type_into(entry, in_locale_order(31, 2, 2023))
    press_enter(entry)
    impossible = find(app, role="label", contains="28 days", timeout=5)
    saved(app)
    report = stored(TITLE_TYPED)
    tap(impossible is not None and report is not None and report.get("start") is None,
        "31 February is refused with its reason, and no start is stored",
        "message=%s stored start=%s" % (impossible.name if impossible else None,
                                         report.get("start") if report else "no report"))

    type_into(entry, typed)
    press_enter(entry)
    cleared = wait_for(lambda: find(app, role="label", contains="28 days", timeout=0) is None, timeout=5)
    report = stored_when(TITLE_TYPED, starts("2023-01-09T15:42:00"))
    start_typed = report.get("start")
    tap(cleared and start_typed is not None and start_typed.startswith("2023-01-09T15:42:00"),
        "a date typed in the locale's order is stored once it is a date",
        "message cleared=%s stored start=%s" % (cleared, start_typed))

    # The calendar is still there, with named arrows.
    opener = calendar_button(app)
    if opener is not None:
        click(opener)
    arrows = [button(app, n, timeout=5) for n in ("Previous month", "Next month", "Previous year", "Next year")]
    if all(arrows):
        click(arrows[1])  # February 2023
        click(button(app, "Set"))
    report = stored_when(TITLE_TYPED, starts("2023-02-09T15:42:00"))
    end_ok = starts("2023-02-09T15:42:00")(report)
    tap(all(arrows) and end_ok,
        "the calendar's arrows are named and \"Next month\" then Set moves the date a month on",
        "arrows=%s stored start=%s" % ([a is not None for a in arrows], report.get("start") if report else None))

    # A photo's time and place on a report with neither ------------------------------
    new_report(app, TITLE_PHOTO)
    chosen = choose_file(app, PHOTO)
    both = button(app, "Use This Photo’s Time and Place", timeout=10)
    tap(chosen and both is not None and button(app, "Use This Photo’s Time", timeout=2) is not None,
        "a photo with time and GPS offers its time, and its time and place at once",
        "chosen=%s both=%s" % (chosen, both))
    if both is not None:
        click(both)
    scale_before = map_scale_m(app)
    placed = wait_for(lambda: button(app, "Use This Photo’s Time and Place", timeout=0) is None, timeout=5)
    # The map goes there: zoomed in to streets (13 or closer).
    zoomed = wait_for(lambda: (map_scale_m(app) or 1e9) <= 2000, timeout=10)
    report = stored_when(TITLE_PHOTO, lambda r: starts("2023-01-09T15:42:07")(r) and
                         r.get("location_method") == "photo")
    start_photo = report.get("start") or ""
    lat, lon = report.get("latitude"), report.get("longitude")
    tap(placed and start_photo.startswith("2023-01-09T15:42:07") and lat is not None and
        abs(lat - PHOTO_LAT) < 1e-4 and abs(lon - PHOTO_LON) < 1e-4 and
        report.get("location_method") == "photo" and zoomed,
        "\"Use This Photo's Time and Place\" stores both, the offer goes, the map zooms in there",
        "offer gone=%s start=%s lat=%s lon=%s method=%s scale %s m -> %s m" % (
            placed, start_photo, lat, lon, report.get("location_method"), scale_before, map_scale_m(app)))

    # An empty file and a broken picture: kept, and marked.
    choose_file(app, EMPTY)
    choose_file(app, BROKEN)
    empty = find(app, role="label", name="Empty file", timeout=10)
    broken = find(app, role="label", name="Not a readable image", timeout=10)
    tap(empty is not None and broken is not None,
        "an empty file and an unreadable image are added and marked in their rows",
        "empty=%s broken=%s" % (empty, broken))

    # "Use This Photo's Time" alone, on a report that has a place already.
    new_report(app, TITLE_TIME)
    coords = find(app, role="text", contains="Coordinates", timeout=5)
    type_into(coords, "-12.0464, -77.0428")
    choose_file(app, PHOTO)
    time_only = button(app, "Use This Photo’s Time", timeout=10)
    no_both = button(app, "Use This Photo’s Time and Place", timeout=1) is None
    if time_only is not None:
        click(time_only)
    shown = wait_for(lambda: (text_of(date_entry(app)) or "").startswith(
        in_locale_order(9, 1, 2023)), timeout=5)
    report = stored_when(TITLE_TIME, lambda r: starts("2023-01-09T15:42:07")(r) and
                         r.get("latitude") is not None)
    tap(time_only is not None and no_both and shown and
        (report.get("start") or "").startswith("2023-01-09T15:42:07") and
        abs((report.get("latitude") or 0) - -12.0464) < 1e-6,
        "\"Use This Photo's Time\" sets the start only (the report had a place: no joint offer)",
        "button=%s no joint offer=%s shown=%s start=%s lat=%s" % (
            time_only is not None, no_both, shown, report.get("start"), report.get("latitude")))

    # A place from the list of places: the map goes there too. First the
    # map is zoomed out with the mouse wheel (xdotool; no window manager:
    # the window sits at 0,0; the map is its right-hand pane).
    frame = find(app, role="frame", name="Testigo").queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    subprocess.run(["xdotool", "mousemove", str(frame.width - 200), str(frame.height // 2),
                    "click", "--repeat", "30", "--delay", "30", "5"], check=False)
    far = wait_for(lambda: (map_scale_m(app) or 0) >= 8000, timeout=5)
    search = find(app, role="text", name="Find a town or village", timeout=5)
    type_into(search, "Juliaca")
    found = find(find(app, role="list", name="Places found", timeout=5) or app,
                 role="list item", contains="Juliaca", timeout=8)
    for _ in range(10):
        if found is None:
            break
        ext = found.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        if ext.y + ext.height < frame.height - 10:
            pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "b1c")
            break
        # Below the fold: the editor scrolled down a little.
        subprocess.run(["xdotool", "mousemove", str(ext.x + ext.width // 2), str(frame.height // 2),
                        "click", "5"], check=False)
        time.sleep(0.3)
    near = wait_for(lambda: (map_scale_m(app) or 1e9) <= 2000, timeout=10)
    report = stored_when(TITLE_TIME, lambda r: r.get("location_method") == "gazetteer")
    tap(far and found is not None and near and report.get("location_method") == "gazetteer",
        "a place picked from the list of places is stored and the map zooms in there",
        "zoomed out=%s found=%s zoomed in=%s (scale %s m) method=%s" % (
            far, found is not None, near, map_scale_m(app), report.get("location_method")))

    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly", "exit status %s" % status)

    # After a restart ---------------------------------------------------------------
    typed_report = stored(TITLE_TYPED) or {}
    photo_report = stored(TITLE_PHOTO) or {}
    sources = photo_report.get("sources") or []
    sizes = sorted(s.get("size") for s in sources)
    tap((typed_report.get("start") or "").startswith("2023-02-09T15:42:00") and
        (photo_report.get("start") or "").startswith("2023-01-09T15:42:07") and
        len(sources) == 3 and sizes[0] == 0,
        "the store keeps the dates, the photo's place and all three files, the empty one too",
        "typed=%s photo=%s sizes=%s" % (typed_report.get("start"), photo_report.get("start"), sizes))

    process, app = start()
    opened = open_report(app, TITLE_TYPED)
    entry = date_entry(app)
    text = text_of(entry) if entry else None
    tap(opened and text == in_locale_order(9, 2, 2023) + " 15:42",
        "after a restart the date is shown as typed, in the locale's order",
        "opened=%s text=%r" % (opened, text))

    opened = open_report(app, TITLE_PHOTO)
    empty = find(app, role="label", name="Empty file", timeout=10)
    broken = find(app, role="label", name="Not a readable image", timeout=10)
    described = [n.description for n in walk(app)
                 if n is not None and "0 bytes" in (n.description or "") and n.getRoleName() != "label"]
    tap(opened and empty is not None and broken is not None and len(described) > 0,
        "after a restart the two files are still marked, with an accessible description",
        "opened=%s empty=%s broken=%s described=%s" % (opened, empty, broken, described[:1]))

    # Typing stays with the locale: the American order is not taken for it.
    entry = date_entry(app)
    type_into(entry, "13/09/2023" if in_locale_order(9, 1, 2023).startswith("01") else "09/13/2023")
    press_enter(entry)
    refused = find(app, role="label", contains="no month 13", timeout=5)
    tap(refused is not None, "a date in the other order is refused, not misread",
        "labels=%s" % [l for l in label_texts(app) if "13" in l])

    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly again", "exit status %s" % status)


process = None
run(main, cleanup=lambda: end(process, data_dir, photo_dir, locpath), plan=False)  # main() prints the plan
