"""A character-level RNN learns to complete "hello" (the notes' first RNN example).

The letters h, e, l, o are one-hot vectors ([1,0,0,0], [0,1,0,0], [0,0,1,0], [0,0,0,1]).
Reading 'h', 'e', 'l', 'l' one at a time, the network learns to answer 'e', 'l', 'l', 'o':
each next letter. Then, given only 'h', it writes "hello" by feeding each answer back in.
`--impl numpy` trains the notes' own equations (common/numpy_rnn.py, common/numpy_lstm.py)
instead of Keras's layers; `--cell lstm` uses an LSTM instead of the plain RNN.

`--text-file PATH` goes from one word to any text, the notes' language model that predicts
what comes next: the same network learns each next character of the text, in chunks of
SEQ_LENGTH carried from one to the next (truncated backpropagation through time, as Karpathy's
min-char-rnn), and writes new text in its style every SAMPLE_EVERY steps.

    python char_rnn_hello.py                          # Keras SimpleRNN
    python char_rnn_hello.py --impl numpy --cell lstm # the notes' LSTM, in NumPy
    python char_rnn_hello.py --impl numpy --text-file notes.txt --temperature 0.8
    python char_rnn_hello.py --generate 300 --model runs/char_rnn_hello/.../model.npz
"""
import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from common import char_lm, cli, predict, run_folder, runs, seeds

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Data
WORD = "hello"  # the network reads all but the last letter and answers each next one
TEXT_FILE = ""  # a UTF-8 text to learn instead of WORD: a character language model

# Model
IMPL = "keras"  # keras: Keras layers; numpy: the notes' equations in NumPy
CELL = "rnn"  # rnn: the plain (simple) RNN; lstm: the LSTM
HIDDEN_SIZE = 8  # size of the hidden state h_t

# Training
EPOCHS = 100  # one gradient step on the word per epoch
LEARNING_RATE = 0.05  # Adam's step size

# Learning a text (--text-file)
TEXT_HIDDEN_SIZE = 100  # size of h_t for a text, in place of HIDDEN_SIZE (min-char-rnn: 100)
TEXT_LEARNING_RATE = 0.005  # Adam's step size for a text, in place of LEARNING_RATE
STEPS = 2000  # gradient steps, each on the next SEQ_LENGTH characters of every stream
SEQ_LENGTH = 25  # characters per chunk: how far back the gradient flows (min-char-rnn: 25)
BATCH_SIZE = 8  # streams: the text cut into this many parts, read side by side in each step
SAMPLE_EVERY = 500  # steps between printed samples of new text
SAMPLE_LENGTH = 200  # characters per sample

# Generating
TEMPERATURE = 0.0  # 0 always takes the likeliest letter; above 0 samples, more freely as it grows

# Every constant above is a setting (--cell lstm ...). What each accepts beyond its type;
# an int or float not named here must be positive.
SETTINGS = cli.settings(globals(), rules={
    "IMPL": cli.one_of("keras", "numpy"),
    "CELL": cli.one_of("rnn", "lstm"),
    "WORD": cli.rule(lambda word: len(word) >= 2, "needs at least two letters: one to read, one to answer"),
    "SEED": cli.rule(lambda n: n >= 0, "must be an integer >= 0"),
    "TEMPERATURE": cli.rule(lambda t: t >= 0, "must be >= 0 (0 takes the likeliest letter)"),
}, checks=[
    (lambda c: not (c.text_file and c.seeds > 1),
     "--seeds compares test accuracies, which a --text-file run has not; run the seeds one by one with --seed"),
], options=(
    ("--generate", dict(metavar="N", type=int, help="write N characters with the trained model of --model, then exit")),
    ("--model", dict(metavar="PATH", help="with --generate: a --text-file run's model.npz or model.keras "
                                          "(default: the newest complete one's)")),
))
SCRIPT = "char_rnn_hello"
ALPHABET = "alphabet.json"  # saved with a --text-file run: the characters in one-hot order
SAMPLES = "samples.txt"
# Keras is imported only where it is used: --impl numpy runs on NumPy alone, in about two seconds.


def alphabet_of(word):
    """The letters in order of first appearance: h, e, l, o as in the notes (never set() order)."""
    return "".join(dict.fromkeys(word))


def one_hot(text, alphabet):
    return np.eye(len(alphabet), dtype="float32")[[alphabet.index(letter) for letter in text]]


def build_model(config, alphabet, streams=None):
    """The Keras network, or the NumPy one with the same shape: recurrent cell, then softmax per
    step. With `streams`, the Keras one reads that many side by side and keeps its state from
    one call to the next (stateful), as a --text-file run needs."""
    if config.impl == "numpy":
        from common.numpy_lstm import LSTM
        from common.numpy_rnn import RNN

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


def for_text(config):
    """The settings as a --text-file run uses them: TEXT_HIDDEN_SIZE and TEXT_LEARNING_RATE in
    place of the word's."""
    return SimpleNamespace(**{**vars(config), "hidden_size": config.text_hidden_size,
                              "learning_rate": config.text_learning_rate})


