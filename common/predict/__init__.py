"""A trained model reads the user's own text: --predict TEXT, --predict-file PATH, --model PATH.

One path for every script that predicts: read the texts (one line of error for empty, binary
or non-UTF-8 input), choose the model (common/records/run_folder.py: the newest complete run on real
data, unless --model names one) and say on stderr which run answers, encode the texts exactly
as training did with the vocabulary saved beside the model (vocabulary.json; an older run
without one uses the dataset's word index in the Keras cache), and print one tab-separated
line per text: the script's answer columns, then the start of the text. Keras is imported
only when a prediction runs, so that the flags cost --help nothing.
"""
import json
import sys
from pathlib import Path

import numpy as np

from common import files
from common.cli import flag_name
from common.errors import ScriptError, UsageError, cannot_load, check_archive
from common.records import run_folder
from common.text import OOV, Vocabulary, datasets, read_utf8, tokenizers

VOCABULARY = "vocabulary.json"  # saved with each run: how its model reads text

PREVIEW_LENGTH = 70


def options(answer, gates=False, attention=False, explain=None, reads="text"):
    """The flags for cli.settings(options=...); `answer` says what --predict prints; gates: the
    script also draws its LSTM's gates (--gates TEXT, common/notes/gates.py); attention: its
    attention's weights (--attention TEXT, common/predict/attention.py); explain: what --explain
    shows, where it is not occlusion (translate_en_ko.py: the alignment); reads="pictures": the
    model answers pictures, not text (caption_shapes.py: --predict IMAGE, --predict-file FOLDER,
    no --explain)."""
    drawn = (("--gates", dict(metavar="TEXT", help="draw what the trained LSTM's gates do over TEXT (the notes' "
                                                   "i, f, o and c_t), saved as a PNG, then exit")),) if gates else ()
    drawn += (("--attention", dict(metavar="TEXT", help="draw the trained attention's weights a[t, t'] over the "
                                                        "words of TEXT (where each word looks), saved as a PNG, "
                                                        "then exit")),) if attention else ()
    if reads == "pictures":
        given = (("--predict", dict(metavar="IMAGE", help=f"print {answer} of the picture IMAGE (PNG, JPEG, ...; "
                                                          "resized to the size trained on) with a trained model, then exit")),
                 ("--predict-file", dict(metavar="FOLDER", help="the same for every picture in FOLDER, by name")))
    else:
        given = (("--predict", dict(metavar="TEXT", help=f"print {answer} of TEXT with a trained model, then exit")),
                 ("--predict-file", dict(metavar="PATH", help="the same for every line of a UTF-8 text file (-: "
                                                              "standard input); blank lines are skipped, with a note")))
    model = ("--model", dict(metavar="PATH", help="model.keras, or the run folder holding it, to predict with "
                                                  "(default: the newest complete run's on real data; with "
                                                  "--dry-run, the newest dry run's)"))
    if reads == "pictures":
        return drawn + given + (model,)
    return drawn + given + (model, ("--explain", dict(
        action="store_true", help=explain or "with --predict or --predict-file: each word's part in the answer "
                                             "(occlusion), and an HTML page of it")))


def wanted(args):
    """Whether the command line asks for a prediction (scripts without the flags never do)."""
    return getattr(args, "predict", None) is not None or getattr(args, "predict_file", None) is not None


def read_texts(args):
    """The user's texts from --predict or --predict-file, blank lines dropped; an empty --predict
    raises UsageError, a file that holds no text ScriptError."""
    texts = [args.predict] if args.predict is not None else read_utf8(args.predict_file, "--predict-file").splitlines()
    blank = [number for number, text in enumerate(texts, start=1) if not text.strip()]
    texts = [text for text in texts if text.strip()]
    if blank and texts:
        shown = ", ".join(map(str, blank[:10])) + (", ..." if len(blank) > 10 else "")
        print(f"note: --predict-file: {len(blank)} blank line{'s' if len(blank) > 1 else ''} skipped (line "
              f"{shown}); each answer ends with the start of its text", file=sys.stderr)
    if not texts and args.predict is not None:
        raise UsageError("--predict: nothing to answer, the text is empty")
    if not texts:
        raise ScriptError(f"--predict-file: {args.predict_file} holds no text to answer")
    return texts


