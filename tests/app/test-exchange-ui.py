#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Import and export through the app, as a person does it, over AT-SPI:
# main menu → Export Reports… → the dialog's choices → the file chooser →
# the result; then an empty store: main menu → Import Reports… → the file
# chooser → the summary ("60 imported, 0 already here, 0 rejected"), the
# same file again (all already here), an empty file (the importer's
# error); a report with a file source imported, exported alone from its
# list row's menu (a secondary click; the Menu key on the focused row), and its source's custody history then shows "Exported". The exported files are read back: GDAL's ogrinfo counts their
# features, every timestamp is strict RFC 3339, they are 0600, and the
# store they were imported into exports the same reports field by field.
#
#   test-exchange-ui.py TESTIGO [LANG]      LANG: en (default) or es
#
# With TESTIGO_SHOTS=DIR it also saves the export dialog and the import
# summary as DIR/export-LANG-SCHEME.png and DIR/import-LANG-SCHEME.png
# (SCHEME from ADW_DEBUG_COLOR_SCHEME: light or dark).
#
# Needs an X server, a D-Bus session and the accessibility bus (run it
# through tools/run-tests.sh); without them it is skipped.

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "core", "exchange"))
from tap_atspi import (  # noqa: E402
    quit_app, require_atspi, results, showing, tap, wait_active, wait_for,
    wait_settled, walk)
from rfc3339 import is_rfc3339, timestamps  # noqa: E402
import tap_scan  # noqa: E402

TESTIGO = sys.argv[1] if len(sys.argv) > 1 else "testigo"
LANG = sys.argv[2] if len(sys.argv) > 2 else "en"
SHOTS = os.environ.get("TESTIGO_SHOTS")
SCHEME = "dark" if "dark" in os.environ.get("ADW_DEBUG_COLOR_SCHEME", "") else "light"

pyatspi = require_atspi()
# A GtkCheckButton in a group is a radio button to AT-SPI.
CHOICE = ("check box", "radio button")

# What the widgets are called, in each language (the accessible names).
NAMES = {
    "en": {
        "menu": "Main menu", "import": "Import Reports…", "export": "Export Reports…",
        "export_title": "Export Reports", "import_title": "Import Reports",
        "export_button": "Export…", "chooser_export": "Export", "chooser_import": "Import",
        "public": "For the public", "organisation": "For my organisation", "csv": "CSV",
        "geojson": "GeoJSON", "list": "The reports in the list",
        "export_done": "Export Finished", "import_done": "Import Finished",
        "nothing": "Nothing Was Imported", "close": "Close",
        "exported": "60 reports exported", "summary": "%d imported, %d already here, 0 rejected",
        "empty": "empty", "list_name": "Report list",
        "custody_button": "Show the custody history", "imported": "Imported ·",
        "created": "Created ·", "chain": "The custody chain is whole",
        "withheld": "Names without public consent were withheld.",
        "export_one": "Export This Report…", "one": "This report only",
        "one_exported": "1 report exported", "exported_event": "Exported ·",
        "kind": "As GeoJSON, for the organisation",
    },
    "es": {
        "menu": "Menú principal", "import": "Importar informes…", "export": "Exportar informes…",
        "export_title": "Exportar informes", "import_title": "Importar informes",
        "export_button": "Exportar…", "chooser_export": "Exportar", "chooser_import": "Importar",
        "public": "Para el público", "organisation": "Para mi organización", "csv": "CSV",
        "geojson": "GeoJSON", "list": "Los informes de la lista",
        "export_done": "Exportación terminada", "import_done": "Importación terminada",
        "nothing": "No se importó nada", "close": "Cerrar",
        "exported": "60 informes exportados", "summary": "%d importados, %d ya estaban, 0 rechazados",
        "empty": "vacío", "list_name": "Lista de informes",
        "custody_button": "Mostrar el historial de custodia", "imported": "Importado ·",
        "created": "Creado ·", "chain": "La cadena de custodia está completa",
        "withheld": "Se reservaron los nombres sin consentimiento público.",
        "export_one": "Exportar este informe…", "one": "Solo este informe",
        "one_exported": "1 informe exportado", "exported_event": "Exportado ·",
        "kind": "En GeoJSON, para la organización",
    },
}[LANG]


