# SPDX-License-Identifier: GPL-3.0-or-later
"""tap_shots — what the screenshot programs (tests/app/screenshots*.py)
share: the shots asked for on the command line, each language's locale
(compiled into a temporary folder when the system lacks it), and a shot
of the screen or of one top-level window. Xvfb has no window manager, so
a dialog is taken on its own (xwd -id), not from the root."""

import atexit
import os
import shutil
import subprocess
import tempfile

LOCALES = {"en": "en_US.UTF-8", "es": "es_PE.UTF-8"}


class Shots:
    """Shots written as @out/NAME.png; only those in @wanted, or all when
    it is empty. A shot of the screen is its top left @size."""

    def __init__(self, wanted=(), out="data/screenshots", size="1100x720"):
        self.wanted = set(wanted)
        self.out = out
        self.size = size
        os.makedirs(out, exist_ok=True)
        self.locpath = tempfile.mkdtemp(prefix="testigo-locales-")
        self.started = []
        atexit.register(self.done)

    def want(self, name):
        return not self.wanted or name in self.wanted

    def locale_env(self, lang):
        """LC_ALL (and LOCPATH if it had to be compiled) for @lang."""
        name = LOCALES[lang]
        have = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
        if name.replace("UTF-8", "utf8") in have or name in have:
            return {"LC_ALL": name}
        if not os.path.isdir(os.path.join(self.locpath, name)):
            subprocess.run(["localedef", "-i", name.split(".")[0], "-f", "UTF-8",
                            os.path.join(self.locpath, name)], check=True)
        return {"LC_ALL": name, "LOCPATH": self.locpath}

    def take(self, name, window=None):
        """@name's shot, when it is wanted: the X window @window (an id)
        whole, or the screen's top left."""
        if not self.want(name):
            return
        source = "-id %d" % window if window else "-root"
        crop = "" if window else "-crop %s+0+0 +repage" % self.size
        subprocess.run("xwd %s -silent | convert xwd:- %s %s/%s.png" % (source, crop, self.out, name),
                       shell=True, check=True)

    def start(self, argv, env):
        """The app started with @env, its output dropped. done(), or the
        program's exit however it comes, kills it if it still runs: an
        app left behind by a failed shot would keep the application's
        name on the bus, and the next one started would only hand it its
        window and exit."""
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
        self.started.append(process)
        return process

    def done(self):
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.started = []
        shutil.rmtree(self.locpath, ignore_errors=True)


def find_window(titles):
    """The id of the top-level X window with one of @titles, or None."""
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True).stdout
    for line in tree.splitlines():
        parts = line.split('"')
        if len(parts) > 2 and parts[1] in titles:
            return int(line.split()[0], 16)
    return None
