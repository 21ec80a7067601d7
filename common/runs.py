"""A run's folder: new for every run, filled atomically, never overwritten.

    runs/<script>/<timestamp>/   loss.png  history.csv  metrics.json  model.keras  tensorboard/
"""
import csv
import datetime
import io
import json
import os
import platform
import sys
from pathlib import Path

import numpy

from common.cli import UsageError

RUNS_ROOT = Path("runs")


def plan_folder(script, out=None):
    """Check, before any data is loaded, that this run's folder can be written; return it."""
    folder = Path(out) if out else RUNS_ROOT / script / datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out: {folder} is a file, not a folder")
    if out and folder.is_dir() and any(folder.iterdir()):
        raise UsageError(f"--out: {folder} already holds files; a run never overwrites another, choose a new folder")
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise UsageError(f"cannot write the run folder {folder}: {error.strerror or error}") from None
    if created:
        folder.rmdir()  # made again when training starts, so a failed start leaves nothing behind
    return folder


def claim_folder(planned, fixed):
    """Create the planned folder; a default (timestamped) one gets a suffix if taken meanwhile."""
    candidate, number = planned, 1
    while True:
        try:
            candidate.mkdir(parents=True, exist_ok=fixed)
            return candidate
        except FileExistsError:
            number += 1
            candidate = planned.with_name(f"{planned.name}-{number}")


def write_atomically(path, write):
    """Write through a temporary file and rename it: a crash never leaves half a file."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")  # keeps the suffix Keras checks
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_text(path, text):
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def history_csv(history, seconds_per_epoch):
    buffer = io.StringIO()
    metrics = list(history)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *metrics, "seconds"])
    for epoch, seconds in enumerate(seconds_per_epoch):
        writer.writerow([epoch + 1, *(repr(history[m][epoch]) for m in metrics), f"{seconds:.3f}"])
    return buffer.getvalue()


def environment():
    """Library versions, backend and device, so a run can be repeated and compared."""
    import matplotlib

    versions = {"python": platform.python_version(), "numpy": numpy.__version__, "matplotlib": matplotlib.__version__}
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores"
    if "keras" not in sys.modules:  # a run on NumPy alone: char_rnn_hello.py --impl numpy
        return {"backend": "numpy", "device": "CPU", "machine": machine, "versions": versions}
    import keras

    backend = keras.backend.backend()
    versions["keras"] = keras.__version__
    backend_module = __import__(backend)
    versions[backend] = backend_module.__version__
    return {"backend": backend, "device": device_name(backend, backend_module), "machine": machine,
            "versions": versions}


def device_name(backend, module):
    if backend == "tensorflow":
        gpus = module.config.list_physical_devices("GPU")
        return f"GPU ({len(gpus)})" if gpus else "CPU"
    if backend == "jax":
        device = module.devices()[0]
        return "CPU" if device.platform == "cpu" else f"GPU ({device.device_kind})"
    if backend == "torch":
        return f"GPU ({module.cuda.get_device_name()})" if module.cuda.is_available() else "CPU"
    return "unknown"


class Run:
    """The folder of one run and the files written into it."""

    def __init__(self, script, planned_folder, config, args):
        self.script = script
        self.folder = claim_folder(planned_folder, fixed=bool(args.out))
        self.config = config
        self.synthetic = bool(args.dry_run)
        self.started = datetime.datetime.now().isoformat(timespec="seconds")

    def path(self, name):
        return self.folder / name

    def metrics(self, outcome, evaluation, extra=None):
        settings = vars(self.config)
        return {
            "script": self.script,
            "status": outcome.status,
            "epochs_completed": outcome.epochs_completed,
            "epochs_planned": settings.get("epochs"),
            **{f"test_{name}": value for name, value in evaluation.items()},
            "seconds_per_epoch": [round(s, 3) for s in outcome.seconds_per_epoch],
            "settings": settings,
            "seed": settings.get("seed"),
            "synthetic_data": self.synthetic,
            "command_line": sys.argv,
            "started": self.started,
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            **environment(),
            **(extra or {}),
        }

    def save(self, model, outcome, metrics, figure):
        """Write the four outputs, each atomically; return their paths."""
        written = [
            write_atomically(self.path("loss.png"), lambda p: figure.savefig(p, format="png", dpi=110)),
            write_text(self.path("history.csv"), history_csv(outcome.history, outcome.seconds_per_epoch)),
            write_text(self.path("metrics.json"), json.dumps(metrics, indent=2) + "\n"),
        ]
        if hasattr(model, "save"):
            written.append(write_atomically(self.path("model.keras"), model.save))
        elif model is not None:  # a NumPy network: its parameters
            written.append(write_atomically(self.path("model.npz"), lambda p: numpy.savez(p, **model.params)))
        return written

    def finish(self, model, outcome, evaluation, show=False, extra=None, evaluated_on="test set"):
        """Plot, save everything, say where it went; return the script's exit code."""
        from common import compare, plots

        accuracy = evaluation.get("accuracy")
        title = f"{self.script}: " + (f"accuracy {accuracy:.4f} on the {evaluated_on}" if accuracy is not None
                                      else outcome.status)
        figure = plots.history_figure(outcome.history, title, show=show)
        metrics = self.metrics(outcome, evaluation, extra)
        written = self.save(model, outcome, metrics, figure)
        if not outcome.completed:
            print(f"Run stopped ({outcome.status}) in epoch {outcome.stopped_in_epoch}; "
                  f"what the {outcome.epochs_completed} complete epoch(s) learned is saved.")
        print("Saved:", *(f"  {path}" for path in written), sep="\n")
        comparison = compare.summary_against_previous(self.script, self.folder, metrics)
        if comparison:
            print(comparison)
        if show:
            import matplotlib.pyplot as plt

            plt.show()
        return outcome.exit_code


def newest_model(script):
    """The model.keras of this script's most recent run under runs/, or None."""
    models = sorted(RUNS_ROOT.glob(f"{script}/*/model.keras"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None
