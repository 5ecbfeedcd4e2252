#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-potfiles.py SRCDIR
#
# Every string a person reads must reach the Spanish translation. Checks
# that po/POTFILES.in names only files that exist, that it names every
# source file with a translatable string (a forgotten file's strings would
# stay English with no warning), and that po/es.po translates every string
# xgettext finds in them, none left empty or fuzzy.
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]
os.chdir(root)
failures = []

listed = []
with open('po/POTFILES.in') as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith('#'):
            listed.append(line)
for path in listed:
    if not os.path.exists(path):
        failures.append(f'po/POTFILES.in names {path}, which does not exist')

marker = re.compile(r'\b(?:N?C?_|g_dngettext|ngettext)\s*\(\s*"|translatable="yes"')
for top in ('src',):
    for dirpath, _, files in os.walk(top):
        for name in files:
            if not name.endswith(('.c', '.ui')):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding='utf-8') as f:
                if marker.search(f.read()) and path not in listed:
                    failures.append(f'{path} has translatable strings but is not in po/POTFILES.in')

existing = [p for p in listed if os.path.exists(p)]
with tempfile.TemporaryDirectory() as tmp:
    files = os.path.join(tmp, 'files')
    pot = os.path.join(tmp, 'testigo.pot')
    with open(files, 'w') as f:
        f.write('\n'.join(existing) + '\n')
    subprocess.run(['xgettext', '--from-code=UTF-8', '--keyword=_', '--keyword=N_',
                    '--keyword=C_:1c,2', '--keyword=NC_:1c,2', '--keyword=g_dngettext:2,3',
                    '--keyword=ngettext:1,2', '-f', files, '-o', pot], check=True)
    cmp = subprocess.run(['msgcmp', 'po/es.po', pot], capture_output=True, text=True)
    for line in cmp.stderr.splitlines():
        if 'not used' not in line and 'warning' not in line:
            failures.append('es.po: ' + line)
    if cmp.returncode != 0 and not any(f.startswith('es.po') for f in failures):
        failures.append('msgcmp failed: ' + cmp.stderr.strip()[:500])
    for flag in ('--untranslated', '--only-fuzzy'):
        out = subprocess.run(['msgattrib', flag, '--no-obsolete', 'po/es.po'],
                             capture_output=True, text=True, check=True).stdout
        ids = [m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m]
        for msgid in ids:
            failures.append(f'es.po: "{msgid}" is {flag[2:]}')

print(f'{len(listed)} files listed, {len(failures)} problems')
for failure in failures:
    print('FAIL:', failure)
sys.exit(1 if failures else 0)
