"""One picture in, a sentence out: the notes' second shape, captioning, on pictures it draws.

The notes' second shape, "단일 입력 다수 출력", reads one fixed-size input and writes a sequence:
"이미지를 입력해서 이미지에 대한 설명을 문장으로 출력하는 이미지 캡션 생성", a CNN and an RNN together.
Real captioning needs a CNN pretrained on ImageNet and a corpus such as Flickr8k (about 1 GB);
here the script draws its own small world (common/pictures.py): one to three coloured shapes
in three places, and their caption, "왼쪽에 빨간 원, 오른쪽에 파란 세모".

The model is Show and Tell (Vinyals et al., 2015): a small Conv2D encoder whose vector starts an
LSTM, which writes the caption word by word, fed the true previous word while training (teacher
forcing) and its own choice after (greedy). With WITH_ATTENTION the LSTM also looks at the
encoder's regions at each word (Show, Attend and Tell, Xu et al., 2015, with Keras's own
AdditiveAttention): what it sees there, not which words usually follow, picks the colour and
the shape. Four place-colour-shape combinations never appear in training (UNSEEN in
common/pictures.py): the unseen test pictures each hold one, so their score is composition.

    python caption_shapes.py                                   # draw, train, caption the test pictures
    python caption_shapes.py --language en                     # the same world, captioned in English
    python caption_shapes.py --predict my_picture.png          # a caption for your own picture
"""
from common import cli, predict

# Seed
SEED = 0  # the same seed repeats the same run (the pictures never move: every seed is scored on the same ones)
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Pictures
LANGUAGE = "ko"  # the captions' language: ko (Korean) or en (English)
IMAGE_SIZE = 48  # pixels a side; a multiple of 8 (the encoder halves it three times)
TRAIN_PICTURES = 6000  # drawn for training, none holding an unseen combination; the last VALIDATION_FRACTION validates
VALIDATION_FRACTION = 0.1  # of the training pictures: what early stopping watches
TEST_PICTURES = 500  # of each kind, scored once at the end: ordinary pictures, and pictures holding an unseen combination

# Model
WITH_ATTENTION = True  # the LSTM also looks at the picture's regions at each word; false: the encoder's vector alone
FILTERS = 16  # the first convolution's filters; the next two have twice as many
EMBEDDING_DIM = 32  # length of each word's learned vector
UNITS = 128  # size of the LSTM's state
STATE_DROPOUT = 0.5  # fraction of the LSTM's output dropped before each word is chosen (with attention): the words lean on what is seen

# Training
BATCH_SIZE = 64  # pictures per gradient step
EPOCHS = 20  # at most: training stops once the validation loss has not improved for PATIENCE epochs
PATIENCE = 3  # epochs without a better validation loss before training stops; the best epoch's weights are kept
BATCH_HALVES = True  # TensorFlow on a CPU: each batch's two halves through the model side by side, one per core

SETTINGS = cli.settings(globals(), rules={
    "SEED": cli.NON_NEGATIVE,
    "LANGUAGE": cli.one_of("ko", "en"),
    "IMAGE_SIZE": cli.rule(lambda size: size >= 24 and size % 8 == 0, "must be a multiple of 8, at least 24"),
    "VALIDATION_FRACTION": cli.FRACTION,
    "STATE_DROPOUT": cli.rule(lambda rate: 0 <= rate < 1, "must be in [0, 1)"),
}, options=predict.options("the caption", reads="pictures"))

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before Keras loads.
from common import keras_setup  # first: it loads Keras, TensorFlow's C++ start-up log kept off the terminal

import json
import sys
from pathlib import Path

import keras
import numpy as np
from keras import layers

from common import decoding, pictures, plots, start, training
from common.errors import ScriptError, UsageError
from common.records import run_folder
from common.text import INDEX_FROM, START, Vocabulary, tokenizers

END = INDEX_FROM  # id 3, which no word has (common/text: words from 4): the end of a caption
WORDS = tokenizers.EnglishWords()  # words and commas, Hangul or Latin alike
PICTURE_SEEDS = {"train": 1, "test": 2, "unseen": 3}  # fixed: every run draws the same pictures
CAPTIONS_FIGURE = "captions.png"
SHOWN = 12  # test pictures in the figure, half of them unseen
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
SMALLEST_PICTURE = 16  # pixels a side: anything smaller holds no shape to see


def main(argv=None):
    return start.main(SETTINGS, train, argv, answers=caption_main)


# The data: pictures, and their captions as ids.