def find(root, role=None, name=None, contains=None, timeout=10.0):
    end = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                if role is not None and node.getRoleName() not in (role if isinstance(role, tuple) else (role,)):
                    continue
                plain = (node.name or "").replace("_", "")
                # GTK 4.8 may say a row's check box twice: "CSV CSV".
                if name is not None and plain != name and plain != name + " " + name:
                    continue
                if contains is not None and contains not in plain:
                    continue
                if not showing(node):
                    continue
                return node
            except Exception:
                continue
        if time.time() > end:
            return None
        time.sleep(0.2)


def button(root, label, timeout=10.0):
    """A push button by its label; GTK 4.8 may name a labelled button
    "<label> <label of its child>"."""
    end = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                if node.getRoleName() not in ("push button", "toggle button") or not showing(node):
                    continue
                plain = (node.name or "").replace("_", "")
                if plain == label or plain.startswith(label + " "):
                    return node
            except Exception:
                continue
        if time.time() > end:
            return None
        time.sleep(0.2)


def click(node):
    """Its first action; a mouse click at its centre when it has none (the
    main menu's button exposes no action in GTK 4.8). Xvfb has no window
    manager: windows sit where GTK puts them and window coordinates of
    the main window are screen coordinates."""
    try:
        action = node.queryAction()
        if action.nActions > 0:
            action.doAction(0)
            return
    except NotImplementedError:
        pass
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "b1c")


def top_window(app, title, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        for w in app:
            try:
                if w is not None and (w.name or "").replace("_", "") == title:
                    return w
            except Exception:
                pass
        time.sleep(0.2)
    return None


def window_gone(app, title, timeout=10.0):
    return wait_for(lambda: all(w is None or w.name != title for w in app), timeout=timeout)


def labels(root):
    out = []
    for node in walk(root):
        try:
            if node.getRoleName() == "label" and showing(node):
                out.append(node.name or "")
        except Exception:
            pass
    return out


def x_window(title):
    """The X window titled @title: Xvfb has no window manager, so a dialog
    may stay under the main window and is taken on its own."""
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True).stdout
    found = None
    for line in tree.splitlines():
        parts = line.split('"')
        if len(parts) > 2 and parts[1] == title:
            found = int(line.split()[0], 16)
    return found


def shot(name, title):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    time.sleep(1)  # the dialog's last frame; only for the picture
    wid = x_window(title)
    source = "-id %d" % wid if wid else "-root"
    subprocess.run("xwd %s -silent | convert xwd:- %s/%s-%s-%s.png"
                   % (source, SHOTS, name, LANG, SCHEME), shell=True, check=False)


def open_menu_item(app, item):
    menu = button(app, NAMES["menu"])
    if menu is None:
        return False
    click(menu)
    entry = find(app, role="menu item", name=item, timeout=5)
    if entry is None:
        return False
    click(entry)
    return True


def choose_in_chooser(app, title, accept, path, save):
    """Types @path into the file chooser titled @title and presses @accept.
    In a save chooser the name field takes the whole path; in an open one
    typing "/" opens the location field first."""
    # The chooser, not the export dialog of the same title that opened it.
    chooser = None
    end = time.time() + 10
    while chooser is None and time.time() < end:
        for w in app:
            try:
                if w is not None and (w.name or "").replace("_", "") == title and showing(w) \
                   and find(w, role="text", timeout=0) is not None:
                    chooser = w
            except Exception:
                pass
        time.sleep(0.2)
    if chooser is None:
        print("# no chooser window %r" % title)
        return False
    if save:
        entry = find(chooser, role="text", timeout=5)
        if entry is None:
            return False
        entry.queryEditableText().setTextContents(path)
    else:
        wait_active(chooser)
        pyatspi.Registry.generateKeyboardEvent(0, path, pyatspi.KEY_STRING)
        entry = find(chooser, role="text", name="GtkFileChooserEntry", timeout=5)
        if entry is not None:
            entry.queryEditableText().setTextContents(path)
    ok = button(chooser, accept, timeout=5)
    if ok is None:
        print("# no %r button in the chooser" % accept)
        return False
    click(ok)
    return wait_for(lambda: all(w is None or w.getRoleName() != "dialog" or w.name != title
                                or not showing(w) for w in app), timeout=10)


