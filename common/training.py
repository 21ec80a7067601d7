"""What the scripts hand to Keras's own model.fit and model.evaluate.

    callbacks(run)       a guard that ends training after the current batch on Ctrl-C, SIGTERM
                         or a NaN loss and records every complete epoch, and TensorBoard logs
    side_by_side(model, run, ...)  what fit and evaluate run: with TensorFlow on a
                         CPU the model on each test batch's two halves side by side, and each
                         training batch's too with BATCH_HALVES (SideBySide, below); elsewhere
                         the model itself
    batches(x, y, ...)   the arrays as shuffled batches, without Keras's end-of-epoch stall
    split_off_validation(x, y, fraction)   a validation split, as model.fit(validation_split=...) makes it
    TEST_BATCH_SIZE      rows per step of a test-set pass
"""
import importlib.util
import math
import sys
import time
import warnings

import keras
import numpy as np

from common import keras_reliance, keras_setup
from common.keras_setup import ON_TENSORFLOW, TENSORFLOW_ON_CPU
from common.records.run_folder import TENSORBOARD

# A test-set pass changes no weight, so its batch size changes none of its numbers (beyond float32
# rounding in the mean loss): the book itself evaluates in batches of 32 after validating in its
# training batches of 100. Fewer, larger batches take fewer steps through the LSTM's 100 positions.
TEST_BATCH_SIZE = 500
VERBOSE = 1 if sys.stdout.isatty() else 2  # a progress bar on a terminal, one line per epoch in a log file
# batches() shuffles by itself; Keras would warn on every fit that its own shuffle=True goes unused.
warnings.filterwarnings("ignore", message=keras_reliance.SHUFFLE_UNUSED_WARNING, category=UserWarning)


