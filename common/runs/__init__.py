"""One run of a script: its folder (new for every run, never overwritten), the clean stops
while it trains, and what it leaves behind (the files are described in common/records/run_folder.py);
and groups of runs, one per seed (seeds.py)."""
import datetime
import os
import platform
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from common import compare, files
from common.records import run_folder
from common.runs.outcome import Outcome, SignalStops, report_nan


def plan_folder(script, out=None, dry_run=False):
    """Check, before any data is loaded, that this run's folder can be written; return it. A dry
    run's default folder is under runs/<script>/dry-run/, apart from real work: it never becomes
    the model --predict answers with, nor the previous run a real one is compared with."""
    folder = Path(out) if out else run_folder.script_folder(script, dry_run) / files.timestamp()
    return run_folder.plan(folder, fixed=bool(out))


def environment():
    """Library versions, backend and device, so a run can be repeated and compared."""
    import matplotlib
    import numpy

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
    """A run of a script with these settings: planned at once (a folder that cannot be written
    is refused before any data is loaded), made when training starts, filled when it ends."""

    def __init__(self, args, config, unit="epoch"):
        self.script, self.config, self.args = args.script, config, args
        self.planned_folder = plan_folder(args.script, args.out, args.dry_run)
        self.folder = None
        self.outcome = Outcome(unit)  # unit: what one entry of the history is (an epoch, a step, a distance)
        self.signal_stops = SignalStops(self.outcome)
        self.started = None
        self.data = {}  # how many examples it trained and was tested on (common/text/datasets.py: sizes)
        self.ran = {}  # what ran where a setting asks for what this machine cannot do (BATCH_HALVES off TensorFlow)

    def path(self, name):
        return self.folder / name

    @property
    def completed(self):
        return self.outcome.completed

    @property
    def history(self):
        """Metric -> its value after each complete epoch, as Keras's History has it."""
        return self.outcome.history

    @contextmanager
    def training(self):
        """Make the run's folder, then train inside: from here until finish() has saved the run,
        Ctrl-C or SIGTERM ends training after the current step (a second Ctrl-C at once) and what
        was learned is kept (common/runs/outcome.py: SignalStops)."""
        self.folder = run_folder.claim(self.planned_folder, fixed=bool(self.args.out))
        self.started = datetime.datetime.now().isoformat(timespec="seconds")
        self.signal_stops.install()
        try:
            with self.signal_stops.training():
                yield self
        except Exception:  # training failed (out of memory, say): no half-written run folder is left
            run_folder.discard(self.folder, fixed=bool(self.args.out))
            self.signal_stops.restore()
            raise
        report_nan(self.outcome)

    def tested(self, metrics):
        """The test set's metrics, measured after training (model.evaluate's, return_dict=True): they
        replace fit's last pass over its validation data, which early stopping may have taken
        from the training set, and which the best epoch's weights may no longer give."""
        self.outcome.evaluation = dict(metrics)

    @property
    def evaluation(self):
        """The test set's loss and accuracy after training (fit's last pass over it); {} if stopped early."""
        return self.outcome.evaluation if self.completed else {}

    def headline(self, evaluated_on="test set"):
        accuracy = self.evaluation.get("accuracy")
        return f"{self.script}: " + (f"accuracy {accuracy:.4f} on the {evaluated_on}" if accuracy is not None
                                     else self.outcome.status)

    def metrics(self, extra=None):
        settings, outcome, unit = vars(self.config), self.outcome, self.outcome.unit
        return {
            "script": self.script,
            "status": outcome.status,
            f"{unit}s_completed": outcome.done,
            f"{unit}s_planned": settings.get(f"{unit}s"),
            **{f"test_{name}": value for name, value in self.evaluation.items()},
            f"seconds_per_{unit}": [round(s, 3) for s in outcome.seconds],
            "settings": settings,
            **({"ran": self.ran} if self.ran else {}),
            "seed": settings.get("seed"),
            "synthetic_data": bool(self.args.dry_run),
            **self.data,
            "command_line": sys.argv,
            "started": self.started,
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            **environment(),
            **(extra or {}),
        }

    def finish(self, model, figure, extra=None, model_file=run_folder.MODEL, figure_file=run_folder.LOSS_FIGURE,
               texts=None, figures=None):
        """Save the figure, the model (a script that trains none passes None), the script's own
        text files (texts: name -> content) and figures (figures: name -> figure), history.csv and
        metrics.json, each atomically; say where they went and how this run compares with the
        previous one; return the exit code."""
        metrics = self.metrics(extra)
        write = files.write_atomically
        drawn = {figure_file: figure, **(figures or {})}
        written = [*(write(self.path(name), lambda p, drawing=drawing: drawing.savefig(p, format="png", dpi=110))
                     for name, drawing in drawn.items()),
                   *([write(self.path(model_file), model.save)] if model is not None else []),
                   *(files.write_text(self.path(name), text) for name, text in (texts or {}).items()),
                   *run_folder.write_record(self.folder, self.history, self.outcome.seconds, metrics,
                                            unit=self.outcome.unit)]
        run_folder.release(self.folder)
        if not self.completed:
            print(self.stopped_line(saves_a_model=model is not None))
        print("Saved:", *(f"  {path}" for path in written), sep="\n")
        comparison = compare.summary_against_previous(self.script, self.folder, metrics)
        if comparison:
            print(comparison)
        if self.completed and self.outcome.signal_after_training not in (0, signal.SIGPIPE):
            name = signal.Signals(self.outcome.signal_after_training).name
            print(f"{name} came after training: the run is complete and saved in {self.folder}", file=sys.stderr)
        self.signal_stops.restore()
        from common import plots

        for drawing in drawn.values():
            plots.show_or_close(drawing, self.args.show)
        return self.outcome.exit_code

    def stopped_line(self, saves_a_model):
        """What a stopped run kept: its complete units only (the one cut short is not counted,
        whatever Keras printed for it)."""
        outcome, unit = self.outcome, self.outcome.unit
        units = f"{outcome.done} complete {unit}{'s' if outcome.done != 1 else ''}"
        cut = (f"Run stopped ({outcome.status}) in {unit} {outcome.stopped_in}, which is not counted: it was cut "
               "short, and any numbers printed for it cover only part of it.")
        if not saves_a_model:
            return f"{cut} The {units} {'are' if outcome.done != 1 else 'is'} saved."
        if not outcome.done:
            return f"{cut} No {unit} was complete: the model is saved as it was before training."
        return f"{cut} What the {units} learned is saved."
