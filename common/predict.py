"""A trained model reads the user's own text: --predict TEXT, --predict-file PATH, --model PATH.

One path for every script that predicts: read the texts (one line of error for empty, binary
or non-UTF-8 input), load a model.keras of that script whose vocabulary and length match the
settings, encode the texts exactly as the dataset's were encoded (common/text.py) and print
one tab-separated line per text: the script's answer columns, then the start of the text.
Keras is imported only when a prediction runs, so that the flags cost --help nothing.
"""
import sys
from pathlib import Path

from common import data, run_folder
from common.cli import flag_name
from common.errors import ScriptError, UsageError, cannot_load
from common.text import read_utf8

PREVIEW_LENGTH = 70
WITH_SEEDS = "--predict answers with one trained model; it does not go with --seeds"


def options(answer):
    """The flags for cli.settings(options=...); `answer` says what --predict prints."""
    return (
        ("--predict", dict(metavar="TEXT", help=f"print {answer} of TEXT with a trained model, then exit")),
        ("--predict-file", dict(metavar="PATH", help="the same for every line of a UTF-8 text file")),
        ("--model", dict(metavar="PATH", help="model.keras to predict with (default: the newest run's)")),
    )


def wanted(args):
    """Whether the command line asks for a prediction (scripts without the flags never do)."""
    return getattr(args, "predict", None) is not None or getattr(args, "predict_file", None) is not None


def read_texts(args):
    """The user's texts from --predict or --predict-file, blank lines dropped; bad input raises UsageError."""
    texts = [args.predict] if args.predict is not None else read_utf8(args.predict_file, "--predict-file").splitlines()
    texts = [text for text in texts if text.strip()]
    if not texts:
        raise UsageError("nothing to classify: the text is empty")
    return texts


def model_path(path, script):
    """--model's path, else the newest run's model; ScriptError if there is none."""
    path = Path(path) if path else run_folder.newest_model(script)
    if path is None:
        raise ScriptError(f"no trained model yet: run `python {script}.py` first, or pass --model PATH")
    if not path.is_file():
        raise ScriptError(f"--model: {path} does not exist")
    return path


def trained_model(path, script):
    """Load the model.keras at `path`, a model of `script`; else ScriptError saying why."""
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)  # predicting needs no optimizer
    except Exception as error:  # Keras raises many kinds for a damaged or foreign file
        raise cannot_load(path, error) from None
    if model.name != script:
        raise ScriptError(f"{path} is a model of {model.name}, not of {script}.py")
    return model


def check_fits(model, path, expected, mismatch):
    """ScriptError ending with mismatch(trained) unless the model's vocabulary size and input
    length are `expected` ({"num_words": ..., "maxlen": ...})."""
    trained = {"num_words": model.layers[0].input_dim, "maxlen": model.input_shape[1]}  # Embedding first
    if trained != expected:
        raise ScriptError(f"{path} was trained with {trained}, not {expected}; {mismatch(trained)}")


def pass_flags(trained):
    return "pass " + " ".join(f"{flag_name(name)} {value}" for name, value in trained.items())


def preview(text):
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH - 3] + "..."


def print_answers(model, vocabulary, texts, maxlen, answer):
    """One line per text: the columns that answer(probabilities of one text) gives, then the text's start."""
    import keras

    from common import training

    encoded = [vocabulary.encode(text) for text in texts]
    probabilities = model.predict(training.batches(keras.utils.pad_sequences(encoded, maxlen=maxlen)), verbose=0)
    for number, (text, ids, row) in enumerate(zip(texts, encoded, probabilities), start=1):
        if not vocabulary.knows_any(ids):
            print(f"note: text {number} has no word the model knows; its answer is a guess", file=sys.stderr)
        print("\t".join([*answer(row), preview(text)]))


def main(args, config, dataset, answer, saved_vocabulary=None):
    """The whole --predict path; exit code 0. The words are keras.datasets.<dataset>'s, cut to the
    settings; or, for a corpus whose vocabulary each run counts, saved_vocabulary(model path)
    gives (Vocabulary, maxlen) as that run saved them."""
    if getattr(config, "seeds", 1) > 1:
        raise UsageError(WITH_SEEDS)
    texts = read_texts(args)  # bad text fails before any model is loaded
    path = model_path(args.model, args.script)
    model = trained_model(path, args.script)
    if saved_vocabulary:
        vocabulary, maxlen = saved_vocabulary(path)
        check_fits(model, path, {"num_words": vocabulary.num_words, "maxlen": maxlen},
                   lambda trained: "the vocabulary saved beside it is another run's")
    else:
        maxlen = config.maxlen
        check_fits(model, path, {"num_words": config.num_words, "maxlen": maxlen}, pass_flags)
        vocabulary = data.vocabulary(dataset, config.num_words)
    print_answers(model, vocabulary, texts, maxlen, answer)
    return 0
