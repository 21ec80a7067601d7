"""A character-level language model on any text: the machinery behind char_rnn_text.py.

The text is cut into `streams` equal parts read side by side (a batch of several chunks, as
word-language-model examples do); each training step reads the next SEQ_LENGTH characters of
every stream and learns to predict each next character. The hidden state (and the LSTM's cell
state) is carried from one chunk to the next without its gradient (truncated backpropagation
through time, as min-char-rnn does) and reset at the start of every pass over the text.
"""
import json
import time
from pathlib import Path

import numpy as np

from common.errors import ScriptError, cannot_load, check_archive
from common.notes.numpy_lstm import LSTM
from common.notes.numpy_rnn import RNN, Adam, clip, softmax
from common.signals import signals_held
from common.text import read_utf8

SMOOTHING = 0.999  # min-char-rnn's running average of the loss: smooth = 0.999 smooth + 0.001 loss


def read_text(path, flag="--text-file"):
    """The whole UTF-8 text of `path`; a one-line ScriptError if it cannot be learned from."""
    text = read_utf8(path, flag)
    if len(set(text)) < 2:
        raise ScriptError(f"{flag}: {path} holds {'no text' if not text else 'a single character'}; "
                         "a language model needs at least two different characters")
    return text


class Streams:
    """The text as character ids in `count` side-by-side streams, served SEQ_LENGTH at a time."""

    def __init__(self, ids, count, seq_length):
        usable = (len(ids) - 1) // count  # each stream needs one more character: the last target
        if usable < 1:
            raise ScriptError(f"the text is too short for {count} streams: pass a smaller --batch-size")
        self.inputs = np.stack([ids[s * usable:(s + 1) * usable] for s in range(count)], axis=1)  # (length, count)
        self.targets = np.stack([ids[s * usable + 1:(s + 1) * usable + 1] for s in range(count)], axis=1)
        self.seq_length = min(seq_length, usable)
        self.position = 0

    def next_chunk(self):
        """(inputs, targets, starts_a_pass): ids shaped (seq_length, streams)."""
        starts_a_pass = self.position + self.seq_length > len(self.inputs) or self.position == 0
        if starts_a_pass:
            self.position = 0
        chunk = slice(self.position, self.position + self.seq_length)
        self.position += self.seq_length
        return self.inputs[chunk], self.targets[chunk], starts_a_pass


def smoothed(losses, start):
    """min-char-rnn's smoothed loss after each step, from `start` (the loss of guessing)."""
    smooth, curve = start, []
    for loss in losses:
        smooth = SMOOTHING * smooth + (1 - SMOOTHING) * loss
        curve.append(smooth)
    return curve


def choose(probabilities, temperature, rng):
    """The likeliest index at temperature 0, else one drawn from the probabilities sharpened or
    flattened by the temperature."""
    if temperature == 0:
        return int(np.argmax(probabilities))
    weights = np.exp(np.log(np.maximum(probabilities, 1e-12)) / temperature)
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def train(learner, streams, steps, run, on_step):
    """`steps` steps of learner.step(inputs, targets, reset) -> loss, one chunk each; records
    every step's loss in run.outcome; stops after the step in hand on Ctrl-C or a NaN loss."""
    for step in range(1, steps + 1):
        if not run.completed:  # asked to stop: the steps taken so far are all recorded
            break
        started = time.perf_counter()
        inputs, targets, starts_a_pass = streams.next_chunk()
        loss = learner.step(inputs, targets, reset=starts_a_pass)
        if not run.outcome.loss_is_finite(loss):
            break
        run.outcome.record({"loss": loss}, time.perf_counter() - started)
        on_step(step, loss)


