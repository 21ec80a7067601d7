"""--seeds N: the same settings trained N times, with seeds SEED, SEED+1, ..., and their spread.

Each seed runs as its own process, exactly as `python SCRIPT.py --seed K` would (so any member
can be rerun alone and give the same history), into runs/<script>/<time>-seeds/seed<K>/.
The group folder then gets group.json (mean, std, min and max of the test accuracy and loss)
and seeds.png. Ctrl-C or SIGTERM goes to the seed that is training, which stops and saves as
any run does; the group keeps the seeds that finished and says how many.
"""
import datetime
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from common import files
from common.cli import flag_name
from common.records import run_folder
from common.records.spread import spread


def claim_group_folder(script, out, dry_run):
    """The group's folder, made for this process alone (common/records/run_folder.py: claim)."""
    folder = Path(out) if out else run_folder.script_folder(script, dry_run) / f"{files.timestamp()}-seeds"
    return run_folder.claim(run_folder.plan(folder, fixed=bool(out)), fixed=bool(out))


def member_command(script_path, config, args, seed, folder):
    """The command line of one seed: every setting spelled out, so the run stands on its own."""
    settings = {**vars(config), "seed": seed, "seeds": 1}
    flags = [f"{flag_name(name)}={value}" for name, value in settings.items()]
    return [sys.executable, str(script_path), *flags, "--out", str(folder), *(["--dry-run"] if args.dry_run else [])]


def run_member(command):
    """Run one seed in its own session, passing it the signals this process receives; its exit code."""
    child = subprocess.Popen(command, start_new_session=True)  # a terminal's Ctrl-C reaches it once, from here
    received = []

    def forward(signum, frame):
        received.append(signum)
        child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        return child.wait(), received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def summarize(members, book):
    """group.json's numbers and the lines to print, from the finished members' metrics: the test
    accuracy and loss, then any other test score every member has (translate_en_ko.py: chrF,
    BLEU); the book's numbers are placed against the seeds' range (pass none for synthetic data)."""
    scores = sorted({name for member in members for name, value in member.metrics.items() if name.startswith("test_")
                     and isinstance(value, (int, float)) and not isinstance(value, bool)}
                    - {"test_accuracy", "test_loss", "test_size"})  # test_size: how many were tested, not a score
    summary, lines = {}, []
    for name in ("test_accuracy", "test_loss", *scores):
        values = [member.metrics.get(name) for member in members]
        if name in scores and not all(isinstance(value, (int, float)) for value in values):
            continue  # a score some members lack
        summary[name] = found = spread(values)
        lines.append(f"Test {name.removeprefix('test_').replace('_', ' ')} over {found['n']} seeds: {found['mean']:.4f} "
                     f"± {found['std']:.4f} (min {found['min']:.4f}, max {found['max']:.4f})")
    a = summary["test_accuracy"]
    for label, value in (book or {}).items():
        where = "inside" if a["min"] <= value <= a["max"] else "below" if value < a["min"] else "above"
        lines.append(f"{label}: {value:.4f}, {where} the seeds' range")
    return summary, lines


def main(script_path, config, args, book=None):
    """Train the seeds one after another; summarize what finished; return the exit code."""
    script = Path(script_path).stem
    folder = claim_group_folder(script, args.out, args.dry_run)
    book = {} if args.dry_run else book  # synthetic data says nothing about the book's numbers
    seeds = list(range(config.seed, config.seed + config.seeds))
    finished, status, code, started = [], "completed", 0, time.perf_counter()
    started_at = datetime.datetime.now().isoformat(timespec="seconds")
    for number, seed in enumerate(seeds, start=1):
        print(f"\n=== seed {seed} ({number} of {len(seeds)}) ===", flush=True)
        code, received = run_member(member_command(script_path, config, args, seed, run_folder.seed_folder(folder, seed)))
        if code == 0:
            finished.append(seed)
            continue
        status = (f"interrupted ({signal.Signals(received[0]).name})" if received
                  else f"seed {seed} ended with exit code {code}")
        break
    seconds = time.perf_counter() - started
    members = [run_folder.read_run(run_folder.seed_folder(folder, seed)) for seed in finished]
    took = f"{seconds / 60:.1f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"
    print(f"\n{len(finished)} of {len(seeds)} seeds finished ({status}) in {took}.")
    if not members:
        run_folder.release(folder)
        return code
    summary, lines = summarize(members, book)
    settings = {name: value for name, value in vars(config).items() if name not in ("seed", "seeds")}
    ran = members[0].metrics.get("ran")  # what ran where a setting could not (BATCH_HALVES off TensorFlow)
    summary = {"script": script, "status": status, "seeds": seeds, "finished": finished, "seconds": round(seconds, 1),
               "settings": settings, **({"ran": ran} if ran else {}), "synthetic_data": bool(args.dry_run),
               "book": book or {}, **summary, "started": started_at}
    from common import plots

    figure = plots.seeds_figure(run_folder.Group(folder, summary, members), book or {})
    written = [files.write_atomically(folder / run_folder.SEEDS_FIGURE,
                                      lambda path: figure.savefig(path, format="png", dpi=110)),
               files.write_text(folder / run_folder.GROUP, json.dumps(summary, indent=2) + "\n")]
    run_folder.release(folder)
    plots.show_or_close(figure, show=False)
    print(*lines, sep="\n")
    print("Saved:", *(f"  {path}" for path in written), sep="\n")
    return code
