"""How a training run ended, and stopping one cleanly on Ctrl-C or SIGTERM. Needs no framework:
the NumPy training loops fill an Outcome as Keras's fit does (common/training.py: Guard)."""
import math
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

from common.signals import Hold, quiet_about_interrupts

EXIT_CODES = {"completed": 0, "interrupted (SIGINT)": 130, "interrupted (SIGTERM)": 143, "interrupted (SIGPIPE)": 141,
              "nan loss": 1}


@dataclass
class Outcome:
    """What training did, counted in its unit (an epoch; a step of char_rnn_text.py; a distance of
    vanishing_gradient.py): the history of the complete ones, the seconds each took, and why it
    stopped."""

    unit: str = "epoch"
    history: dict = field(default_factory=dict)  # metric -> its value after each complete unit
    seconds: list = field(default_factory=list)  # how long each complete unit took
    evaluation: dict = field(default_factory=dict)  # the test set's metrics after the last complete epoch
    status: str = "completed"
    stopped_in: int = 0  # the unit (counted from 1) that a stop cut short
    signal_after_training: int = 0  # a Ctrl-C or SIGTERM that came while the run was evaluated or saved
    # Set by the training loop: puts the weights back as the last complete epoch left them, so that
    # a stopped run's model holds what its history describes (nothing half-learned from a cut epoch).
    back_to_last_complete_epoch: object = None

    def record(self, metrics, seconds):
        """Append one complete unit: each metric's value, and how long it took."""
        for name, value in metrics.items():
            self.history.setdefault(name, []).append(float(value))
        self.seconds.append(seconds)

    @property
    def done(self):
        """How many units are complete."""
        return len(self.seconds)

    def loss_is_finite(self, loss):
        """The one NaN check of every training loop: a loss that is not finite marks the run
        stopped by it; returns whether training may go on."""
        if self.completed and not math.isfinite(float(loss)):
            self.status = "nan loss"
        return self.completed

    @property
    def completed(self):
        return self.status == "completed"

    @property
    def exit_code(self):
        """0 for a completed run; 130 or 143 when a signal stopped it, or came while it was saved."""
        if self.completed and self.signal_after_training:
            return 128 + self.signal_after_training
        return EXIT_CODES[self.status]


class SignalStops:
    """Ctrl-C and SIGTERM from the start of training until the run is saved.

    While training, the first one marks the outcome interrupted: training stops at the next safe
    point (after the current step) and the run is saved. A second one raises KeyboardInterrupt,
    caught by `training()`: the step in hand is cut short and the run is saved. Once training has
    ended (the test set's pass, the examples, the saving), a signal is only acknowledged in one
    line and remembered: saving is never cut, the run is saved as it is and the script then exits
    130 or 143. `restore()` gives the signals back.
    """

    def __init__(self, outcome):
        self.outcome, self.in_training, self.previous = outcome, False, {}

    def install(self):
        self.previous = {signum: signal.signal(signum, self.on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}

    def restore(self):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous = {}

    def on_signal(self, signum, frame):
        name, said = signal.Signals(signum).name, signum != signal.SIGPIPE  # a closed pipe stops without a word
        if not self.in_training:
            if not self.outcome.signal_after_training:
                self.outcome.signal_after_training = signum
                if said:  # a run that a first signal stopped is being saved too: saving is never cut
                    what = "saving the run first" if self.outcome.completed else "the stopped run is being saved, which is never cut"
                    print(f"\n{name}: {what}; the script ends when that is done", file=sys.stderr, flush=True)
        elif self.outcome.completed:
            self.outcome.status = f"interrupted ({name})"
            if said:
                print(f"\n{name}: stopping after this step and saving the run (Ctrl-C again cuts the step "
                      "short; the saving is never cut)", file=sys.stderr, flush=True)
        elif Hold.depth:
            Hold.stop_waiting = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def training(self):
        self.in_training = True
        hook_before, sys.unraisablehook = sys.unraisablehook, quiet_about_interrupts(sys.unraisablehook)
        try:
            yield
        except KeyboardInterrupt:
            if self.outcome.completed:
                self.outcome.status = "interrupted (SIGINT)"
        finally:
            self.in_training, sys.unraisablehook = False, hook_before
            if not self.outcome.completed:
                if not self.outcome.stopped_in:
                    self.outcome.stopped_in = self.outcome.done + 1
                if self.outcome.back_to_last_complete_epoch:
                    self.outcome.back_to_last_complete_epoch()


def report_nan(outcome):
    if outcome.status == "nan loss":
        print(f"Training stopped: the loss became NaN in {outcome.unit} {outcome.stopped_in}. "
              "A learning rate that is too high is the usual cause; try a smaller one.", file=sys.stderr)
