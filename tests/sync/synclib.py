# synclib.py — what fault-sync.py and bench-sync.py share: the fault
# proxy driven through its stdin, and runs of tests/sync/sync-driver
# whose JSON lines are read as they come (so a run can be killed after a
# number of progress lines).
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def diag(text):
    print("# " + text, flush=True)


class Proxy:
    def __init__(self, target_port, seed, max_seconds, *extra):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fault-proxy.py"),
             "--target", "127.0.0.1:%d" % target_port, "--seed", str(seed),
             "--control", "--max-seconds", str(int(max_seconds))] + list(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline()
        if "listening on" not in first:
            raise RuntimeError("the proxy did not start: %r" % first)
        self.port = int(first.split()[3].rsplit(":", 1)[1])
        diag(first.strip())

    def command(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        while True:
            answer = self.process.stdout.readline()
            if not answer:
                raise RuntimeError("the proxy exited")
            if answer.startswith("ok"):
                return answer[3:].strip()
            if answer.startswith("error"):
                raise RuntimeError("proxy: " + answer.strip())

    def stats(self):
        return json.loads(self.command("stats"))

    def configure(self, **settings):
        for name, value in settings.items():
            self.command("set %s %s" % (name.replace("_", "-"), value))

    def stop(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        rest = self.process.stdout.read()
        self.process.wait(30)
        for line in rest.splitlines():
            if "stats" in line:
                diag(line)


class Run:
    """One driver process: its JSON events, exit status, whether it was
    killed mid-sync."""

    def __init__(self):
        self.events = []
        self.returncode = None
        self.killed = False
        self.stderr = ""

    def sync(self):
        for event in self.events:
            if event.get("event") == "sync":
                return event
        return None

    def made(self):
        for event in self.events:
            if event.get("event") == "made":
                return event
        return None


def run_driver(driver, args, timeout, kill_after_lines=None, kill_after_seconds=None,
               on_event=None):
    """Runs the driver with @args for @timeout seconds at most; SIGKILLs
    it mid-sync after @kill_after_lines progress lines or
    @kill_after_seconds, if given; @on_event(event, seconds since start)
    is called for each line as it arrives."""
    run = Run()
    process = subprocess.Popen([driver] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.monotonic()
    deadline = started + timeout
    buffer = b""
    progress_lines = 0
    streams = [process.stdout]
    while streams:
        now = time.monotonic()
        if now > deadline:
            process.kill()
            run.stderr += "[the driver ran past %d s and was killed]" % timeout
            break
        wait = min(0.05, deadline - now)
        ready = select.select(streams, [], [], wait)[0]
        if ready:
            data = os.read(process.stdout.fileno(), 65536)
            if not data:
                streams = []
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                run.events.append(event)
                if on_event is not None:
                    on_event(event, time.monotonic() - started)
                if event.get("event") == "progress":
                    progress_lines += 1
        in_sync = any(e.get("event") == "progress" for e in run.events) and run.sync() is None
        if in_sync and not run.killed and (
                (kill_after_lines is not None and progress_lines >= kill_after_lines) or
                (kill_after_seconds is not None and time.monotonic() - started >= kill_after_seconds)):
            process.send_signal(signal.SIGKILL)
            run.killed = True
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    run.stderr += err.decode("utf-8", "replace")
    run.returncode = process.returncode
    return run
