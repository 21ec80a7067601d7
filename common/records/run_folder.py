"""What a run folder holds, written and read in this one place.

    runs/<script>/<timestamp>/   loss.png  history.csv  metrics.json  model.keras  tensorboard/
    runs/<script>/dry-run/...    the same for --dry-run, kept apart from real work

Every file is written through a temporary file and renamed, so a crash never leaves half
a file. Loads nothing heavy: `--rerun` and `python -m common.compare` read runs without
TensorFlow.
"""
import csv
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.errors import ScriptError
from common.files import write_text

RUNS_ROOT = Path("runs")
DRY_RUNS = "dry-run"  # runs/<script>/dry-run/<timestamp>/: dry runs, apart from real work
METRICS, HISTORY, LOSS_FIGURE, MODEL, TENSORBOARD = "metrics.json", "history.csv", "loss.png", "model.keras", "tensorboard"
GROUP, SEEDS_FIGURE = "group.json", "seeds.png"  # a --seeds group: its summary and figure; its runs in seed<K>/
EXPLAINED, GATES, ATTENTION = "explained", "gates", "attention"  # runs/<script>/...: --explain's pages, --gates' and --attention's figures
ALIGNMENT = "alignment"  # runs/translate_en_ko/alignment/: the translator's --explain figures
NOT_RUNS = (DRY_RUNS, EXPLAINED, GATES, ATTENTION, ALIGNMENT)  # the folders beside a script's runs that are not runs


CLAIM = ".claimed"  # in a --out folder while its run fills it: a second run there is refused