def draw_sets(config, dry_run):
    """{"train", "test", "unseen"}: (pictures, captions), drawn from fixed seeds (fewer with --dry-run)."""
    counts = {"train": 300, "test": 40, "unseen": 40} if dry_run else {
        "train": config.train_pictures, "test": config.test_pictures, "unseen": config.test_pictures}
    found = {}
    for kind, count in counts.items():
        drawn, scenes = pictures.pictures(count, config.image_size, PICTURE_SEEDS[kind], unseen=kind == "unseen")
        found[kind] = (drawn, [pictures.caption(scene, config.language) for scene in scenes])
    return found


def arrays(captions, vocabulary):
    """The LSTM's inputs (a start mark, then the caption's ids), its targets (the ids, then the
    end) and the weights that leave the padding out of the loss."""
    ids = [vocabulary.encode_words(WORDS.split(caption))[1:] for caption in captions]
    length = max(map(len, ids)) + 1
    words_in = keras.utils.pad_sequences([[START] + found for found in ids], maxlen=length, padding="post")
    targets = keras.utils.pad_sequences([found + [END] for found in ids], maxlen=length, padding="post")
    return words_in, targets, (targets != 0).astype("float32")


def joined(words):
    return " ".join(words).replace(" ,", ",")


# The model: Conv2D encoder -> its vector starts the LSTM; with attention, the LSTM also reads the regions.