def model_path(path, script, suffixes=(".keras",), dry_run=False):
    """--model's path (a run folder stands for its model), else the newest complete run's on real
    data (with --dry-run: the newest complete dry run's); ScriptError if there is none."""
    if path is None:
        folder = run_folder.newest_trained(script, dry_run=dry_run)
        if folder is None and dry_run:
            raise ScriptError(f"no complete dry run yet: run `python {script}.py --dry-run` first")
        if folder is None:
            raise ScriptError(f"no model trained on real data yet: run `python {script}.py` first (a dry run's "
                              "model answers with --dry-run --predict, any model with --model PATH)")
        return folder / run_folder.MODEL
    path = Path(path)
    if path.is_dir():  # a run folder, as a run prints it: the model saved in it
        names = [Path(run_folder.MODEL).stem + suffix for suffix in suffixes]
        saved = [path / name for name in names if (path / name).is_file()]
        if not saved:
            raise ScriptError(f"--model: the folder {path} holds no saved model ({' or '.join(names)})")
        path = saved[0]
    if not path.is_file():
        raise ScriptError(f"--model: {path} does not exist")
    if path.suffix not in suffixes:
        raise ScriptError(f"--model: {path} is not a saved model ({' or '.join(suffixes)} file)")
    return path


def trained_model(path, script):
    """Load the model.keras at `path`, a model of `script`; else ScriptError saying why."""
    import keras

    import common.self_attention  # noqa: F401 (registers SeqSelfAttention: a model holding it loads anywhere)

    check_archive(path)
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


def print_answers(model, vocabulary, texts, maxlen, answer, explains=None, towards=None, page_folder=None):
    """One line per text: the columns that answer(probabilities of one text) gives, then the text's start.
    With explains (a text's score; towards: what it measures, common/predict/explain.py), each word's
    part in the answer after its line, and an HTML page in page_folder; the texts as they are go
    through the model once, in the same batch as their variants."""
    import keras

    from common import training
    from common.predict import attention, explain

    encoded = [vocabulary.encode(text) for text in texts]
    if explains is None:
        probabilities = model.predict(training.batches(keras.utils.pad_sequences(encoded, maxlen=maxlen)), verbose=0)
    else:
        explained = explain.explain(model, vocabulary, texts, maxlen, explains)
        probabilities = [text.probabilities for text in explained]
        if attention.has_attention(model):  # imdb_attention.py: the attention each word received, beside
            attention.add_to_explained(model, explained, encoded, maxlen)
    lines = []
    for number, (text, ids, row) in enumerate(zip(texts, encoded, probabilities), start=1):
        if not vocabulary.knows_any(ids):
            print(f"note: text {number} has no word the model knows; its answer is a guess", file=sys.stderr)
        lines.append("\t".join([*answer(row), preview(text)]))
    if explains is None:
        print(*lines, sep="\n")
        return
    explain.print_explained(explained, lines, towards)
    page = files.write_text(files.new_file(page_folder, ".html"),
                            explain.page(explained, [" ".join(line.split("\t")[:-1]) for line in lines],
                                         f"{page_folder.parent.name} --explain"))
    print(f"Explained: {page}", file=sys.stderr)


def vocabulary_json(vocabulary, tokenizer, maxlen):
    """What a run saves beside its model (VOCABULARY): the tokenizer, the words by rank, the length."""
    return json.dumps({"tokenizer": tokenizer.name, "tokenizer_version": tokenizer.version,
                       "num_words": vocabulary.num_words, "maxlen": maxlen, "words": vocabulary.ranked_words()},
                      ensure_ascii=False, indent=0) + "\n"


