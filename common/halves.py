"""The second core: each batch's two halves go through the model side by side (TensorFlow, CPU).

TensorFlow here runs each op on one thread (common/backend.py) and runs independent ops at the
same time. Inside the training or test step the batch is cut in two, each half goes through the
model, and the two predictions are joined back in order: every layer's work becomes two
independent ops, one per core. The loss, the metrics and the optimizer see the whole batch's
predictions, so the gradient is the whole batch's: the same to float32 rounding (the two halves'
parts are summed apart, then added; tests/test_halves.py). Nothing of it is saved: the model,
its layers and model.keras stay plain Keras.

Where it pays (bench/benchmark.py --paths ours ours-whole, 2-core AMD EPYC, AVX-512):
- every test-set pass, which runs the model forwards only: IMDB's 25,000 reviews 3.38 -> 2.69 s,
  Reuters' 2,246 wires 0.44 -> 0.35 s (alternating in one process);
- training when layers before the recurrent one work on every position (IMDB: Dropout, Conv1D,
  MaxPooling1D): 9.52 -> 8.15 s per epoch. Keras's LSTM keeps both cores busy by itself (each
  step's input product runs beside the recurrent one), so a model that is an Embedding and then
  the recurrence (Reuters) trains whole: halves made its epoch 5-7% slower.
A stateful model (its state belongs to whole batches), a GPU and the other backends run whole.
SPLIT_BATCHES=0 in the environment turns halves off, to compare.
"""
import os

import keras

from common.backend import TENSORFLOW_ON_CPU

if TENSORFLOW_ON_CPU:
    import tensorflow as tf

WANTED = os.environ.get("SPLIT_BATCHES", "1") != "0"


def install(model):
    """From the next compiled step on, run the model's test steps, and its training steps where
    that pays (`pays_in_training`), on the batch's two halves side by side."""
    if not (WANTED and TENSORFLOW_ON_CPU) or is_stateful(model):
        return
    steps = ["test_step", "train_step"] if pays_in_training(model) else ["test_step"]
    new = [name for name in steps if name not in vars(model)]  # once per model
    for name in new:
        setattr(model, name, side_by_side(model, getattr(model, name)))
    if new:
        model.train_function = model.test_function = None  # compiled again, with the halves


class Installer(keras.callbacks.Callback):
    """In model.fit's callbacks: hands the model to `install` before fit compiles its steps."""

    def set_model(self, model):
        super().set_model(model)
        install(model)


def pays_in_training(model):
    """Whether layers before the first recurrent one do more than look up embeddings."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.RNN):
            return False
        if not isinstance(layer, (keras.layers.Embedding, keras.layers.InputLayer)):
            return True
    return True  # no recurrence at all: every layer is the kind that halves speed up


def is_stateful(model):
    return any(getattr(layer, "stateful", False) for layer in model.layers)


def side_by_side(model, keras_step):
    """Keras's own step, traced while the model's call runs the batch as two halves."""
    def step(data):
        model.call = in_halves(type(model).call.__get__(model))
        try:
            return keras_step(data)
        finally:
            del model.call  # back to the class's own call, for predict and everything else
    return step


def in_halves(whole_call):
    def call(inputs, training=None, mask=None):
        half = tf.shape(inputs)[0] // 2
        first, second = ((None, None) if mask is None else (mask[:half], mask[half:]))
        return tf.concat([whole_call(inputs[:half], training=training, mask=first),
                          whole_call(inputs[half:], training=training, mask=second)], axis=0)
    return call
