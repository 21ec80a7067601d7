"""A character-level RNN learns to complete "hello" (the notes' first RNN example).

The letters h, e, l, o are one-hot vectors ([1,0,0,0], [0,1,0,0], [0,0,1,0], [0,0,0,1]).
Reading 'h', 'e', 'l', 'l' one at a time, the network learns to answer 'e', 'l', 'l', 'o':
each next letter. Then, given only 'h', it writes "hello" by feeding each answer back in.
`--impl numpy` trains the notes' own equations (common/notes/numpy_rnn.py, common/notes/numpy_lstm.py)
instead of Keras's layers; `--cell lstm` uses an LSTM instead of the plain RNN. The same
network as a language model on any text: char_rnn_text.py.

    python char_rnn_hello.py                          # Keras SimpleRNN
    python char_rnn_hello.py --impl numpy --cell lstm # the notes' LSTM, in NumPy
"""
from common import cli

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Data
WORD = "hello"  # the network reads all but the last letter and answers each next one

# Model
IMPL = "keras"  # keras: Keras layers; numpy: the notes' equations in NumPy
CELL = "rnn"  # rnn: the plain (simple) RNN; lstm: the LSTM
HIDDEN_SIZE = 8  # size of the hidden state h_t

# Training
EPOCHS = 100  # one gradient step on the word per epoch
LEARNING_RATE = 0.05  # Adam's step size

# Generating
TEMPERATURE = 0.0  # 0 always takes the likeliest letter; above 0 samples, more freely as it grows

# Every constant above is a setting (--cell lstm ...). What each accepts beyond its type;
# an int or float not named here must be positive.
SETTINGS = cli.settings(globals(), rules={
    "IMPL": cli.one_of("keras", "numpy"),
    "CELL": cli.one_of("rnn", "lstm"),
    "WORD": cli.rule(lambda word: len(word) >= 2, "needs at least two letters: one to read, one to answer"),
    "SEED": cli.NON_NEGATIVE,
    "TEMPERATURE": cli.rule(lambda t: t >= 0, "must be >= 0 (0 takes the likeliest letter)"),
})

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before anything heavy loads.
import sys

import numpy as np

from common import start
from common.notes import char_lm

# Keras is imported only where it is used: --impl numpy runs on NumPy alone.


def alphabet_of(word):
    """The letters in order of first appearance: h, e, l, o as in the notes (never set() order)."""
    return "".join(dict.fromkeys(word))


def one_hot(text, alphabet):
    return np.eye(len(alphabet), dtype="float32")[[alphabet.index(letter) for letter in text]]


def build_model(config, alphabet, streams=None):
    """The Keras network, or the NumPy one with the same shape: recurrent cell, then softmax per
    step. With `streams`, the Keras one reads that many side by side and keeps its state from
    one call to the next (stateful), as char_rnn_text.py's language model needs."""
    if config.impl == "numpy":
        from common.notes.numpy_lstm import LSTM
        from common.notes.numpy_rnn import RNN

        network = RNN if config.cell == "rnn" else LSTM
        return network(len(alphabet), config.hidden_size, len(alphabet), np.random.default_rng(config.seed))
    import keras
    from keras import layers

    recurrent = layers.SimpleRNN if config.cell == "rnn" else layers.LSTM
    model = keras.Sequential([
        keras.Input(shape=(None, len(alphabet)), batch_size=streams),  # any length: generation grows the text
        recurrent(config.hidden_size, return_sequences=True, stateful=streams is not None),
        layers.Dense(len(alphabet), activation="softmax"),  # applied at every step
    ], name="char_rnn_hello")
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(config.learning_rate),
                  metrics=["accuracy"])
    return model


def probabilities(model, text, alphabet):
    """Per step, the probability of each letter coming next: shape (len(text), len(alphabet))."""
    return np.asarray(model.predict_on_batch(one_hot(text, alphabet)[None]))[0]  # one small batch: no tf.data pipeline


def answer(model, text, alphabet):
    return "".join(alphabet[i] for i in probabilities(model, text, alphabet).argmax(axis=1))


def generate(model, start, length, alphabet, temperature, rng):
    """Write `length` letters from `start`, feeding each chosen letter back in as the next input."""
    text = start
    while len(text) < length:
        text += alphabet[char_lm.choose(probabilities(model, text, alphabet)[-1], temperature, rng)]
    return text


def train_keras(model, x, y, config, run, report):
    import keras

    from common import training

    show = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: report(epoch, logs["loss"]))
    model.fit(training.batches(x[None], y[None], batch_size=1), epochs=config.epochs,
              callbacks=[*training.callbacks(run), show], verbose=0)


def main(argv=None):
    return start.main(SETTINGS, train, argv)


def train(config, args, run):
    """The notes' page: the letters as one-hot vectors, the network, training, and "hello" written back."""
    if config.impl == "keras":  # the NumPy path loads no framework: its weights are seeded from SEED
        from common import keras_setup

        keras_setup.seed_everything(config.seed)
    alphabet = alphabet_of(config.word)
    inputs, targets = config.word[:-1], config.word[1:]
    print(f"Alphabet (one-hot order): {', '.join(alphabet)}")
    network = {"keras": "Keras's", "numpy": "the notes' NumPy"}[config.impl] + " " + config.cell.upper()
    print(f"Learning '{inputs}' -> '{targets}' with {network}, {config.hidden_size} hidden units")
    x, y = one_hot(inputs, alphabet), one_hot(targets, alphabet)
    model = build_model(config, alphabet)

    def report(epoch, loss):  # what the network answers now, ten times in a run
        if (epoch + 1) % max(1, config.epochs // 10) == 0 or epoch == 0:
            print(f"epoch {epoch + 1:4d}  loss {float(loss):.4f}  '{inputs}' -> '{answer(model, inputs, alphabet)}'")

    with run.training():  # Ctrl-C or a NaN loss ends training after the step; what was learned is kept
        if config.impl == "numpy":
            from common.notes import numpy_rnn

            numpy_rnn.fit(model, x.astype("float64"), y.argmax(axis=1), config.learning_rate, config.epochs,
                          run.outcome, on_epoch_end=report)
        else:
            train_keras(model, x, y, config, run, report)

    learned = answer(model, inputs, alphabet)
    step_probabilities = probabilities(model, inputs, alphabet)
    loss = abs(float(-np.log(step_probabilities[np.arange(len(targets)), y.argmax(axis=1)]).mean()))  # not -0.0
    run.outcome.evaluation = {"loss": loss, "accuracy": float(np.mean([a == b for a, b in zip(learned, targets)]))}
    print(f"\nLearned mapping: '{inputs}' -> '{learned}' (wanted '{targets}'), loss {loss:.4f}")
    generated = generate(model, config.word[0], len(config.word), alphabet, config.temperature,
                         np.random.default_rng(config.seed))
    print(f"Generated from '{config.word[0]}': {generated}")
    if learned != targets:
        print("Not learned yet: try more --epochs or a larger --hidden-size.", file=sys.stderr)

    from common import plots

    figure = plots.history_figure(run.history, run.headline(evaluated_on=f"word '{config.word}'"), show=args.show)
    return run.finish(model, figure, extra={"generated": generated},
                      model_file="model.npz" if config.impl == "numpy" else "model.keras")


if __name__ == "__main__":
    cli.main_guard(main)
