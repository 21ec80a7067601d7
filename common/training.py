"""Keras training that ends well: Ctrl-C, SIGTERM and a NaN loss stop it cleanly, keeping what was learned."""
import math
import sys
import time

import keras

from common.outcome import Outcome, report_nan, stop_on_signals


class Guard(keras.callbacks.Callback):
    """Ends Keras training after the current batch once the outcome is interrupted or the loss is NaN."""

    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome
        self.epoch_started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if self.outcome.completed and loss is not None and not math.isfinite(float(loss)):
            self.outcome.status = "nan loss"
        if not self.outcome.completed:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.outcome.completed:  # a stopped epoch is partial: it is not counted
            self.outcome.seconds_per_epoch.append(time.perf_counter() - self.epoch_started)


def tensorboard_callback(log_dir):
    """Keras's TensorBoard logger, where it can write: it needs TensorFlow's tf.summary and TensorBoard."""
    try:
        import tensorboard  # noqa: F401
        import tensorflow  # noqa: F401
    except ImportError:
        return []
    return [keras.callbacks.TensorBoard(log_dir=str(log_dir))]


ON_TENSORFLOW = keras.backend.backend() == "tensorflow"


def pipeline(x, y, batch_size, shuffle):
    """Batches for model.fit on TensorFlow, shuffled each epoch if asked.

    Keras's own pipeline for arrays uses tf.data's autotuning, and tearing it down after
    each epoch waits for the autotune thread: about ten idle seconds per epoch with
    TensorFlow 2.21 on a small CPU. This is the same index-shuffle-and-gather pipeline
    without autotuning, which does not wait. Other backends take the arrays as they are.
    """
    import tensorflow as tf

    x, y = tf.constant(x), tf.constant(y)
    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), reshuffle_each_iteration=True)  # seeded by set_random_seed
    dataset = indices.batch(batch_size).map(lambda batch: (tf.gather(x, batch), tf.gather(y, batch)))
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(1).with_options(options)


def fit(model, x, y, validation_data, batch_size, epochs, log_dir, callbacks=(), verbose=None):
    """model.fit as the book calls it, plus a clean stop, per-epoch timing and TensorBoard logs in
    log_dir; returns an Outcome."""
    outcome = Outcome()
    callbacks = [Guard(outcome), *tensorboard_callback(log_dir), *callbacks]
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2  # a log file gets one line per epoch
    if ON_TENSORFLOW:
        data = {"x": pipeline(x, y, batch_size, shuffle=True), "shuffle": False}  # it shuffles itself
        if validation_data is not None:
            validation_data = pipeline(*validation_data, batch_size, shuffle=False)
    else:
        data = {"x": x, "y": y, "batch_size": batch_size, "shuffle": True}
    with stop_on_signals(outcome):
        model.fit(**data, epochs=epochs, validation_data=validation_data, callbacks=callbacks, verbose=verbose)
    history = getattr(getattr(model, "history", None), "history", {})
    outcome.history = {name: values[: outcome.epochs_completed] for name, values in history.items()}
    report_nan(outcome)
    return outcome


def evaluate(model, x, y, batch_size, outcome):
    """Test loss and accuracy as a dict, printed as the book prints them; empty if training stopped early."""
    if not outcome.completed:
        return {}
    data = ({"x": pipeline(x, y, batch_size, shuffle=False)} if ON_TENSORFLOW
            else {"x": x, "y": y, "batch_size": batch_size})
    evaluation = model.evaluate(**data, verbose=0, return_dict=True)
    print(f"\n Test Accuracy: {evaluation['accuracy']:.4f}")
    return evaluation
