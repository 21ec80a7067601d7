"""How a training run ended, and stopping one cleanly on Ctrl-C or SIGTERM. Needs no framework,
so the NumPy training loop shares it with Keras's, and the command line (common/cli.py) uses it
before anything loads."""
import os
import signal
import sys
from pathlib import Path
from contextlib import contextmanager
from dataclasses import dataclass, field

class TerminalStderr:
    """The file descriptor of the user's stderr: 2, except while Keras loads with descriptor 2
    captured (common/keras_setup.py), when it is a saved copy of it."""

    fd = 2


def stop_quietly_on_signals():
    """From now on Ctrl-C or SIGTERM ends the script with one line and exit code 130 or 143, even
    while Keras loads. A run's training and saving take the signals over (SignalStops below)
    and give them back."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_quietly)


def stop_quietly(signum, frame):
    name = signal.Signals(signum).name
    os.write(TerminalStderr.fd, f"{Path(sys.argv[0]).name}: interrupted ({name})\n".encode())
    raise SystemExit(128 + signum)


EXIT_CODES = {"completed": 0, "interrupted (SIGINT)": 130, "interrupted (SIGTERM)": 143, "nan loss": 1}


@dataclass
class Outcome:
    """What training did: the history of the completed epochs, their duration, and why it stopped."""

    history: dict = field(default_factory=dict)
    seconds_per_epoch: list = field(default_factory=list)
    evaluation: dict = field(default_factory=dict)  # the test set's metrics after the last complete epoch
    status: str = "completed"
    stopped_in_epoch: int = 0
    signal_after_training: int = 0  # a Ctrl-C or SIGTERM that came while the run was evaluated or saved
    # Set by the training loop: puts the weights back as the last complete epoch left them, so that
    # a stopped run's model holds what its history describes (nothing half-learned from a cut epoch).
    back_to_last_complete_epoch: object = None

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
        """0 for a completed run; 130 or 143 when a signal stopped it, or came while it was saved."""
        if self.completed and self.signal_after_training:
            return 128 + self.signal_after_training
        return EXIT_CODES[self.status]


class SignalStops:
    """Ctrl-C and SIGTERM from the start of training until the run is saved.

    While training, the first one marks the outcome interrupted: training stops at the next safe
    point (after the current step) and the run is saved. A second one raises KeyboardInterrupt,
    caught by `training()`: the run stops at once and is saved. Once training has ended (the test
    set's pass, the examples, the saving), a signal is only acknowledged in one line and
    remembered: the run is saved as it is and the script then exits 130 or 143. `restore()`
    gives the signals back.
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
        name = signal.Signals(signum).name
        if not self.in_training:
            if not self.outcome.signal_after_training:
                self.outcome.signal_after_training = signum
                print(f"\n{name}: saving the run first; the script ends when that is done", file=sys.stderr, flush=True)
        elif self.outcome.completed:
            self.outcome.status = f"interrupted ({name})"
            print(f"\n{name}: stopping after this step and saving the run (Ctrl-C again stops at once)",
                  file=sys.stderr, flush=True)
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
                if not self.outcome.stopped_in_epoch:
                    self.outcome.stopped_in_epoch = self.outcome.epochs_completed + 1
                if self.outcome.back_to_last_complete_epoch:
                    self.outcome.back_to_last_complete_epoch()


class Hold:
    """Whether a block that must not be cut (signals_held) is running, and whether a stop at once
    (a second Ctrl-C) waits for its end."""

    depth = 0
    stop_waiting = False


@contextmanager
def signals_held():
    """A second Ctrl-C that comes inside this block stops training when the block is done, not in
    its middle: the NumPy networks' parameter updates are never left half-applied."""
    Hold.depth += 1
    try:
        yield
    finally:
        Hold.depth -= 1
        if not Hold.depth and Hold.stop_waiting:
            Hold.stop_waiting = False
            raise KeyboardInterrupt


def quiet_about_interrupts(hook):
    """Python's hook for exceptions it cannot raise, less the second Ctrl-C's KeyboardInterrupt.

    A second Ctrl-C that lands while a garbage-collection callback runs (JAX registers one, and
    it is imported beside PyTorch too) cannot leave that callback: Python prints it as
    "Exception ignored ..." with a traceback and goes on. Training stops after the step anyway,
    because the first Ctrl-C asked for that, so there is nothing to say."""
    def hook_without_interrupts(unraisable):
        if not issubclass(unraisable.exc_type, KeyboardInterrupt):
            hook(unraisable)
    return hook_without_interrupts


def report_nan(outcome):
    if outcome.status == "nan loss":
        print(f"Training stopped: the loss became NaN in epoch {outcome.stopped_in_epoch}. "
              "A learning rate that is too high is the usual cause; try a smaller one.", file=sys.stderr)
