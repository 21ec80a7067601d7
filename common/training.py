"""Training that ends well: Ctrl-C, SIGTERM and a NaN loss stop it cleanly, keeping what was learned."""
import math
import signal
import sys
import time
from dataclasses import dataclass, field

import keras

EXIT_CODES = {"completed": 0, "interrupted (SIGINT)": 130, "interrupted (SIGTERM)": 143, "nan loss": 1}


@dataclass
class Outcome:
    """What fit() did: the history of the completed epochs, their duration, and why it stopped."""

    history: dict = field(default_factory=dict)
    seconds_per_epoch: list = field(default_factory=list)
    status: str = "completed"
    stopped_in_epoch: int = 0

    @property
    def epochs_completed(self):
        return len(self.seconds_per_epoch)

    @property
    def completed(self):
        return self.status == "completed"

    @property
    def exit_code(self):
        return EXIT_CODES[self.status]


class Guard(keras.callbacks.Callback):
    """Stops training after the current batch on the first Ctrl-C or SIGTERM, or on a NaN loss.

    A second signal raises KeyboardInterrupt, which fit() below also turns into a clean stop.
    """

    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome
        self.previous_handlers = {}
        self.epoch = 0
        self.epoch_started = 0.0

    def on_train_begin(self, logs=None):
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous_handlers[signum] = signal.signal(signum, self.on_signal)

    def on_train_end(self, logs=None):
        for signum, handler in self.previous_handlers.items():
            signal.signal(signum, handler)

    def on_signal(self, signum, frame):
        if not self.outcome.completed:
            raise KeyboardInterrupt  # the second signal: stop at once
        self.outcome.status = f"interrupted ({signal.Signals(signum).name})"
        self.outcome.stopped_in_epoch = self.epoch + 1
        print(f"\n{signal.Signals(signum).name}: stopping after this batch and saving the run "
              "(Ctrl-C again stops at once)", file=sys.stderr, flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.epoch_started = epoch, time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if self.outcome.completed and loss is not None and not math.isfinite(float(loss)):
            self.outcome.status, self.outcome.stopped_in_epoch = "nan loss", self.epoch + 1
        if not self.outcome.completed:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.outcome.completed:  # a stopped epoch is partial: it is not counted
            self.outcome.seconds_per_epoch.append(time.perf_counter() - self.epoch_started)


def tensorboard_callback(log_dir):
    """Keras's TensorBoard logger, where TensorBoard is installed."""
    try:
        import tensorboard  # noqa: F401  (tf.summary needs it to write)
    except ImportError:
        return []
    return [keras.callbacks.TensorBoard(log_dir=str(log_dir))]


def fit(model, x, y, validation_data, batch_size, epochs, run):
    """model.fit as the book calls it, plus a clean stop and per-epoch timing; returns an Outcome."""
    outcome = Outcome()
    callbacks = [Guard(outcome), *tensorboard_callback(run.path("tensorboard"))]
    try:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=validation_data,
                  callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2)  # a log file gets a line per epoch
    except KeyboardInterrupt:
        callbacks[0].on_train_end()
        if outcome.completed:
            outcome.status, outcome.stopped_in_epoch = "interrupted (SIGINT)", callbacks[0].epoch + 1
    history = getattr(getattr(model, "history", None), "history", {})
    outcome.history = {name: values[: outcome.epochs_completed] for name, values in history.items()}
    if outcome.status == "nan loss":
        print(f"Training stopped: the loss became NaN in epoch {outcome.stopped_in_epoch}. "
              "A learning rate that is too high, or inputs outside the vocabulary, are the usual causes.",
              file=sys.stderr)
    return outcome


def evaluate(model, x, y, batch_size, outcome):
    """Test loss and accuracy as a dict, printed as the book prints them; empty if training stopped early."""
    if not outcome.completed:
        return {}
    evaluation = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    print(f"\n Test Accuracy: {evaluation['accuracy']:.4f}")
    return evaluation
