"""The test suite's wall time with one test worker and with a worker per core, side by side.

    python bench/suite_workers.py                 # -n 0 (one process, no workers), then -n auto
    python bench/suite_workers.py --workers 0 2 4 --rounds 2
    python bench/suite_workers.py tests/test_text.py      # a part of the suite

pytest.ini runs the suite with `-n auto` (pytest-xdist): most of a test's time is a script's own
process starting Python and Keras on one core, so tests can share the machine. Each setting runs
the whole suite in a fresh pytest process, the settings taking turns round after round; the peak
memory is the most that all the suite's processes (workers and the scripts they start) held at
once, sampled every half second from /proc.
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def descendants(root):
    """The pids of every process below root, from /proc (Linux)."""
    children = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        children.setdefault(int(fields[1]), []).append(int(status.parent.name))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children.get(pid, []))
    return found


def resident_bytes(pids):
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total


def run_suite(workers, tests):
    """Wall seconds, peak resident bytes of the whole process tree, pytest's last line."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", workers, *tests]
    started, peak = time.perf_counter(), 0
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as suite:
        while suite.poll() is None:
            peak = max(peak, resident_bytes(descendants(suite.pid)))
            time.sleep(0.5)
        output = suite.stdout.read()
    summary = re.findall(r"^=*\s*(\d+ (?:passed|failed).*?)\s*=*$", output, flags=re.M)
    return time.perf_counter() - started, peak, summary[-1] if summary else output.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", nargs="+", default=["0", "auto"], help="values of pytest's -n to compare")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("tests", nargs="*", help="test files (default: the whole suite)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, {len(os.sched_getaffinity(0))} usable", flush=True)
    results = {workers: [] for workers in args.workers}
    for round_number in range(1, args.rounds + 1):
        for workers in args.workers:
            seconds, peak, summary = run_suite(workers, args.tests)
            results[workers].append((seconds, peak))
            print(f"round {round_number}, -n {workers}: {seconds:.0f} s, peak {peak / 2**30:.1f} GiB, {summary}",
                  flush=True)
    baseline = min(seconds for seconds, _ in results[args.workers[0]])
    print(f"\n{'-n':>6} {'best s':>9} {'peak GiB':>9} {'time / -n ' + args.workers[0]:>14}")
    for workers, runs in results.items():
        best = min(seconds for seconds, _ in runs)
        print(f"{workers:>6} {best:9.0f} {max(peak for _, peak in runs) / 2**30:9.1f} {best / baseline:14.2f}")


if __name__ == "__main__":
    main()