def dismiss(app, title):
    w = top_window(app, title, timeout=2)
    if w is not None:
        b = button(w, NAMES["close"], timeout=2)
        if b is not None:
            click(b)
    window_gone(app, title, timeout=5)


def feature_count(path):
    if shutil.which("ogrinfo") is None:
        return None
    p = subprocess.run(["ogrinfo", "-ro", "-so", "-al", path], capture_output=True, text=True)
    m = re.search(r"Feature Count: (\d+)", p.stdout)
    return int(m.group(1)) if p.returncode == 0 and m else -1


def locale_env(tmp):
    if LANG == "en":
        return {"LANGUAGE": "en", "LC_ALL": "C.UTF-8"}
    name = "es_PE.UTF-8"
    have = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    env = {"LANGUAGE": "es", "LC_ALL": name, "LANG": name}
    if "es_PE.utf8" not in have and name not in have:
        locpath = os.path.join(tmp, "locale")
        os.makedirs(locpath)
        subprocess.run(["localedef", "-i", "es_PE", "-f", "UTF-8", os.path.join(locpath, name)],
                       check=True, stderr=subprocess.DEVNULL)
        env["LOCPATH"] = locpath
    return env


def find_app(process, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        for a in pyatspi.Registry.getDesktop(0):
            try:
                if a is not None and a.get_process_id() == process.pid:
                    if find(a, role="frame", timeout=0.5):
                        return a
            except Exception:
                pass
        time.sleep(0.2)
    return None


def features_by_id(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for feat in data["features"]:
        props = dict(feat["properties"])
        props.pop("testigo:custody", None)  # each store keeps its own log
        out[feat["id"]] = (feat["geometry"], props)
    return out


processes = []
restart = None
CUSTODY_TITLE = "Custodia del video del puente"
CUSTODY_FILE = "video-puente.mp4"


def check_custody(app, tmp):
    path = os.path.join(tmp, "out", "custody.geojson")
    feature = {
        "type": "Feature", "id": "0190a7c2-6f5e-7d3a-9c1b-2a3b4c5d6e7f",
        "geometry": {"type": "Point", "coordinates": [-70.13, -15.49]},
        "properties": {
            "format": 1, "id": "0190a7c2-6f5e-7d3a-9c1b-2a3b4c5d6e7f", "title": CUSTODY_TITLE,
            "start": "2023-01-09T17:30:00-05:00",
            "sources": [{"id": "0190a7c2-6f5e-7d3a-9c1b-2a3b4c5d6e80", "kind": "file",
                         "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                         "file_name": CUSTODY_FILE, "mime_type": "video/mp4", "size": 4}],
        },
    }
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [feature]}, f)
    open_menu_item(app, NAMES["import"])
    choose_in_chooser(app, NAMES["import_title"], NAMES["chooser_import"], path, save=False)
    done = top_window(app, NAMES["import_done"], timeout=30)
    summary = labels(done) if done else []
    dismiss(app, NAMES["import_done"])
    if not any(NAMES["summary"] % (1, 0) in l for l in summary):
        return False, "import: %s" % summary

    # Open the report after a restart (as test-ui.py does): a click on its
    # row in the list. In the session that imported, the click at the
    # row's place did not reach it under Xvfb.
    global restart

    def open_row():
        app = restart()
        lst = find(app, role="list", name=NAMES["list_name"])
        row = None
        end = time.time() + 10
        while row is None and time.time() < end:
            row = next((n for n in walk(lst) if n.getRoleName() != "list"
                        and CUSTODY_TITLE in (n.name or "")), None)
            time.sleep(0.2)
        if row is None:
            return app, None
        for attempt in range(3):
            wait_settled(row)  # the list settles after the import; only for the click
            ext = row.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
            pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "b1c")
            # Open: the editor's header shows the title too.
            if wait_for(lambda: labels(app).count(CUSTODY_TITLE) >= 2, timeout=5):
                break
        return app, row

    app, row = open_row()
    if row is None:
        return False, "no list row"
    # A secondary click on the row opens its menu, whose one item exports
    # that report alone, through the dialog with it chosen.
    one_path = os.path.join(tmp, "out", "one.geojson")
    ext = row.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "b3c")
    item = find(app, role="menu item", name=NAMES["export_one"], timeout=5)
    chosen = one = said = False
    if item is not None:
        click(item)
        dialog = top_window(app, NAMES["export_title"])
        choice = find(dialog, role=CHOICE, name=NAMES["one"], timeout=5) if dialog else None
        one = choice is not None and choice.getState().contains(pyatspi.STATE_CHECKED)
        if dialog is not None:
            click(button(dialog, NAMES["export_button"]))
            chosen = choose_in_chooser(app, NAMES["export_title"], NAMES["chooser_export"], one_path, save=True)
            done = top_window(app, NAMES["export_done"], timeout=30)
            said = done is not None and any(NAMES["one_exported"] in l for l in labels(done))
            dismiss(app, NAMES["export_done"])
    ids = []
    if os.path.exists(one_path):
        with open(one_path) as f:
            ids = [feat["id"] for feat in json.load(f)["features"]]
    tap(item is not None and one and chosen and said and ids == ["0190a7c2-6f5e-7d3a-9c1b-2a3b4c5d6e7f"],
        "a list row's menu: Export This Report… → \"This report only\" chosen → a file of that report alone",
        "item=%s one=%s chosen=%s said=%s ids=%s" % (item is not None, one, chosen, said, ids))

    # From the keyboard: the focused row's menu opens with the Menu key.
    pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "b1c")
    wait_for(lambda: labels(app).count(CUSTODY_TITLE) >= 2, timeout=5)
    subprocess.run(["xdotool", "key", "Menu"], check=False)
    again = find(app, role="menu item", name=NAMES["export_one"], timeout=5)
    tap(again is not None, "the Menu key on the focused list row offers Export This Report…")
    if again is not None:
        subprocess.run(["xdotool", "key", "Escape"], check=False)
        wait_for(lambda: find(app, role="menu item", name=NAMES["export_one"], timeout=0) is None, timeout=5)

    # Opened again (after a restart, as a person comes back to it): expand
    # the source's row, then read its history.
    app, row = open_row()
    if row is None:
        return False, "no list row after the export"
    source = find(app, contains=CUSTODY_FILE, timeout=10)
    if source is None:
        return False, "no source row: %s" % [l for l in labels(app)][:40]
    click(source)
    seen = wait_for(lambda: any(l.startswith(NAMES["imported"]) for l in labels(app)) and
                    any(l.startswith(NAMES["created"]) for l in labels(app)) and
                    any(l.startswith(NAMES["exported_event"]) for l in labels(app)) and
                    any(NAMES["kind"] in l for l in labels(app)) and
                    any(l.startswith(NAMES["chain"]) for l in labels(app)), timeout=10)
    return seen, "labels=%s" % [l for l in labels(app) if "·" in l or "ustod" in l or "GeoJSON" in l]


