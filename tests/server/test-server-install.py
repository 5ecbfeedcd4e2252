#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An admin's first hour with testigo-server, checked without installing:
#
# - the man page names every option and command `--help` lists, and groff
#   and man render it without a warning;
# - the systemd unit reads the configuration file from where the build
#   installs it (for this prefix), and what its Documentation= names is
#   installed; it sets LimitNOFILE;
# - pointed at a missing configuration file, the server exits 1 and names
#   the file.
#
# Usage: test-server-install.py BINARY MAN_PAGE BUILD_ROOT
# TAP on standard output.

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

binary, man_page, build_root = sys.argv[1:4]
results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def help_text():
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    return subprocess.run([binary, "--help"], capture_output=True, text=True,
                          env=env, check=True).stdout


def rendered_man():
    # no hyphenation, wide lines, no overstrike: words stay whole
    out = subprocess.run(["groff", "-man", "-Tutf8", "-rHY=0", "-rLL=300n", "-P-cbou",
                          man_page], capture_output=True, text=True, check=True).stdout
    return out.replace("\u2010", "-").replace("\u2212", "-")


# 1. every option and command of --help is in the man page -------------------

text = help_text()
options = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text.split("Commands:")[0])))
shorts = sorted(set(re.findall(r"^\s+(-[a-zA-Z]),", text, re.M)))
commands = []
in_commands = False
for line in text.splitlines():
    if line.startswith("Commands:"):
        in_commands = True
        continue
    if in_commands:
        m = re.match(r"^  (\S.*?)(\s{2,}|$)", line)
        if m and not m.group(1).startswith("("):
            words = m.group(1).split()
            # "user add NAME …": the command is the words before the first
            # argument in capitals or option
            name = []
            for w in words:
                if w.isupper() or w.startswith("-") or w.startswith("["):
                    break
                name.append(w)
            commands.append(" ".join(name))

man = rendered_man()
check("--help lists options and commands", len(options) >= 10 and len(commands) >= 8,
      f"options {options}, commands {commands}")
for opt in options:
    check(f"man page documents {opt}", re.search(re.escape(opt) + r"\b", man) is not None)
for opt in shorts:
    check(f"man page documents {opt}", re.search(r"(?<![\w-])" + re.escape(opt) + r"\b", man) is not None)
section = man.split("COMMANDS", 1)[-1].split("OPTIONS", 1)[0]
for command in commands:
    check(f"man page's COMMANDS documents \"{command}\"", command in section)

# 2. it renders without warnings ---------------------------------------------

groff = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", man_page],
                       capture_output=True, text=True)
check("groff -ww renders it without warnings", groff.returncode == 0 and groff.stderr == "",
      groff.stderr)
if shutil.which("man"):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    m = subprocess.run(["man", "--warnings", "-l", man_page], capture_output=True,
                       text=True, env=env)
    check("man -l renders it without warnings",
          m.returncode == 0 and m.stderr == "" and "testigo-server" in m.stdout, m.stderr)

# 3. the unit and the installed files agree -----------------------------------

with open(os.path.join(build_root, "meson-info", "intro-installed.json")) as f:
    installed = json.load(f)
by_name = {}
for source, dest in installed.items():
    by_name.setdefault(os.path.basename(dest), []).append((source, dest))

conf = [d for s, d in by_name.get("testigo-server.conf", [])]
units = [(s, d) for s, d in by_name.get("testigo-server.service", [])]
check("the configuration file is installed", len(conf) == 1, str(conf))
check("the unit is installed", len(units) == 1, str(units))
if len(conf) == 1 and len(units) == 1:
    with open(units[0][0]) as f:
        unit = f.read()
    m = re.search(r"^ExecStart=\S+ .*--config (\S+)", unit, re.M)
    check("the unit passes --config", m is not None, unit)
    if m:
        check("the unit's --config is where the file is installed", m.group(1) == conf[0],
              f"unit reads {m.group(1)}, the file goes to {conf[0]}")
    check("the unit does not read ${CONFIGURATION_DIRECTORY} (always /etc)",
          "CONFIGURATION_DIRECTORY" not in unit)
    check("the unit sets LimitNOFILE", re.search(r"^LimitNOFILE=\d+$", unit, re.M) is not None)
    docs = re.findall(r"^Documentation=(\S+)$", unit, re.M)
    check("the unit has Documentation=", len(docs) >= 2, str(docs))
    dests = set(installed.values())
    for doc in docs:
        if doc.startswith("file://"):
            check(f"Documentation={doc} is installed", doc[len("file://"):] in dests)
        elif doc.startswith("man:"):
            m = re.match(r"man:([\w.-]+)\((\d)\)", doc)
            ok = m is not None and any(d.endswith(f"/man{m.group(2)}/{m.group(1)}.{m.group(2)}")
                                       for d in dests)
            check(f"Documentation={doc} is installed", ok)
        else:
            check(f"Documentation={doc} is a file or a man page", False)

# 4. a missing configuration file is named ------------------------------------

with tempfile.TemporaryDirectory() as tmp:
    missing = os.path.join(tmp, "no-such-dir", "testigo-server.conf")
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    r = subprocess.run([binary, "--config", missing, "--data-dir", tmp, "stats"],
                       capture_output=True, text=True, env=env, timeout=30)
    check("a missing --config exits 1", r.returncode == 1, f"exit {r.returncode}")
    check("a missing --config names the file", missing in r.stderr and "No such file" in r.stderr,
          r.stderr)
    r = subprocess.run([binary, "--config", missing], capture_output=True, text=True,
                       env=env, timeout=30)
    check("serving with a missing --config exits 1 naming it",
          r.returncode == 1 and missing in r.stderr, r.stderr)

print(f"1..{len(results)}")
for i, (name, ok, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} {name}")
    if not ok and detail:
        for line in str(detail).splitlines():
            print(f"# {line}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
