"""Compare runs: which settings differ between them, and what that did to the results.

    python -m common.compare                          # every run of the script run most recently on real data
    python -m common.compare runs/reuters_lstm        # every run of one script
    python -m common.compare RUN_FOLDER RUN_FOLDER    # just these runs
    python -m common.compare GROUP_A GROUP_B          # two --seeds groups: a real difference, or noise?

Prints one row per run and writes a figure, runs/compare/<time>-<script>.png (never over an
earlier one, never into the folders it reads): loss and accuracy per epoch as each run measured
them (on the test set, as the book does, or on a validation split), one curve per run, labelled
by the settings that differ. A --seeds group is one row (its mean ± standard deviation over the
seeds, its seeds as a range) and one band. Runs on synthetic data
(--dry-run) or a cut-down copy of a dataset are marked as such. Given two groups, it prints
the difference of their mean test accuracies with a 95% confidence interval (Welch's t) and
says whether that is within seed noise. Reads only the run folders' files; loads no TensorFlow.
"""
import sys
from pathlib import Path

from common.errors import OneLineParser, ScriptError, UsageError
from common.files import new_file, write_atomically
from common.records.run_folder import (DRY_RUNS, GROUP, METRICS, NOT_RUNS, RUNS_ROOT, Group, is_group, is_number, score_name,
                                      is_run, read_group, read_run, runs_newest_first, script_folder)
from common.records.spread import welch_interval

FIGURES = RUNS_ROOT / "compare"  # where the figures go unless --out names a file


def run_folders(paths):
    """Expand the command line: a folder of runs stands for every run and group in it (its dry
    runs, in dry-run/, only when named). No paths: every run of the script run most recently on
    real data; with no real run yet, the dry runs of the script dry-run most recently."""
    if not paths:
        for patterns in ((f"*/*/{METRICS}", f"*/*/{GROUP}"), (f"*/{DRY_RUNS}/*/{METRICS}", f"*/{DRY_RUNS}/*/{GROUP}")):
            records = [path for pattern in patterns for path in RUNS_ROOT.glob(pattern)
                       if path.parent.name not in NOT_RUNS]
            newest = max(records, key=lambda p: p.stat().st_mtime, default=None)
            if newest is not None:
                break
        if newest is None:
            raise ScriptError(f"no runs under {RUNS_ROOT}/ yet: run a script first, or name run folders")
        paths = [newest.parent.parent]
    folders = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise ScriptError(f"{path} is not a folder")
        folders += [path] if is_run(path) or is_group(path) else sorted(
            p for p in path.iterdir() if p.is_dir() and p.name not in NOT_RUNS)
    return folders


def collect(folders):
    """The readable runs, and a note for each folder skipped."""
    records, notes = [], []
    for folder in folders:
        try:
            records.append(read_group(folder) if is_group(folder) else read_run(folder))
        except ValueError as error:
            notes.append(f"skipped {folder}: not a complete run ({error})")
    scripts = sorted({record.metrics["script"] for record in records})
    if len(scripts) > 1:
        raise UsageError(f"these runs come from different scripts ({', '.join(scripts)}); compare one script at a time")
    return records, notes


def differing_settings(records):
    names = sorted({name for record in records for name in record.settings})
    return [name for name in names if len({repr(r.settings.get(name)) for r in records}) > 1]


def data_kind(record):
    """What the run learned from: real data, synthetic (--dry-run), or a cut-down copy."""
    if record.metrics.get("synthetic_data"):
        return "synthetic"
    return "cut-down" if record.metrics.get("cut_down_data") else "real"


def label(record, names):
    """The run's folder name, the settings in which it differs from the others, and its data
    unless that is the real dataset."""
    differences = [f"{name}={record.settings.get(name)}" for name in names]
    if data_kind(record) != "real":
        differences.append(f"{data_kind(record)} data")
    return f"{record.name}: {', '.join(differences)}" if differences else record.name


def score_cell(record):
    """The run's result (its score: test accuracy unless its script names another), for a group
    the mean and spread over its seeds; a run whose score differs from the table's says which."""
    name = score_name(record.metrics)
    if isinstance(record, Group):
        found = record.summary.get(name)
        return f"{found['mean']:.4f} ± {found['std']:.4f} (n={found['n']})" if found else "-"
    return f"{record.metrics[name]:.4f}" if is_number(record.metrics.get(name)) else "-"


def score_title(records):
    names = {score_name(record.metrics) for record in records}
    return "accuracy" if names == {"test_accuracy"} else " / ".join(sorted(pretty(name) for name in names))


def pretty(score):
    return score.removeprefix("test_").replace("_", " ")


def group_difference(groups):
    """For two --seeds groups: the difference of their mean scores, its 95% interval, a verdict."""
    first, second = groups
    name = score_name(first.metrics)
    values = [[member.metrics[name] for member in group.members] for group in groups]
    difference, (low, high), df = welch_interval(*values)
    verdict = "within seed noise" if low <= 0 <= high else "a real difference"
    return (f"Test {pretty(name)}, {first.name} minus {second.name}: {difference:+.4f}, 95% interval "
            f"[{low:+.4f}, {high:+.4f}] (Welch's t, {df:.1f} degrees of freedom): {verdict}.")