class NumpyLearner:
    """The notes' cells (common/notes/numpy_rnn.py, numpy_lstm.py), Adam, gradients clipped to +-5."""

    def __init__(self, model, vocabulary_size, learning_rate, clip_at=5.0):
        self.model, self.vocabulary_size, self.clip_at = model, vocabulary_size, clip_at
        self.optimizer = Adam(model.params, learning_rate)
        self.state = ()

    def step(self, inputs, targets, reset):
        if reset:
            self.state = ()  # zeros: a new pass starts every stream from its beginning
        one_hot = np.eye(self.vocabulary_size)[inputs]
        loss, grads, state = self.model.loss_gradients_and_state(one_hot, targets, self.state)
        with signals_held():  # the weights and the carried state change together, or not at all
            self.optimizer.step(clip(grads, self.clip_at))
            self.state = state
        return float(loss)

    def sample(self, start, length, temperature, rng):
        """Yields `length` ids after `start`, each fed back in, from a fresh state, as it chooses them."""
        state, current = (), start
        for _ in range(length):
            states, scores = self.model.forward(np.eye(self.vocabulary_size)[[current]], *state)
            state = self.model.last_state(states)
            current = choose(softmax(scores[-1]), temperature, rng)
            yield current


class KerasLearner:
    """The same network in Keras: a stateful recurrent layer carries its state between chunks;
    build(streams) makes another like it (one stream, for sampling)."""

    def __init__(self, model, build, learning_rate, clip_at=5.0):
        import keras

        self.keras, self.model, self.build = keras, model, build
        self.vocabulary_size = model.input_shape[-1]
        model.compile(loss="sparse_categorical_crossentropy",
                      optimizer=keras.optimizers.Adam(learning_rate, clipvalue=clip_at))

    def step(self, inputs, targets, reset):
        if reset:
            self.model.layers[0].reset_states()
        one_hot = np.eye(self.vocabulary_size, dtype="float32")[inputs.T]  # Keras: (streams, steps, letters)
        return float(self.model.train_on_batch(one_hot, targets.T, return_dict=True)["loss"])

    def sample(self, start, length, temperature, rng):
        """Yields `length` ids after `start`, as NumpyLearner.sample does."""
        sampler = self.build(1)  # the trained weights, one stream, its own state
        sampler.set_weights(self.model.get_weights())
        current = start
        for _ in range(length):
            x = np.eye(self.vocabulary_size, dtype="float32")[[[current]]]
            probabilities = self.keras.ops.convert_to_numpy(sampler(x, training=False))[0, -1].astype("float64")
            current = choose(probabilities / probabilities.sum(), temperature, rng)
            yield current


def load_alphabet(path):
    try:
        alphabet = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(alphabet, str) or len(alphabet) < 2:
            raise ValueError("not a string of characters")
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else error
        raise ScriptError(f"cannot read {path}, the characters the model was trained on ({reason}); "
                          "--model must be a model of a complete --text-file run") from None
    return alphabet


def saved_learner(path, alphabet, build):
    """A learner around a saved --text-file model: model.npz (the notes' cells) or model.keras;
    build(cell, hidden_size, streams) makes the Keras network."""
    path = Path(path)
    check_archive(path)
    try:
        if path.suffix == ".npz":
            with np.load(path) as saved:
                params = {name: saved[name] for name in saved.files}
            hidden_size = params["W_hh"].shape[1]
            cell = LSTM if params["W_hh"].shape[0] == 4 * hidden_size else RNN
            network = cell(len(alphabet), hidden_size, len(alphabet))
            if {name: p.shape for name, p in network.params.items()} != {name: p.shape for name, p in params.items()}:
                raise ValueError(f"its weights are not those of a network over {len(alphabet)} characters")
            network.params = params
            return NumpyLearner(network, len(alphabet), learning_rate=0.0)
        import keras

        model = keras.saving.load_model(path, compile=False)
        recurrent = model.layers[0]
        cell = "lstm" if isinstance(recurrent, keras.layers.LSTM) else "rnn"
        return KerasLearner(model, lambda streams: build(cell, recurrent.units, streams), learning_rate=0.001)
    except Exception as error:  # NumPy and Keras raise many kinds for a missing, damaged or foreign file
        raise cannot_load(path, error) from None