def main(tmp):
    print("1..13")
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(TESTIGO))))
    env = dict(os.environ, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
               TESTIGO_LOCALEDIR=os.path.join(build, "po"), **locale_env(tmp))
    a_dir, b_dir = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    geo, csv = os.path.join(tmp, "out", "reports.geojson"), os.path.join(tmp, "out", "public.csv")
    os.makedirs(os.path.dirname(geo))

    # Export from the demo store ---------------------------------------------
    process = subprocess.Popen([TESTIGO, "--demo"], env=dict(env, TESTIGO_DATA_DIR=a_dir),
                               stdout=subprocess.DEVNULL)
    processes.append(process)
    app = find_app(process)
    if app is None:
        tap(False, "the window appears on the accessibility bus")
        process.kill()
        return
    lst = find(app, role="list", name=NAMES["list_name"])
    wait_for(lambda: sum(1 for n in walk(lst) if n.getRoleName() == "list item") >= 60, timeout=15)

    opened = open_menu_item(app, NAMES["export"])
    dialog = top_window(app, NAMES["export_title"])
    choices = dialog is not None and all(find(dialog, role=CHOICE, name=NAMES[k], timeout=3)
                                         for k in ("list", "geojson", "csv", "organisation", "public"))
    says = dialog is not None and any("60" in l for l in labels(dialog))
    tap(opened and choices and says,
        "Export Reports… offers the list (60 reports), GeoJSON or CSV, organisation or public",
        "opened=%s dialog=%s choices=%s says=%s" % (opened, dialog is not None, choices,
                                                    labels(dialog) if dialog else None))
    if dialog is None:
        return
    shot("export", NAMES["export_title"])
    click(button(dialog, NAMES["export_button"]))
    chosen = choose_in_chooser(app, NAMES["export_title"], NAMES["chooser_export"], geo, save=True)
    done = top_window(app, NAMES["export_done"], timeout=30)
    body = done is not None and any(NAMES["exported"] in l for l in labels(done))
    tap(chosen and done is not None and body, "the file chooser, then \"60 reports exported\"",
        "chosen=%s done=%s labels=%s" % (chosen, done is not None, labels(done) if done else None))
    dismiss(app, NAMES["export_done"])

    ok_file = os.path.exists(geo)
    mode = stat.S_IMODE(os.stat(geo).st_mode) if ok_file else 0
    n = feature_count(geo) if ok_file else -1
    stamps, bad = [], []
    if ok_file:
        with open(geo) as f:
            stamps = list(timestamps(json.load(f)))
        bad = [s for s in stamps if not is_rfc3339(s)]
    tap(ok_file and mode == 0o600 and n in (60, None) and len(stamps) >= 60 and not bad,
        "the GeoJSON is 0600, ogrinfo counts 60 features, %d timestamps are RFC 3339" % len(stamps),
        "file=%s mode=%o ogrinfo=%s bad=%s" % (ok_file, mode, n, bad[:3]))

    # The same through the dialog's other choices: CSV for the public.
    open_menu_item(app, NAMES["export"])
    dialog = top_window(app, NAMES["export_title"])
    if dialog is not None:
        click(find(dialog, role=CHOICE, name=NAMES["csv"]))
        click(find(dialog, role=CHOICE, name=NAMES["public"]))
        click(button(dialog, NAMES["export_button"]))
        choose_in_chooser(app, NAMES["export_title"], NAMES["chooser_export"], csv, save=True)
        done = top_window(app, NAMES["export_done"], timeout=30)
        public_said = done is not None and any(NAMES["withheld"] in l for l in labels(done))
        dismiss(app, NAMES["export_done"])
    else:
        public_said = False
    n = feature_count(csv) if os.path.exists(csv) else -1
    text = open(csv, encoding="utf-8").read() if os.path.exists(csv) else ""
    tap(os.path.exists(csv) and text.startswith("id,title,") and n in (60, None) and public_said,
        "CSV for the public: ogrinfo counts 60 rows (%s)" % n, "exists=%s public=%s" % (os.path.exists(csv), public_said))
    quit_app(process, app)

    # Import into an empty store ---------------------------------------------
    process = subprocess.Popen([TESTIGO], env=dict(env, TESTIGO_DATA_DIR=b_dir),
                               stdout=subprocess.DEVNULL)
    processes.append(process)
    app = find_app(process)
    summaries = []
    for attempt in range(2):
        open_menu_item(app, NAMES["import"])
        chose = choose_in_chooser(app, NAMES["import_title"], NAMES["chooser_import"], geo, save=False)
        done = top_window(app, NAMES["import_done"], timeout=60)
        summaries.append(labels(done) if done else [])
        if attempt == 0:
            shot("import", NAMES["import_done"])
        dismiss(app, NAMES["import_done"])
    first = any(NAMES["summary"] % (60, 0) in l for l in summaries[0])
    tap(first, "menu → file chooser → \"60 imported, 0 already here, 0 rejected\"",
        "labels=%s" % summaries[0])
    again = any(NAMES["summary"] % (0, 60) in l for l in summaries[1])
    tap(again, "the same file again: \"0 imported, 60 already here, 0 rejected\"",
        "labels=%s" % summaries[1])

    empty = os.path.join(tmp, "out", "empty.geojson")
    open(empty, "w").close()
    open_menu_item(app, NAMES["import"])
    choose_in_chooser(app, NAMES["import_title"], NAMES["chooser_import"], empty, save=False)
    fail = top_window(app, NAMES["nothing"], timeout=20)
    said = fail is not None and any(NAMES["empty"] in l for l in labels(fail))
    tap(said, "an empty file: \"Nothing Was Imported\" and the importer's \"empty\"",
        "labels=%s" % (labels(fail) if fail else None))
    dismiss(app, NAMES["nothing"])

    # A report in Testigo's form with a file source, imported: the file's
    # row shows its custody history (imported, created) and the chain.
    def restart_b():
        nonlocal process, app
        quit_app(process, app)
        process = subprocess.Popen([TESTIGO], env=dict(env, TESTIGO_DATA_DIR=b_dir),
                                   stdout=subprocess.DEVNULL)
        processes.append(process)
        app = find_app(process)
        return app

    global restart
    restart = restart_b
    custody_ok, why = check_custody(app, tmp)
    tap(custody_ok, "a file source's row shows its custody history (imported, created, exported "
        "as GeoJSON for the organisation) and a whole chain", why)

    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly", "status %s" % status)

    # Protection at rest: after the import, no title or narrative of the 60
    # reports is readable in any file of the store's folder.
    texts = []
    for _geometry, props in features_by_id(geo).values():
        texts.append(props.get("title"))
        texts.append((props.get("narrative") or "")[:40])
    hits = tap_scan.plain_hits(b_dir, texts)
    tap(tap_scan.control(b_dir) and texts and not hits,
        "after the import no title or narrative is readable in the store's folder (encrypted at rest)",
        repr(hits[:4]))

    # Round trip: the new store exports the same reports, field by field.
    again_path = os.path.join(tmp, "out", "again.geojson")
    subprocess.run([TESTIGO, "--export", again_path], env=dict(env, TESTIGO_DATA_DIR=b_dir),
                   stdout=subprocess.DEVNULL, check=False)
    a, b = features_by_id(geo), features_by_id(again_path) if os.path.exists(again_path) else {}
    b.pop("0190a7c2-6f5e-7d3a-9c1b-2a3b4c5d6e7f", None)  # the custody check's report
    differ = [k for k in a if a[k] != b.get(k)]
    tap(len(a) == 60 and set(a) == set(b) and not differ,
        "export → import into an empty store → the same 60 reports, field by field",
        "a=%d b=%d differ=%s" % (len(a), len(b), differ[:3]))


tmp = tempfile.mkdtemp(prefix="testigo-exchange-ui-")
try:
    main(tmp)
except Exception as e:
    import traceback
    traceback.print_exc()
    tap(False, "the test ran to its end", repr(e))
finally:
    for p in processes:
        if p.poll() is None:
            p.kill()
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(0 if results and all(results) else 1)
