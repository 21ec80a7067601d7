"""A character language model on any text: the notes' "hello" network, grown up.

The notes' RNN that learns 'hell' -> 'ello' (char_rnn_hello.py) is the language model they
describe: it predicts what comes next. Here the same network learns each next character of
any UTF-8 text (a Hangul syllable is one character), in chunks of SEQ_LENGTH carried from one
to the next (truncated backpropagation through time, as Karpathy's min-char-rnn), with
BATCH_SIZE streams of the text side by side, and writes new text in its style every
SAMPLE_EVERY steps (common/notes/char_lm.py).

    python char_rnn_text.py --impl numpy --text-file notes.txt --temperature 0.8
    python char_rnn_text.py --text-file notes.txt              # Keras, a stateful SimpleRNN
    python char_rnn_text.py --generate 300 --temperature 0.8    # with the newest run's model
"""
from common import cli

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run

# Data
TEXT_FILE = ""  # the UTF-8 text to learn

# Model
IMPL = "keras"  # keras: Keras layers; numpy: the notes' equations in NumPy
CELL = "rnn"  # rnn: the plain (simple) RNN; lstm: the LSTM
HIDDEN_SIZE = 100  # size of the hidden state h_t (min-char-rnn: 100)

# Training
LEARNING_RATE = 0.005  # Adam's step size
STEPS = 2000  # gradient steps, each on the next SEQ_LENGTH characters of every stream
SEQ_LENGTH = 25  # characters per chunk: how far back the gradient flows (min-char-rnn: 25)
BATCH_SIZE = 8  # streams: the text cut into this many parts, read side by side in each step
SAMPLE_EVERY = 500  # steps between printed samples of new text
SAMPLE_LENGTH = 200  # characters per sample

# Generating
TEMPERATURE = 0.0  # 0 always takes the likeliest character; above 0 samples, more freely as it grows

SETTINGS = cli.settings(globals(), rules={
    "IMPL": cli.one_of("keras", "numpy"),
    "CELL": cli.one_of("rnn", "lstm"),
    "SEED": cli.NON_NEGATIVE,
    "TEMPERATURE": cli.rule(lambda t: t >= 0, "must be >= 0 (0 takes the likeliest character)"),
}, options=(
    ("--generate", dict(metavar="N", type=int, help="write N characters with a trained model, then exit")),
    ("--model", dict(metavar="PATH", help="with --generate: a run's model.npz or model.keras, or its run "
                                          "folder (default: the newest complete run's)")),
), answering_reads=("TEMPERATURE", "SEED"))  # what --generate writes with

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before anything heavy loads.
import importlib
import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

import char_rnn_hello
from common import predict, start
from common.notes import char_lm
from common.records import run_folder

ALPHABET = "alphabet.json"  # saved with the run: the characters in one-hot order
MOST_GENERATED = 1_000_000  # characters --generate writes at most: a long novel's worth
SAMPLES = "samples.txt"


def learner_for(config, alphabet):
    """What trains the network on chunks of the text and samples from it, for either --impl:
    char_rnn_hello.py's network, reading BATCH_SIZE streams side by side."""
    model = char_rnn_hello.build_model(config, alphabet, streams=config.batch_size)
    if config.impl == "numpy":
        return char_lm.NumpyLearner(model, len(alphabet), config.learning_rate)
    return char_lm.KerasLearner(model, lambda streams: char_rnn_hello.build_model(config, alphabet, streams),
                                config.learning_rate)


def learn_text(config, args, run):
    """The character language model on TEXT_FILE. Returns the exit code."""
    if not config.text_file:
        raise cli.UsageError("--text-file PATH is needed: the text to learn (or --generate N with a trained model)")
    if config.impl == "keras":  # the NumPy path loads no framework: its weights are seeded from SEED
        from common import keras_setup

        keras_setup.seed_everything(config.seed)
    text = char_lm.read_text(config.text_file)
    alphabet = char_rnn_hello.alphabet_of(text)
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
              f"{guessing:.2f}); {1000 * sum(run.outcome.seconds) / len(losses):.1f} s per 1,000 steps")

    from common import plots

    figure = plots.language_model_figure(losses, smooth, guessing,
                                         f"{run.script}: {Path(config.text_file).name}, {config.impl} {config.cell}")
    return run.finish(learner.model, figure, extra=measured,
                      model_file="model.npz" if config.impl == "numpy" else "model.keras",
                      texts={ALPHABET: json.dumps(alphabet, ensure_ascii=False) + "\n", SAMPLES: "\n".join(samples)})


def generate_from_saved(args, config):
    """--generate N [--model PATH]: new text from a saved run; exit code 0."""
    if not 1 <= args.generate <= MOST_GENERATED:
        raise cli.UsageError(f"--generate must be a number of characters from 1 to {MOST_GENERATED:,}; "
                             f"got {args.generate:,}")
    path = saved_model(args.model, args.dry_run)
    print(run_folder.provenance(path, "Writing"), file=sys.stderr)
    if path.suffix != ".npz":
        importlib.import_module("common.keras_setup")  # loads Keras quietly: no TensorFlow start-up log
    alphabet = char_lm.load_alphabet(path.parent / ALPHABET)
    learner = char_lm.saved_learner(path, alphabet, lambda cell, size, streams: char_rnn_hello.build_model(
        SimpleNamespace(impl="keras", cell=cell, hidden_size=size, learning_rate=config.learning_rate), alphabet, streams))
    # Each character as it is chosen: a long text shows as it grows, and a Ctrl-C keeps what is written.
    print(alphabet[0], end="", flush=True)
    for number, i in enumerate(learner.sample(0, args.generate, config.temperature, np.random.default_rng(config.seed))):
        print(alphabet[i], end="", flush=number % 50 == 0)
    print()
    return 0


def saved_model(model, dry_run=False):
    """--model's model.npz or model.keras (or its run folder's); without it, the newest complete run's
    (with --dry-run, the newest complete dry run's)."""
    if not model:
        model = run_folder.newest_trained(SETTINGS.script, holding=ALPHABET, dry_run=dry_run)
    if model is None and dry_run:
        raise cli.ScriptError("no complete dry run yet: run `python char_rnn_text.py --dry-run` first")
    if model is None:
        raise cli.ScriptError("no language model trained yet: run `python char_rnn_text.py --text-file PATH` "
                              "first, or pass --model PATH")
    return predict.model_path(model, SETTINGS.script, suffixes=(".npz", ".keras"))


def main(argv=None):
    return start.main(SETTINGS, learn_text, argv, unit="step", generates=generate_from_saved)


if __name__ == "__main__":
    cli.main_guard(main)