def learner_for(config, alphabet):
    """What trains the network on chunks of the text and samples from it, for either --impl."""
    model = build_model(config, alphabet, streams=config.batch_size)
    if config.impl == "numpy":
        return char_lm.NumpyLearner(model, len(alphabet), config.learning_rate)
    return char_lm.KerasLearner(model, lambda streams: build_model(config, alphabet, streams), config.learning_rate)


def learn_text(config, args, run):
    """--text-file: the character language model. Returns the exit code."""
    config = for_text(config)
    text = char_lm.read_text(config.text_file)
    alphabet = alphabet_of(text)
    index = {letter: i for i, letter in enumerate(alphabet)}
    streams = char_lm.Streams(np.array([index[letter] for letter in text]), config.batch_size, config.seq_length)
    guessing = math.log(len(alphabet))
    print(f"{len(text)} characters, {len(alphabet)} different: guessing costs ln {len(alphabet)} = {guessing:.2f} "
          f"per character. {config.batch_size} streams, {streams.seq_length} characters per chunk.")
    learner = learner_for(config, alphabet)
    rng, samples = np.random.default_rng(config.seed), []

    def report(step, loss):  # a sample of what the model writes now, every SAMPLE_EVERY steps
        if step % config.sample_every == 0 or step == config.steps:
            smooth = char_lm.smoothed(run.history["loss"], guessing)[-1]
            sample = alphabet[0] + "".join(alphabet[i] for i in learner.sample(0, config.sample_length, config.temperature, rng))
            samples.append(f"--- step {step}, smoothed loss {smooth:.3f} per character\n{sample}\n")
            print(samples[-1], flush=True)

    with run.training():  # Ctrl-C or a NaN loss ends training after the step; what was learned is kept
        char_lm.train(learner, streams, config.steps, run, report)
    losses = run.history.get("loss", [])
    smooth = char_lm.smoothed(losses, guessing)
    measured = {}
    if losses:
        recent = float(np.mean(losses[-100:]))
        measured = {"training_loss_per_character": recent, "smoothed_loss_per_character": smooth[-1],
                    "guessing_loss_per_character": guessing}
        print(f"After {len(losses)} steps: loss {recent:.3f} per character (mean of the last {min(100, len(losses))} "
              f"steps; min-char-rnn's smoothed loss {smooth[-1]:.3f}; guessing "
              f"{guessing:.2f}); {1000 * sum(run.outcome.seconds_per_epoch) / len(losses):.1f} s per 1,000 steps")

    from common import plots

    figure = plots.language_model_figure(losses, smooth, guessing,
                                         f"{run.script}: {Path(config.text_file).name}, {config.impl} {config.cell}")
    return run.finish(learner.model, figure, extra=measured,
                      model_file="model.npz" if config.impl == "numpy" else "model.keras",
                      texts={ALPHABET: json.dumps(alphabet, ensure_ascii=False) + "\n", SAMPLES: "\n".join(samples)})


def generate_from_saved(args, config):
    """--generate N --model PATH: new text from a saved --text-file run; exit code 0."""
    if args.generate < 1:
        raise cli.UsageError(f"--generate must be a positive number of characters; got {args.generate}")
    path = saved_text_model(args.model)
    print(run_folder.provenance(path, "Writing"), file=sys.stderr)
    if path.suffix != ".npz":
        from common.startup import load_keras

        load_keras()  # quietly: TensorFlow's C++ start-up log stays off the terminal
    alphabet = char_lm.load_alphabet(path.parent / ALPHABET)
    learner = char_lm.saved_learner(path, alphabet, lambda cell, size, streams: build_model(
        SimpleNamespace(impl="keras", cell=cell, hidden_size=size, learning_rate=config.learning_rate), alphabet, streams))
    ids = learner.sample(0, args.generate, config.temperature, np.random.default_rng(config.seed))
    print(alphabet[0] + "".join(alphabet[i] for i in ids))
    return 0


def saved_text_model(model):
    """--model's model.npz or model.keras; without it, the newest complete --text-file run's."""
    if model:
        return predict.model_path(model, SCRIPT, suffixes=(".npz", ".keras"))
    folder = run_folder.newest_trained(SCRIPT, holding=ALPHABET)
    if folder is None:
        raise cli.ScriptError("no language model trained yet: run `python char_rnn_hello.py --text-file PATH` "
                              "first, or pass --model PATH")
    return next(path for path in (folder / "model.npz", folder / "model.keras") if path.exists())


def main(argv=None):
    config, args = cli.parse(SETTINGS, argv)
    if args.generate is not None:
        return generate_from_saved(args, config)
    if config.seeds > 1:  # one run per seed, each in its own process, then their spread
        return seeds.main(__file__, config, args)
    run = runs.Run(args, config)  # refuses an output folder it cannot write, before anything loads
    if config.impl == "keras":  # the NumPy path loads no framework: its weights are seeded from SEED
        from common import backend

        backend.prepare(config.seed)
    if config.text_file:
        run.unit = "step"  # a --text-file run counts gradient steps on chunks, not epochs
        return learn_text(config, args, run)
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
            from common import numpy_rnn

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
