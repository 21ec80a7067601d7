"""The second core: fit and evaluate run each batch's two halves through the model side by side.

TensorFlow on a CPU here runs each op on one thread (common/backend.py) and independent ops at
the same time. `SideBySide(model)` is a keras.Model of its own (Keras's documented subclassing:
only `call` is written) that cuts each batch in two, runs the book's model on each half and
joins the two predictions in order: every layer's work becomes two independent ops, one per
core. It shares the model's layers and optimizer and is compiled with the model's own loss and
metrics, so the loss, the metrics and the gradient are the whole batch's, the same to float32
rounding (tests/test_halves.py). Dropout draws its mask for each half, so a seed takes another
path than with whole batches. Only fit and evaluate go through it; the model saved, and every
prediction, is the book's model, plain Keras.

The scripts whose layers before the LSTM work on every position (IMDB and NSMC: Dropout,
Conv1D, MaxPooling1D) have the setting BATCH_HALVES; docs/speed.md gives what it saves.
"""
import keras

from common.backend import TENSORFLOW_ON_CPU


class SideBySide(keras.Model):
    """`model` for fit and evaluate, each batch's two halves side by side."""

    def __init__(self, model):
        super().__init__(name=f"{model.name}_in_halves")
        self.whole = model
        # The same optimizer object: its state is saved with the model, and a stopped run's
        # weights and optimizer go back together (common/training.py: Guard).
        self.compile(**{**model.get_compile_config(), "optimizer": model.optimizer})

    def call(self, inputs, training=None):
        import tensorflow as tf  # built only where TensorFlow runs on a CPU: `trainer`

        half = tf.shape(inputs)[0] // 2  # a tensor: the batch size is known only when a batch comes
        # A batch of one row has no two halves, and the LSTM cannot run on zero rows: its row goes
        # through twice and the first answer is dropped. (A tf.cond costs more in every step.)
        first_end = tf.maximum(half, 1)
        both = tf.concat([self.whole(inputs[:first_end], training=training),
                          self.whole(inputs[half:], training=training)], axis=0)
        return both[first_end - half:]


def trainer(model, config):
    """What fit and evaluate run: SideBySide(model) when config.batch_halves asks for it and
    TensorFlow runs on a CPU (elsewhere the halves would only cost), else the model itself.
    config.batch_halves becomes whether they run, so metrics.json records what ran."""
    config.batch_halves = bool(config.batch_halves and TENSORFLOW_ON_CPU)
    return SideBySide(model) if config.batch_halves else model