class Guard(keras.callbacks.Callback):
    """Ends training after the current batch once the run's outcome is interrupted or the loss is
    NaN; records in the outcome each complete epoch's metrics and seconds, and the test set's.
    Keeps a copy of the weights (and the optimizer's state) as each complete epoch leaves them,
    which a stopped run goes back to: its model.keras then holds what its history.csv describes."""

    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome
        self.epoch_started = 0.0
        self.last_complete = None

    def keep_weights(self):
        optimizer = self.model.optimizer
        self.last_complete = ([w.numpy() for w in self.model.weights],
                              [v.numpy() for v in optimizer.variables] if optimizer else [])

    def back_to_last_complete_epoch(self):
        if self.last_complete is None:
            return
        weights, optimizer_state = self.last_complete
        for variable, value in zip(self.model.weights, weights):
            variable.assign(value)
        optimizer_variables = self.model.optimizer.variables if self.model.optimizer else []
        if len(optimizer_variables) == len(optimizer_state):  # the optimizer is built once its first step runs
            for variable, value in zip(optimizer_variables, optimizer_state):
                variable.assign(value)

    def on_train_begin(self, logs=None):
        self.keep_weights()
        self.outcome.back_to_last_complete_epoch = self.back_to_last_complete_epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None:
            self.outcome.loss_is_finite(loss)
        if not self.outcome.completed:
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        if not self.outcome.completed:  # no test-set pass after a stopped epoch
            keras_reliance.stop_evaluation(self.model)

    def on_test_end(self, logs=None):
        if self.outcome.completed:  # fit's pass over the test set: the same numbers evaluate() gives after it
            self.outcome.evaluation = dict(logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.outcome.completed:  # a stopped epoch is partial: it is not counted
            self.outcome.record(logs or {}, time.perf_counter() - self.epoch_started)
            self.keep_weights()


def callbacks(run):
    """The run's guard and Keras's TensorBoard logger, which writes through TensorFlow's
    tf.summary on every backend: where TensorFlow is not installed, one line says so."""
    if ON_TENSORFLOW or importlib.util.find_spec("tensorflow"):
        if not ON_TENSORFLOW:
            keras_setup.tensorflow_beside_the_backend()
        return [Guard(run.outcome), keras.callbacks.TensorBoard(log_dir=str(run.path(TENSORBOARD)))]
    print(f"note: no TensorBoard logs: Keras writes them through TensorFlow, which is not installed "
          f"({keras.backend.backend()} backend); everything else is as usual", file=sys.stderr)
    return [Guard(run.outcome)]


def batches(x, y=None, batch_size=32, shuffle=False, sample_weight=None, trim_padding=False):
    """What model.fit(x, y, batch_size=..., shuffle=..., sample_weight=...) would make of the
    arrays, for fit, evaluate and (without y) predict alike; x is an array, or a dict of arrays
    by input name for a model of several inputs (translate_en_ko.py). trim_padding: the arrays
    hold sequences padded at their end, and each batch's are cut after its longest one, so that
    a batch of short sentences costs few steps (the loss and its gradient are the same: the cut
    columns are padding, which weighs nothing).

    Keras's own pipeline for arrays on TensorFlow uses tf.data's autotuning, and tearing it
    down after each epoch waits for the autotune thread (idle seconds per epoch on a small CPU:
    docs/speed.md), and its parallel map makes TensorFlow log a "NodeDef mentions
    attribute use_unbounded_threadpool" error. This is the same index-shuffle-and-gather pipeline
    without autotuning or a parallel map. Other backends get a keras.utils.PyDataset of the arrays.
    """
    parts = tuple(part for part in (x, y, sample_weight) if part is not None)
    if not ON_TENSORFLOW:
        return ArrayBatches(parts, batch_size, shuffle, trim_padding)
    import tensorflow as tf

    parts = tf.nest.map_structure(tf.constant, parts)
    indices = tf.data.Dataset.range(rows(x))
    if shuffle:
        indices = indices.shuffle(rows(x), reshuffle_each_iteration=True)  # seeded by set_random_seed

    def gathered(batch):
        def rows_of(part):
            taken = tf.gather(part, batch)
            if not trim_padding or len(part.shape) != 2:
                return taken
            used = tf.reduce_any(tf.not_equal(taken, 0), axis=0)  # the columns that hold a token in some row
            return taken[:, :tf.reduce_max(tf.where(used, tf.range(1, tf.shape(taken)[1] + 1), 0))]

        found = tf.nest.map_structure(rows_of, parts)
        return found[0] if len(found) == 1 else found

    options = tf.data.Options()
    options.autotune.enabled = False
    return indices.batch(batch_size).map(gathered).prefetch(1).with_options(options)


def rows(x):
    """How many examples x holds: an array's rows, or those of each array of a dict."""
    return len(next(iter(x.values()))) if isinstance(x, dict) else len(x)


def split_off_validation(x, y, fraction):
    """((x, y) to train on, (x, y) to validate on): the last `fraction` of the rows, as
    model.fit(validation_split=fraction) carves it (Keras's loaders have shuffled them already)."""
    kept = len(x) - max(1, int(round(len(x) * fraction)))
    if kept < 1:
        from common.errors import UsageError

        raise UsageError(f"--validation-split {fraction} leaves no training example of {len(x)}")
    return (x[:kept], y[:kept]), (x[kept:], y[kept:])


def fewer_epochs_in_a_dry_run(config, args, at_most):
    """A dry run shows the pipeline, not how far training goes: at most `at_most` epochs, unless
    --epochs asks for more (config.epochs is what metrics.json records, and --rerun repeats)."""
    if args.dry_run and "--epochs" not in args.given and config.epochs > at_most:
        config.epochs = at_most
        print(f"note: --dry-run: {at_most} epochs (--epochs sets more)")


def best_epoch(early_stopping, run):
    """The epoch (from 1) whose weights keras.callbacks.EarlyStopping(restore_best_weights=True)
    kept; None before any complete epoch."""
    return early_stopping.best_epoch + 1 if run.history.get("val_loss") else None


class ArrayBatches(keras.utils.PyDataset):
    """Batches of (x, y, sample_weight), or of x alone, each an array or a dict of arrays, reshuffled
    after every epoch by NumPy (seeded by set_random_seed)."""

    def __init__(self, parts, batch_size, shuffle, trim_padding=False):
        super().__init__()
        self.parts, self.batch_size, self.shuffle = [as_arrays(part) for part in parts], batch_size, shuffle
        self.trim_padding = trim_padding
        self.count = rows(self.parts[0])
        self.order = np.random.permutation(self.count) if shuffle else np.arange(self.count)

    def __len__(self):
        return math.ceil(self.count / self.batch_size)

    def __getitem__(self, index):
        selected = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        taken = tuple({name: self.rows_of(array, selected) for name, array in part.items()} if isinstance(part, dict)
                      else self.rows_of(part, selected) for part in self.parts)
        return taken[0] if len(taken) == 1 else taken

    def rows_of(self, array, selected):
        taken = array[selected]
        if not self.trim_padding or taken.ndim != 2:
            return taken
        used = np.flatnonzero(taken.any(axis=0))
        return taken[:, :used[-1] + 1 if len(used) else 0]

    def on_epoch_end(self):
        if self.shuffle:
            self.order = np.random.permutation(self.count)


def as_arrays(part):
    return {name: np.asarray(array) for name, array in part.items()} if isinstance(part, dict) else np.asarray(part)


# The second core: each batch's two halves through the model side by side.
#
# TensorFlow on a CPU here runs each op on one thread (common/keras_setup.py) and independent ops at
# the same time. `SideBySide(model)` is a keras.Model of its own (Keras's documented subclassing:
# only `call` is written) that cuts each batch in two, runs the book's model on each half and
# joins the two predictions in order: every layer's work becomes two independent ops, one per
# core. It shares the model's layers and optimizer and is compiled with the model's own loss and
# metrics, so the loss, the metrics and the gradient are the whole batch's, the same to float32
# rounding (tests/test_halves.py). Only fit and evaluate go through it; the model saved, and every
# prediction, is the book's model, plain Keras.
#
# Every test-set pass runs in halves. Training does where the script's setting BATCH_HALVES asks:
# IMDB and NSMC, whose layers before the LSTM work on every position (Dropout, Conv1D,
# MaxPooling1D). Dropout draws its mask for each half, so a seed takes another path than with
# whole batches. Reuters trains on whole batches, which its LSTM alone keeps both cores busy
# with, and so keeps the book's path for every seed. docs/speed.md gives what each saves.


class SideBySide(keras.Model):
    """`model` for fit and evaluate: each test batch's two halves side by side, and each
    training batch's when `training_in_halves`."""

    def __init__(self, model, training_in_halves=True):
        super().__init__(name=f"{model.name}_in_halves")
        self.whole = model
        self.training_in_halves = training_in_halves
        # The same optimizer object: its state is saved with the model, and a stopped run's
        # weights and optimizer go back together (Guard, above).
        self.compile(**{**model.get_compile_config(), "optimizer": model.optimizer})

    def call(self, inputs, training=None):
        if training and not self.training_in_halves:  # fit's training step, traced once: the book's model as it is
            return self.whole(inputs, training=True)
        import tensorflow as tf  # built only where TensorFlow runs on a CPU: side_by_side

        half = tf.shape(tf.nest.flatten(inputs)[0])[0] // 2  # a tensor: the batch size is known only when a batch comes
        # A batch of one row has no two halves, and the LSTM cannot run on zero rows: its row goes
        # through twice and the first answer is dropped. (A tf.cond costs more in every step.)
        first_end = tf.maximum(half, 1)

        def rows_of(start, end):  # of an array, or of each array of a dict of them
            return tf.nest.map_structure(lambda part: part[start:end], inputs)

        both = tf.concat([self.whole(rows_of(0, first_end), training=training),
                          self.whole(rows_of(half, None), training=training)], axis=0)
        return both[first_end - half:]


def side_by_side(model, run=None, training_in_halves=None):
    """What fit and evaluate run. With TensorFlow on a CPU, SideBySide(model): test-set passes in
    halves, and training too where the script's BATCH_HALVES (training_in_halves) asks. Elsewhere
    (a GPU, JAX, PyTorch) the halves would only cost: the model itself. A script that has the
    setting gets what ran in metrics.json's "ran" (run.ran); the setting stays as the user gave it."""
    halves = bool(training_in_halves) and TENSORFLOW_ON_CPU
    if run is not None and training_in_halves is not None:
        run.ran["batch_halves"] = halves
    return SideBySide(model, halves) if TENSORFLOW_ON_CPU else model
