"""Ctrl-C at many moments of a script's start-up: does any of them end in a traceback?

Starts `SCRIPT --dry-run` again and again and sends it SIGINT 0, 5 s / MOMENTS, ..., 5 s after
its process became Python: while Python starts, while the command line is read, while Keras
(and, where installed, JAX, PyTorch and TensorFlow beside it) loads, and once training runs.
Every try must end with exit code 130 and no traceback, nor Python's "Exception ignored"
report; a stop before training must say exactly one line. A Ctrl-C before the script could set its handler (Python
starting, or the signal module loading: tens of milliseconds on a loaded machine) gets Python's
own KeyboardInterrupt report, which no script can prevent: such tries are counted apart. Prints one line per try and a summary; exit 1 if any try failed. A measurement of the machine it runs on, not a unit test: the moments a signal can
land on are the machine's.

    python bench/ctrl_c_probe.py                              # reuters_lstm.py, 30 moments
    KERAS_BACKEND=jax python bench/ctrl_c_probe.py --moments 30 --script imdb_cnn_lstm.py
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRACEBACK_SIGNS = ("Traceback", "Exception ignored", "KeyboardInterrupt")
PROJECT_FRAME = re.compile(r'File "([^"]+)", line \d+, in <module>\n {4}(.*)')


def before_the_handler(stderr):
    """Python's own report of a Ctrl-C that came before a script could set its handler: while
    Python starts (site), as it enters the script (line 0), or while the script's first line
    imports the signal module the handler needs (common/__init__.py). Nothing of the script has
    run that a stop could lose, and no script can answer it."""
    if "Failed to import the site module" in stderr or ", line 0, in <module>\nKeyboardInterrupt" in stderr:
        return True
    ours = [(file, line) for file, line in PROJECT_FRAME.findall(stderr) if file.startswith(str(REPO))]
    return bool(ours) and ours[-1][0] == str(REPO / "common" / "__init__.py") and ours[-1][1].startswith("import signal")


def started_python(process, script, patience=5.0):
    """Wait until the child process is Python (its exec done): a signal that comes between fork
    and exec reaches the launcher's copy of Python's handler and is lost, a moment that belongs
    to whatever started the script, not to the script. Linux's /proc says; elsewhere, no wait."""
    cmdline = Path(f"/proc/{process.pid}/cmdline")
    deadline = time.monotonic() + patience
    while cmdline.exists() and time.monotonic() < deadline:
        try:
            if str(REPO / script).encode() in cmdline.read_bytes():
                return
        except OSError:  # it has ended
            return
        time.sleep(0.001)


def one_try(script, delay, folder):
    process = subprocess.Popen([sys.executable, str(REPO / script), "--dry-run", "--out", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started_python(process, script)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    lines = stderr.strip().splitlines()
    trained = (folder / "history.csv").exists()
    if before_the_handler(stderr):
        return [], ["(before the handler) " + lines[-1]], False
    problems = [sign for sign in TRACEBACK_SIGNS if sign in stderr]
    if process.returncode not in (130, -signal.SIGINT):  # -2: before Python set its handler; a shell says 130
        problems.append(f"exit code {process.returncode}")
    if not trained and len(lines) > 1:
        problems.append(f"{len(lines)} lines before training")
    return problems, lines, trained


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default="reuters_lstm.py")
    parser.add_argument("--moments", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    # As from a terminal: the scripts start with Ctrl-C's default action. A shell without job control
    # (CI's lanes run in the background) starts its jobs with SIGINT ignored, which Python and every
    # child keep until a handler is set: a signal in a script's first milliseconds was lost there.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(f"{args.script} --dry-run, SIGINT at {args.moments} moments of its first {args.seconds:g} s, "
          f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', 'tensorflow')}")
    failed = early = 0
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(args.moments):
            delay = args.seconds * index / max(args.moments - 1, 1)
            problems, lines, trained = one_try(args.script, delay, Path(scratch) / f"run{index}")
            failed += bool(problems)
            early += bool(lines) and lines[0].startswith("(before the handler)")
            said = lines[-1] if lines else "(nothing)"
            print(f"{delay:5.2f} s  {'FAILED: ' + ', '.join(problems) if problems else 'ok'}  "
                  f"{'(stopped in training) ' if trained else ''}{said}")
            if problems:
                print("        " + "\n        ".join(lines))
    print(f"{args.moments - failed} of {args.moments} tries ended cleanly"
          + (f" ({early} of them before the handler was set, with Python's own report)" if early else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