def plan(folder, fixed):
    """Check, before any data is loaded, that `folder` can be made and written (`fixed`: the user
    named it, so it must be new or empty); nothing is left behind. ScriptError saying why not."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScriptError(f"--out: {folder} is a file, not a folder")
    if fixed and folder.is_dir() and any(folder.iterdir()):
        raise ScriptError(f"--out: {folder} already holds files; a run never overwrites another, choose a new folder")
    nearest = next(parent for parent in [folder, *folder.parents] if parent.exists())
    try:  # a folder of a unique name, where this one would go: no other process can meet it
        os.rmdir(tempfile.mkdtemp(prefix=".write-test-", dir=nearest))
    except OSError as error:
        raise ScriptError(f"cannot write the run folder {folder}: {error.strerror or error}") from None
    return folder


def claim(planned, fixed):
    """Create the planned folder for this process alone, atomically: a default (timestamped) one
    gets a suffix if another process took it meanwhile; a --out folder is claimed by creating
    CLAIM in it exclusively, and a second process is refused in one line."""
    planned = Path(planned)
    try:
        if fixed:
            planned.mkdir(parents=True, exist_ok=True)
            try:
                os.close(os.open(planned / CLAIM, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                raise ScriptError(f"--out: another run took {planned} a moment ago; choose a new folder") from None
            if any(path.name != CLAIM for path in planned.iterdir()):
                release(planned)
                raise ScriptError(f"--out: {planned} already holds files; a run never overwrites another")
            return planned
        candidate, number = planned, 1
        while True:
            try:
                candidate.mkdir(parents=True)  # fails if it exists: made by this process alone
                return candidate
            except FileExistsError:
                number += 1
                candidate = planned.with_name(f"{planned.name}-{number}")
    except OSError as error:
        raise ScriptError(f"cannot write the run folder {planned}: {error.strerror or error}") from None


def discard(folder, fixed):
    """Remove what a run that saved nothing left in its folder (a --out folder stays, empty)."""
    folder = Path(folder)
    for path in folder.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    if not fixed:
        folder.rmdir()


def release(folder):
    """The run in `folder` is saved: another may be told it is there, but not use the folder."""
    (Path(folder) / CLAIM).unlink(missing_ok=True)


def history_csv(history, seconds, unit="epoch"):
    """One row per complete unit (an epoch, a step, a distance): its number, or its value where
    the history holds one (vanishing_gradient.py's distances), every metric logged, its seconds."""
    buffer = io.StringIO()
    metrics = [name for name in history if name != unit]
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([unit, *metrics, "seconds"])
    for row, took in enumerate(seconds):
        number = repr(history[unit][row]) if unit in history else row + 1
        writer.writerow([number, *(repr(history[m][row]) for m in metrics), f"{took:.3f}"])
    return buffer.getvalue()


def write_record(folder, history, seconds, metrics, unit="epoch"):
    """history.csv and metrics.json; returns their paths."""
    return [write_text(Path(folder) / HISTORY, history_csv(history, seconds, unit)),
            write_text(Path(folder) / METRICS, json.dumps(metrics, indent=2) + "\n")]


@dataclass
class Record:
    """A finished run as read back: its folder, metrics.json and history.csv (metric -> per-epoch list)."""

    folder: Path
    metrics: dict
    history: dict

    @property
    def name(self):
        return self.folder.name

    @property
    def settings(self):
        return self.metrics["settings"]

    def curve(self, metric):
        """The per-epoch test (validation) curve; the training curve where a script has no test set."""
        return self.history.get(f"val_{metric}") or self.history.get(metric) or []


def read_run(folder):
    """A run folder's metrics and history; ValueError saying why if it is not a complete run."""
    folder = Path(folder)
    try:
        metrics = json.loads((folder / METRICS).read_text(encoding="utf-8"))
        with open(folder / HISTORY, newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        history = {key: [float(row[key]) for row in rows] for key in (rows[0] if rows else {})}
        if not isinstance(metrics, dict) or "script" not in metrics or not isinstance(metrics.get("settings"), dict):
            raise ValueError("metrics.json lacks the script or its settings")
        check_fields(metrics, METRICS_FIELDS, METRICS)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None
    return Record(folder, metrics, history)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_numbers(value):
    return isinstance(value, list) and all(map(is_number, value))


# What the readers of run folders rely on, where present: a field of another type is a damaged file.
METRICS_FIELDS = {"script": (str, "text"), "status": (str, "text"), "started": (str, "text"),
                  "test_accuracy": (is_number, "a number"), "test_loss": (is_number, "a number"),
                  "epochs_completed": (int, "a whole number"), "steps_completed": (int, "a whole number"),
                  "seconds_per_epoch": (is_numbers, "a list of numbers"), "synthetic_data": (bool, "true or false")}
GROUP_FIELDS = {"script": (str, "text"), "status": (str, "text"), "started": (str, "text"),
                "settings": (dict, "an object"),
                "finished": (lambda v: isinstance(v, list) and v and all(type(s) is int for s in v),
                             "a list of the seeds that finished"),
                "test_accuracy": (lambda v: isinstance(v, dict) and all(is_number(v.get(k)) for k in ("mean", "std")),
                                  "a mean and a std"),
                "test_loss": (lambda v: isinstance(v, dict) and is_number(v.get("mean")), "a mean")}


def check_fields(record, fields, file):
    """ValueError naming the first field of `record` that is present but not what `fields` says."""
    for name, (kind, says) in fields.items():
        if name in record:
            value = record[name]
            fits = kind(value) if not isinstance(kind, type) else isinstance(value, kind) and (
                kind is bool or not isinstance(value, bool))
            if not fits:
                raise ValueError(f"{file}: {name} is {json.dumps(value)[:40]}, not {says}")


def is_run(folder):
    return (Path(folder) / METRICS).exists() or (Path(folder) / HISTORY).exists()


def score_name(metrics):
    """The metric that is a run's result: metrics.json's "score" where the script names one
    (caption_shapes.py: test_exact_unseen; translate_en_ko.py: test_chrf), else test_accuracy."""
    return metrics.get("score", "test_accuracy")


@dataclass
class Group:
    """A --seeds group as read back: its folder, group.json, and the runs that finished. It reads
    like one run (metrics, curve) whose numbers are the means over its seeds."""

    folder: Path
    summary: dict
    members: list

    @property
    def name(self):
        return self.folder.name

    @property
    def settings(self):
        """The group's settings, with its seeds as a range (the members differ only in the seed)."""
        seeds = self.summary.get("finished") or []
        seed = f"{min(seeds)}-{max(seeds)}" if len(seeds) > 1 else (seeds[0] if seeds else "-")
        return {**self.summary["settings"], "seed": seed, "seeds": len(seeds)}

    @property
    def metrics(self):
        seconds = [s for member in self.members for s in member.metrics.get("seconds_per_epoch", [])]
        return {**self.summary, "settings": self.settings, "test_accuracy": self.summary["test_accuracy"]["mean"],
                **({"score": self.members[0].metrics["score"]} if self.members and "score" in self.members[0].metrics else {}),
                "test_loss": self.summary["test_loss"]["mean"], "seconds_per_epoch": seconds,
                "epochs_completed": min(member.metrics["epochs_completed"] for member in self.members)}

    def curves(self, metric):
        """Every member's curve, cut to the shortest, as rows of an array."""
        curves = [member.curve(metric) for member in self.members]
        return np.array([curve[:min(map(len, curves))] for curve in curves])

    def curve(self, metric):
        return list(self.curves(metric).mean(axis=0))

    def band(self, metric):
        """One standard deviation of the members' curves, epoch by epoch."""
        curves = self.curves(metric)
        return curves.std(axis=0, ddof=1) if len(curves) > 1 else np.zeros(curves.shape[1])


def is_group(folder):
    return (Path(folder) / GROUP).exists()


def seed_folder(group_folder, seed):
    return Path(group_folder) / f"seed{seed}"


def read_group(folder):
    """A group folder's summary and its finished runs; ValueError saying why if it cannot be read."""
    folder = Path(folder)
    try:
        summary = json.loads((folder / GROUP).read_text(encoding="utf-8"))
        if not isinstance(summary, dict) or not {"script", "settings", "finished"} <= summary.keys():
            raise ValueError(f"{GROUP} lacks the script, its settings or its finished seeds")
        check_fields(summary, GROUP_FIELDS, GROUP)
        members = [read_run(seed_folder(folder, seed)) for seed in summary["finished"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None
    return Group(folder, summary, members)


def recorded_settings(folder, script):
    """For --rerun: the settings (by UPPER_CASE name) and the dry-run flag of an earlier run."""
    path = Path(folder) / METRICS
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        settings, recorded_script = recorded["settings"], recorded["script"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ScriptError(f"--rerun: {path} is missing or is not a run's {METRICS}") from None
    if recorded_script != script:
        raise ScriptError(f"--rerun: {folder} is a run of {recorded_script}, not of {script}")
    return {name.upper(): value for name, value in settings.items()}, bool(recorded.get("synthetic_data"))


def script_folder(script, dry_run=False):
    """Where a script's runs go by default: runs/<script>/, its dry runs in runs/<script>/dry-run/."""
    return RUNS_ROOT / script / DRY_RUNS if dry_run else RUNS_ROOT / script


def runs_newest_first(script, holding=METRICS, within=None):
    """The folders of a script's runs under runs/<script>/ (or `within`) that hold the file
    `holding`, most recent first."""
    found = Path(within or script_folder(script)).glob(f"*/{holding}")
    return [path.parent for path in sorted(found, key=lambda path: path.stat().st_mtime, reverse=True)]


def newest_trained(script, holding=MODEL, dry_run=False):
    """The folder of this script's most recent run under runs/ that trained a model to the end
    (not a stopped run) on real data, or with `dry_run` on synthetic data, and holds the file
    `holding`; or None."""
    for folder in runs_newest_first(script, holding=holding, within=script_folder(script, dry_run)):
        try:
            metrics = read_run(folder).metrics
        except ValueError:
            continue
        if metrics.get("status") == "completed" and bool(metrics.get("synthetic_data")) == dry_run:
            return folder
    return None


def provenance(model_path, doing="Answering"):
    """One line for stderr: which run's model is `doing` the work (Answering, Writing), and what it is worth."""
    folder = Path(model_path).parent
    try:
        metrics = read_run(folder).metrics
    except ValueError:
        return f"{doing}: {model_path} (no run record beside it)"
    facts = []
    accuracy, chrf = metrics.get("test_accuracy"), metrics.get("test_chrf")
    if isinstance(chrf, (int, float)):  # a translator: what its translations score, not its next-token accuracy
        facts.append(f"test chrF {chrf:.1f}")
    elif isinstance(accuracy, (int, float)):
        facts.append(f"test accuracy {accuracy:.4f}")
    for unit in ("epoch", "step"):
        done = metrics.get(f"{unit}s_completed")
        if isinstance(done, int):
            facts.append(f"{done} {unit}{'s' if done != 1 else ''}")
    if metrics.get("status") != "completed":
        facts.append(f"{metrics.get('status', 'unfinished')}: not trained to the end")
    if metrics.get("synthetic_data"):
        facts.append("trained on synthetic data (--dry-run): its answers mean nothing")
    elif metrics.get("cut_down_data"):
        facts.append(f"trained on a cut-down copy of the data ({metrics.get('train_size')} training examples)")
    return f"{doing}: the model of {folder} ({', '.join(facts) or 'no results recorded'})"
