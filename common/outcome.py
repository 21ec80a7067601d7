"""How a training run ended, and stopping one cleanly on Ctrl-C or SIGTERM. Needs no framework,
so the NumPy training loop shares it with Keras's."""
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

EXIT_CODES = {"completed": 0, "interrupted (SIGINT)": 130, "interrupted (SIGTERM)": 143, "nan loss": 1}


@dataclass
class Outcome:
    """What training did: the history of the completed epochs, their duration, and why it stopped."""

    history: dict = field(default_factory=dict)
    seconds_per_epoch: list = field(default_factory=list)
    evaluation: dict = field(default_factory=dict)  # the test set's metrics after the last complete epoch
    status: str = "completed"
    stopped_in_epoch: int = 0

    def record_epoch(self, metrics, seconds):
        """Append one complete epoch: each metric's value, and how long the epoch took."""
        for name, value in metrics.items():
            self.history.setdefault(name, []).append(float(value))
        self.seconds_per_epoch.append(seconds)

    @property
    def epochs_completed(self):
        return len(self.seconds_per_epoch)

    @property
    def completed(self):
        return self.status == "completed"

    @property
    def exit_code(self):
        return EXIT_CODES[self.status]


@contextmanager
def stop_on_signals(outcome):
    """The first Ctrl-C or SIGTERM marks the outcome interrupted (the loop then stops at a safe
    point); a second one raises KeyboardInterrupt, which is caught here: the run stops at once."""

    def on_signal(signum, frame):
        if not outcome.completed:
            raise KeyboardInterrupt
        outcome.status = f"interrupted ({signal.Signals(signum).name})"
        print(f"\n{signal.Signals(signum).name}: stopping after this step and saving the run "
              "(Ctrl-C again stops at once)", file=sys.stderr, flush=True)

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except KeyboardInterrupt:
        if outcome.completed:
            outcome.status = "interrupted (SIGINT)"
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if not outcome.completed and not outcome.stopped_in_epoch:
            outcome.stopped_in_epoch = outcome.epochs_completed + 1


def report_nan(outcome):
    if outcome.status == "nan loss":
        print(f"Training stopped: the loss became NaN in epoch {outcome.stopped_in_epoch}. "
              "A learning rate that is too high is the usual cause; try a smaller one.", file=sys.stderr)