def saved_texts(vocabulary, maxlen, tokenizer=None):
    """For Run.finish(texts=...): VOCABULARY, so that the run's model reads text with no dataset
    cache and no network (tokenizer: the one that split the corpus, else Keras's word split)."""
    if vocabulary is None:
        return {}
    return {VOCABULARY: vocabulary_json(vocabulary, tokenizer or tokenizers.KerasWords(), maxlen)}


def read_saved(model_path, read, what="the vocabulary"):
    """read(record) of the VOCABULARY saved with the run of model_path; a missing or damaged file,
    or a record that `read` cannot take (KeyError, TypeError, ValueError), is one line naming it."""
    path = Path(model_path).parent / VOCABULARY
    try:
        return read(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = error.strerror if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
        raise ScriptError(f"cannot read {path}, {what} the model was trained with ({reason}); "
                          "train again or pass --model of a complete run") from None


def saved_vocabulary(model_path):
    """(Vocabulary, maxlen) saved with the run of model_path: texts are encoded as in training,
    whatever the settings at the top of the script say now."""
    def fields(record):
        name, words, num_words, maxlen = record["tokenizer"], record["words"], record["num_words"], record["maxlen"]
        if not (isinstance(num_words, int) and isinstance(maxlen, int)):
            raise TypeError("num_words and maxlen must be whole numbers")
        return name, words, num_words, maxlen, record.get("tokenizer_version")

    name, words, num_words, maxlen, trained_version = read_saved(model_path, fields)
    if name not in tokenizers.TOKENIZERS:
        raise ScriptError(f"{Path(model_path).parent / VOCABULARY} names a tokenizer this version does not have: {name!r}")
    tokenizer = tokenizers.tokenizer(name)
    if tokenizer.version != trained_version:
        print(f"note: the model was trained with {trained_version}, this is {tokenizer.version}; "
              "a few texts may split differently", file=sys.stderr)
    return Vocabulary.ranked(words, tokenizer.split, num_words), maxlen


def encoding_for(model, path, config, dataset, given=()):
    """(Vocabulary, maxlen) that the model at `path` was trained with: the one saved beside it; for
    an older run without it, keras.datasets.<dataset>'s word index cut to the settings (given: the
    flags the command line gave, which may set them only then)."""
    if (Path(path).parent / VOCABULARY).exists() or dataset is None:
        for flag in ("--num-words", "--maxlen"):
            if flag in given:
                raise UsageError(f"{flag} does not go with a run that saved its vocabulary ({path.parent}): "
                                 "its model reads text as it was trained")
        vocabulary, maxlen = saved_vocabulary(path)
        check_fits(model, path, {"num_words": vocabulary.num_words, "maxlen": maxlen},
                   lambda trained: "the vocabulary saved beside it is another run's")
        return vocabulary, maxlen
    check_fits(model, path, {"num_words": config.num_words, "maxlen": config.maxlen}, pass_flags)
    return datasets.vocabulary(dataset, config.num_words), config.maxlen


def main(args, config, dataset, answer, explains=None, towards=None):
    """The whole --predict path; exit code 0. `dataset` names keras.datasets.<dataset>, whose word
    index encodes text for a run saved before runs kept their vocabulary (None: none such);
    explains, towards: --explain's score and what it measures (common/predict/explain.py)."""
    texts = read_texts(args)  # bad text fails before any model is loaded
    path = model_path(args.model, args.script, dry_run=args.dry_run)
    model = trained_model(path, args.script)
    print(run_folder.provenance(path, "Answering"), file=sys.stderr)
    vocabulary, maxlen = encoding_for(model, path, config, dataset, args.given)
    print_answers(model, vocabulary, texts, maxlen, answer, explains, towards,
                  run_folder.script_folder(args.script, args.dry_run) / run_folder.EXPLAINED)
    return 0


def gates_main(args, config, dataset):
    """--gates TEXT: the trained model's LSTM run as the notes' NumPy LSTM over TEXT, checked
    against Keras's, drawn gate by gate; exit code 0."""
    import keras

    from common.notes import gates

    if not args.gates.strip():
        raise UsageError("--gates: nothing to draw, the text is empty")
    path = model_path(args.model, args.script, dry_run=args.dry_run)
    model = trained_model(path, args.script)
    print(run_folder.provenance(path, "Drawing"), file=sys.stderr)
    vocabulary, maxlen = encoding_for(model, path, config, dataset, args.given)
    ids = vocabulary.encode(args.gates)
    steps, difference = gates.run(model, keras.utils.pad_sequences([ids], maxlen=maxlen)[0])
    words = [word if known != OOV else f"{word}?" for word, known in zip(vocabulary.split(args.gates), ids[1:])]
    labels = gates.step_labels(words, len(steps), maxlen, *gates.windows(model))
    figure = gates.figure(steps, labels, f"{args.script}: the LSTM's gates over\n\"{preview(args.gates)}\"")
    forget = float(np.mean([step[1].mean() for step in steps[gates.text_steps(labels):]]))
    print(f"{len(steps)} LSTM steps; mean forget gate {forget:.3f}; the notes' NumPy LSTM equals Keras's "
          f"last hidden state to {difference:.1e}")
    save_drawing(figure, args, run_folder.GATES, "Gates")
    return 0


def save_drawing(figure, args, kind, label):
    """A figure of a trained model's insides (kind: run_folder.GATES, ATTENTION, ALIGNMENT) saved as
    a new PNG under runs/<script>/<kind>/, closed, and its path said on stderr as "label: path"."""
    from common import plots

    out = files.new_file(run_folder.script_folder(args.script, args.dry_run) / kind, ".png")
    figure.savefig(out, dpi=100)
    plots.show_or_close(figure, show=False)
    print(f"{label}: {out}", file=sys.stderr)
    return out


def attention_main(args, config, dataset):
    """--attention TEXT: the trained attention's a[t, t'] over the words of TEXT, drawn as a
    heat map; exit code 0."""
    from common.predict import attention

    if not args.attention.strip():
        raise UsageError("--attention: nothing to draw, the text is empty")
    path = model_path(args.model, args.script, dry_run=args.dry_run)
    model = trained_model(path, args.script)
    attention.the_attention(model)  # a model without one is refused before anything runs
    print(run_folder.provenance(path, "Drawing"), file=sys.stderr)
    vocabulary, maxlen = encoding_for(model, path, config, dataset, args.given)
    ids = vocabulary.encode(args.attention)
    import keras

    a = attention.weights(model, keras.utils.pad_sequences([ids], maxlen=maxlen))[0]
    indices, matrix = attention.over_words(a, ids, maxlen)
    if not indices:
        raise UsageError("--attention: nothing to draw, the text has no words")
    words = vocabulary.split(args.attention)
    labels = [words[index - 1] + ("" if ids[index] != OOV else "?") for index in indices]
    score = float(model.predict(keras.utils.pad_sequences([ids], maxlen=maxlen), verbose=0)[0][0])
    drawn = attention.figure(matrix, labels, f"{args.script}: where each word looks (a[t, t'])\n"
                                             f"\"{preview(args.attention)}\" (positive {score:.3f})", maxlen)
    received = matrix.mean(axis=0)
    print(f"{len(labels)} words; the padding before them takes {1 - matrix.sum(axis=1).mean():.3f} of each row; "
          "most looked at: " + ", ".join(f"{labels[i]} {received[i]:.4f}" for i in np.argsort(-received)[:5])
          + f" (uniform: {1 / maxlen:.4f})")
    save_drawing(drawn, args, run_folder.ATTENTION, "Attention")
    return 0