@keras.saving.register_keras_serializable(package="caption_shapes")
class RegionsWithPlaces(layers.Layer):
    """The encoder's (rows, columns, channels) map as rows x columns regions, each followed by its
    place (x and y in [-1, 1]): the attention's keys know where a region is, its values need not."""

    def call(self, feature_map):
        rows, columns, channels = feature_map.shape[1:]
        regions = keras.ops.reshape(feature_map, (-1, rows * columns, channels))
        y, x = keras.ops.meshgrid(keras.ops.linspace(-1.0, 1.0, rows), keras.ops.linspace(-1.0, 1.0, columns),
                                  indexing="ij")
        places = keras.ops.stack([keras.ops.reshape(x, (-1,)), keras.ops.reshape(y, (-1,))], axis=-1)
        places = keras.ops.broadcast_to(places[None], (keras.ops.shape(regions)[0], rows * columns, 2))
        return keras.ops.concatenate([regions, keras.ops.cast(places, regions.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        batch, rows, columns, channels = input_shape
        return batch, rows * columns, channels + 2


def build_model(config, words):
    picture = keras.Input(shape=(config.image_size, config.image_size, 3), name="picture")
    words_in = keras.Input(shape=(None,), dtype="int32", name="words_in")
    feature_map = layers.Rescaling(-1.0, offset=1.0, name="ink")(picture)  # the light background near 0, the shapes bright
    for filters in (config.filters, 2 * config.filters, 2 * config.filters):
        feature_map = layers.Conv2D(filters, 3, padding="same", activation="relu")(feature_map)
        feature_map = layers.MaxPooling2D()(feature_map)
    vector = layers.Flatten(name="picture_vector")(feature_map)
    state = [layers.Dense(config.units, activation="tanh", name="h0")(vector), layers.Dense(config.units, name="c0")(vector)]
    embedded = layers.Embedding(words, config.embedding_dim, mask_zero=True, name="word_embedding")(words_in)
    decoded = layers.LSTM(config.units, return_sequences=True, name="decoder")(embedded, initial_state=state)
    if config.with_attention:
        regions = RegionsWithPlaces(name="regions")(feature_map)
        keys = layers.Dense(config.units, use_bias=False, name="key")(regions)  # what and where
        values = layers.Dense(config.units, use_bias=False, name="value")(regions[..., :-2])  # what alone
        query = layers.Dense(config.units, use_bias=False, name="query")(decoded)
        context = layers.AdditiveAttention(name="attention")([query, values, keys])
        decoded = layers.Dense(config.units, activation="tanh", name="attentional")(
            layers.concatenate([context, layers.Dropout(config.state_dropout, name="state_dropout")(decoded)]))
    probabilities = layers.Dense(words, activation="softmax", name="next_word")(decoded)
    model = keras.Model({"picture": picture, "words_in": words_in}, probabilities, name="caption_shapes")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", weighted_metrics=["accuracy"])
    return model


def captions_of(model, vocabulary, drawn, max_words):
    """Greedy captions of the pictures: the model reads each its caption so far, again at each
    word (a caption is a dozen words: no step model is needed)."""
    def step(tokens, state):
        found, written = state
        written = np.concatenate([written, tokens[:, None]], axis=1)
        probabilities = keras.ops.convert_to_numpy(model({"picture": found, "words_in": written}, training=False))
        return np.log(np.maximum(probabilities[:, -1], 1e-30)), (found, written), None

    captions = []
    for first in range(0, len(drawn), training.TEST_BATCH_SIZE):
        found = drawn[first:first + training.TEST_BATCH_SIZE]
        hypotheses = decoding.greedy(step, (found, np.zeros((len(found), 0), "int32")), START, END, max_words)
        captions += [joined(vocabulary.words.get(token, "?") for token in hypothesis.tokens) for hypothesis in hypotheses]
    return captions


def scores(written, truths):
    """The share of captions exactly right, and of the true words (the end included) written
    in their place."""
    exact = [found == truth for found, truth in zip(written, truths)]
    right = total = 0
    for found, truth in zip(written, truths):
        found, truth = WORDS.split(found) + ["</s>"], WORDS.split(truth) + ["</s>"]
        right += sum(a == b for a, b in zip(found, truth))
        total += len(truth)
    return round(float(np.mean(exact)), 4), round(right / total, 4)


def train(config, args, run):
    """The page: the pictures, the model, training until the validation loss stops falling, the
    test pictures captioned and scored, the loss graph and a grid of captions."""
    keras_setup.seed_everything(config.seed)
    training.fewer_epochs_in_a_dry_run(config, args, at_most=2)

    sets = draw_sets(config, args.dry_run)
    (drawn, captions), kept = sets["train"], len(sets["train"][1]) - max(1, round(len(sets["train"][1]) * config.validation_fraction))
    run.data = {"train_size": kept, "validation_size": len(captions) - kept, "test_size": len(sets["test"][1]),
                "unseen_test_size": len(sets["unseen"][1])}
    print(f"{kept} training pictures, {len(captions) - kept} validation, {len(sets['test'][1])} test and "
          f"{len(sets['unseen'][1])} with a combination never trained on ({config.image_size} x {config.image_size})")
    print(f"First training caption: {captions[0]}")
    vocabulary = Vocabulary.counted([WORDS.split(caption) for caption in captions[:kept]], None, WORDS.split)
    max_words = max(len(WORDS.split(caption)) for caption in captions) + 2

    model = build_model(config, vocabulary.num_words)
    model.summary()
    early_stopping_callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                            restore_best_weights=True)
    words_in, targets, weights = arrays(captions, vocabulary)
    inputs = {"picture": drawn, "words_in": words_in}
    part = {name: (value[:kept], value[kept:]) for name, value in inputs.items()}
    train_batches = training.batches({name: value[0] for name, value in part.items()}, targets[:kept], config.batch_size,
                                     shuffle=True, sample_weight=weights[:kept])
    validation_batches = training.batches({name: value[1] for name, value in part.items()}, targets[kept:],
                                          training.TEST_BATCH_SIZE, sample_weight=weights[kept:])
    side_by_side = training.side_by_side(model, run, training_in_halves=config.batch_halves)
    with run.training():  # Ctrl-C or a NaN loss ends training after the batch; what was learned is kept
        side_by_side.fit(train_batches, epochs=config.epochs, validation_data=validation_batches,
                         callbacks=[*training.callbacks(run), early_stopping_callback], verbose=training.VERBOSE)
    best_epoch = training.best_epoch(early_stopping_callback, run)
    figures = {}
    if run.completed:  # an interrupted run is saved, not scored
        test_in, test_targets, test_weights = arrays(sets["test"][1], vocabulary)
        test = side_by_side.evaluate(training.batches({"picture": sets["test"][0], "words_in": test_in}, test_targets,
                                                      training.TEST_BATCH_SIZE, sample_weight=test_weights),
                                     verbose=0, return_dict=True)  # the next word's loss and accuracy, teacher-forced
        print(f"\nThe best epoch's weights ({best_epoch} of {run.outcome.done}, lowest validation loss) are kept.")
        written = {kind: captions_of(model, vocabulary, sets[kind][0], max_words) for kind in ("test", "unseen")}
        for kind, suffix in (("test", ""), ("unseen", "_unseen")):
            test[f"exact{suffix}"], test[f"word_accuracy{suffix}"] = scores(written[kind], sets[kind][1])
        print(f"\nExact captions: {test['exact']:.3f} of the ordinary test pictures, {test['exact_unseen']:.3f} of "
              f"those holding a combination never trained on (words in place: {test['word_accuracy']:.3f}, "
              f"{test['word_accuracy_unseen']:.3f})")
        for kind in ("test", "unseen"):
            for caption, truth in list(zip(written[kind], sets[kind][1]))[:3]:
                print(f"  {kind:6}  model: {caption}\n          truth: {truth}")
        run.tested(test)
        figures[CAPTIONS_FIGURE] = captions_figure(sets, written, run.script)
        print(f"\nYour own picture: python {run.script}.py --predict my_picture.png")

    title = f"{run.script} ({'attention' if config.with_attention else 'no attention'}): " + (
        f"{run.evaluation['exact_unseen']:.3f} exact on unseen combinations" if "exact_unseen" in run.evaluation
        else run.outcome.status)
    figure = plots.history_figure(run.history, title, show=args.show, best_epoch=best_epoch, validation="Validation")
    return run.finish(model, figure, extra={"best_epoch": best_epoch, "score": "test_exact_unseen"}, figures=figures,
                      texts={predict.VOCABULARY: json.dumps({"language": config.language, "image_size": config.image_size,
                                                             "words": vocabulary.ranked_words(), "max_words": max_words},
                                                            ensure_ascii=False, indent=0) + "\n"})


def captions_figure(sets, written, script):
    """Test pictures, half ordinary and half unseen, the model's caption and the true one under each."""
    plt = plots.pyplot()
    figure, axes = plt.subplots(2, SHOWN // 2, figsize=(2.4 * SHOWN // 2, 8.4))
    for row, kind in enumerate(("test", "unseen")):
        for column, axis in enumerate(axes[row]):
            caption, truth = written[kind][column], sets[kind][1][column]
            axis.imshow(sets[kind][0][column])
            axis.set_xticks([]), axis.set_yticks([])
            lines = caption.replace(", ", ",\n") + ("" if caption == truth else "\n(true)\n" + truth.replace(", ", ",\n"))
            axis.set_xlabel(lines, fontsize=8, color="black" if caption == truth else "firebrick", va="top")
        axes[row][0].set_ylabel("ordinary" if kind == "test" else "unseen combination")
    figure.suptitle(f"{script}: the model's captions of test pictures (red: wrong, with the true caption)")
    figure.tight_layout()
    return figure


# --predict: the saved model and vocabulary caption the user's pictures; nothing is drawn.

def opened_picture(path, flag):
    """The picture at `path` in RGB (Pillow, matplotlib's own dependency); ScriptError for a
    missing file, one that is not a picture, or one too small to show a shape."""
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise ScriptError(f"{flag}: {path} does not exist")
    try:
        with Image.open(path) as opened:
            picture = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        raise ScriptError(f"{flag}: {path} is not a picture (PNG, JPEG, BMP, GIF or WebP)") from None
    if min(picture.size) < SMALLEST_PICTURE:
        raise ScriptError(f"{flag}: {path} is {picture.size[0]} x {picture.size[1]} pixels: too small to show a "
                          f"shape (at least {SMALLEST_PICTURE} a side)")
    return picture


def as_array(picture, path, size):
    """The picture as (size, size, 3) floats in [0, 1], resized (bilinear) if it is not size x
    size, with a note."""
    if picture.size != (size, size):
        print(f"note: {path.name} is {picture.size[0]} x {picture.size[1]}: resized to {size} x {size}, the size the "
              "model was trained on" + ("" if picture.size[0] == picture.size[1] else " (stretched: it is not square)"),
              file=sys.stderr)
        picture = picture.resize((size, size), resample=2)  # 2: Pillow's bilinear filter
    return np.asarray(picture, dtype="float32") / 255


def given_pictures(args):
    """The paths --predict or --predict-file names: one picture, or a folder's pictures by name."""
    if args.predict is not None:
        if not args.predict.strip():
            raise UsageError("--predict: give a picture's path")
        return [Path(args.predict)]
    folder = Path(args.predict_file)
    if not folder.is_dir():
        raise ScriptError(f"--predict-file: {folder} is not a folder (--predict takes one picture)")
    found = sorted(path for path in folder.iterdir() if path.suffix.lower() in PICTURE_SUFFIXES)
    if not found:
        raise ScriptError(f"--predict-file: {folder} holds no picture ({', '.join(PICTURE_SUFFIXES)})")
    return found


def saved_vocabulary(path):
    """(Vocabulary, picture size, longest caption) saved with the run of the model at path."""
    return predict.read_saved(path, lambda record: (
        Vocabulary.ranked(record["words"], str.split), int(record["image_size"]), int(record["max_words"])))


def caption_main(args, config):
    """--predict / --predict-file: one caption a line, then the picture's path. Exit code 0."""
    paths = given_pictures(args)
    flag = "--predict" if args.predict is not None else "--predict-file"
    opened = [opened_picture(found, flag) for found in paths]  # every picture checked before the model loads
    path = predict.model_path(args.model, args.script, dry_run=args.dry_run)
    model = predict.trained_model(path, args.script)
    print(run_folder.provenance(path, "Captioning"), file=sys.stderr)
    vocabulary, size, max_words = saved_vocabulary(path)
    drawn = np.stack([as_array(picture, found, size) for picture, found in zip(opened, paths)])
    for found, caption in zip(paths, captions_of(model, vocabulary, drawn, max_words)):
        print(f"{caption}\t{found}")
    return 0


if __name__ == "__main__":
    cli.main_guard(main)