def table(records, names):
    columns = ["run", "started", "data", *names, "epochs done",  # "done": apart from an epochs setting
               "best loss", "final loss", score_title(records), "s/epoch", "status"]
    rows = []
    for record in records:
        losses, metrics = record.curve("loss"), record.metrics
        seconds = metrics.get("seconds_per_epoch") or []
        rows.append([
            record.name, metrics.get("started", "?").replace("T", " ")[:16], data_kind(record),
            *(str(record.settings.get(name)) for name in names),
            str(metrics.get("epochs_completed", len(losses))),
            f"{min(losses):.4f}" if losses else "-", f"{losses[-1]:.4f}" if losses else "-",
            score_cell(record),
            f"{sum(seconds) / len(seconds):.1f}" if seconds else "-", metrics.get("status", "?"),
        ])
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows)]
    lines = ("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in [columns, *rows])
    return "\n".join(line.rstrip() for line in lines)


def checked_on(record):
    """What a run's curves per epoch were measured on: the test set (the book's validation_data)
    or a validation split carved from the training data (early stopping's, with validation_size)."""
    metrics = record.members[0].metrics if isinstance(record, Group) and record.members else record.metrics
    split = metrics.get("validation_size") and metrics.get("settings", {}).get("validate_on") != "test"
    return "validation" if split else "test"


def figure(records, names):
    from common import plots

    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for record in records:
        for ax, metric in zip(axes, ("loss", "accuracy")):
            curve = record.curve(metric)
            epochs = range(1, len(curve) + 1)
            line, = ax.plot(epochs, curve, marker=".", label=label(record, names))
            if isinstance(record, Group):  # a band of one standard deviation over its seeds
                band = record.band(metric)
                ax.fill_between(epochs, curve - band, curve + band, color=line.get_color(), alpha=0.2)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{' or '.join(sorted(set(map(checked_on, records))))} {metric}")
        ax.grid()
        ax.xaxis.set_major_locator(plots.epoch_ticks())
    axes[0].legend(fontsize="small")
    fig.suptitle(f"{records[0].metrics['script']}: {len(records)} compared")
    fig.tight_layout()
    return fig


def summary_against_previous(script, current_folder, metrics):
    """One or two lines: how this run compares with the previous run of the same script on the
    same kind of data (a dry run with the dry runs, real work with real work)."""
    name = score_name(metrics)
    if not is_number(metrics.get(name)) or not is_number(metrics.get("test_loss")):
        return None
    synthetic = bool(metrics.get("synthetic_data"))
    others = (folder for folder in runs_newest_first(script, within=script_folder(script, synthetic))
              if folder.resolve() != Path(current_folder).resolve())
    for folder in others:  # reading only as far back as needed
        try:
            record = read_run(folder)
        except ValueError:
            continue
        previous = record.metrics
        if (bool(previous.get("synthetic_data")) == synthetic and is_number(previous.get(name))
                and is_number(previous.get("test_loss"))):
            break
    else:
        return None
    changes = [f"{setting} {previous['settings'].get(setting, '(not recorded)')} -> {value}"  # a setting added since
               for setting, value in metrics["settings"].items() if previous["settings"].get(setting) != value]
    change = metrics[name] - previous[name]
    verdict = "better" if change > 0 else "worse" if change < 0 else "the same"
    return (f"Compared with the previous run ({record.name}): test {pretty(name)} {metrics[name]:.4f} "
            f"vs {previous[name]:.4f} ({verdict}, {change:+.4f}); test loss "
            f"{metrics['test_loss']:.4f} vs {previous['test_loss']:.4f}.\n"
            f"Settings changed: {', '.join(changes) if changes else 'none'}.")


def figure_path(out, script):
    """--out as given, else a new file under runs/compare/; never an existing file."""
    if out:
        path = Path(out)
        if path.exists():
            raise ScriptError(f"--out: {path} already exists; a figure never replaces another, choose a new name")
        return path
    return new_file(FIGURES, ".png", stem=f"-{script}")


def main(argv=None):
    parser = OneLineParser(prog="python -m common.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="*", help="run folders, or a folder of runs (default: the latest script's runs)")
    parser.add_argument("--out", help=f"the figure's file, new (default: {FIGURES}/<time>-<script>.png)")
    try:
        args = parser.parse_args(argv)
        records, notes = collect(run_folders(args.runs))
        if not records:
            raise ScriptError("no complete run to compare")
        out = figure_path(args.out, records[0].metrics["script"])
    except (UsageError, ScriptError) as error:
        print(f"compare: error: {error}", file=sys.stderr)
        return 2 if isinstance(error, UsageError) else 1
    for note in notes:
        print(note, file=sys.stderr)
    records.sort(key=lambda record: record.metrics.get("started", ""))
    names = differing_settings(records)
    print(table(records, names))
    groups = [record for record in records if isinstance(record, Group)]
    if len(groups) == 2:
        print("\n" + group_difference(groups))
    fig = figure(records, names)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out, lambda path: fig.savefig(path, format="png", dpi=110))
    except OSError as error:
        print(f"compare: error: cannot write the figure {out}: {error.strerror or error}", file=sys.stderr)
        return 1
    finally:
        from common import plots

        plots.pyplot().close(fig)
    print(f"\nFigure: {out}")
    return 0


if __name__ == "__main__":
    from common.signals import stop_quietly_on_signals

    stop_quietly_on_signals()  # Ctrl-C: one line, exit 130
    sys.exit(main())
