"""Reuters newswire topics with an LSTM (the book's "LSTM을 이용한 로이터 뉴스 카테고리 분류").

11,228 Reuters newswires, each a list of word ids, labelled with one of 46 topics.
Keeps the 1,000 most frequent words and the last 100 words of each wire, and learns
the topic with Embedding(1000, 100) -> LSTM(100, tanh) -> Dense(46, softmax). Then, as the
notes' opening examples do, it reads your own sentence and names its likeliest topics.

Results on the real data, against the book's: README.md; time per run: docs/speed.md.

    python reuters_lstm.py                # the book's run
    python reuters_lstm.py --epochs 5     # any constant below, overridden from the shell
    python reuters_lstm.py --dry-run      # the whole pipeline on small synthetic data
    python reuters_lstm.py --predict "Oil prices rose after OPEC agreed to cut output"
"""
from common import cli, predict

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Data
NUM_WORDS = 1000  # vocabulary: the most frequent words; rarer ones become "unknown" (id 2)
TEST_SPLIT = 0.2  # fraction of the wires held out as the test set
MAXLEN = 100  # words kept per wire: longer wires lose their start, shorter ones are padded

# Model
EMBEDDING_DIM = 100  # length of each word's learned vector
LSTM_UNITS = 100  # size of the LSTM's hidden state

# Training
BATCH_SIZE = 100  # wires per gradient step
EPOCHS = 20  # passes over the training set
PRECISION = "float32"  # float32: the book's; mixed_bfloat16: products in bfloat16, faster on CPUs with AMX or AVX-512 BF16, results move a little (docs/speed.md)

# Every constant above is a setting (--num-words 500 ...). What each accepts beyond its type;
# an int or float not named here must be positive.
SETTINGS = cli.settings(globals(), rules={
    "NUM_WORDS": cli.VOCABULARY_SIZE,
    "TEST_SPLIT": cli.FRACTION,
    "SEED": cli.NON_NEGATIVE,
    "PRECISION": cli.PRECISION,
}, options=predict.options("the three likeliest topics", gates=True),
    answering_reads=("NUM_WORDS", "MAXLEN"))  # a run saved before vocabulary.json: read as these say

BOOK_RESULTS = {"the book (one machine)": 0.6897, "the book (Colab)": 0.7110}  # its printed test accuracies

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before Keras loads.
import textwrap

from common import keras_setup  # first: it loads Keras, TensorFlow's C++ start-up log kept off the terminal

import keras
from keras import layers
from keras.datasets import reuters

from common import plots, start, training
from common.text import datasets


def main(argv=None):
    return start.main(SETTINGS, train, argv, answer=top_topics, word_index_of_older_runs="reuters",
                      explains=its_topic, explains_towards="its topic", published_results=BOOK_RESULTS)


def load_data(config, dry_run):
    """(X_train, Y_train), (X_test, Y_test): ragged word-id lists and topic numbers."""
    if dry_run:
        return datasets.synthetic_sequences(num_classes=46, num_words=config.num_words)
    # reuters.load_data, guarded: no network, or a damaged file, becomes one line saying what to do
    return datasets.load("reuters", num_words=config.num_words, test_split=config.test_split)


def build_model(config, num_classes=46):
    keras.mixed_precision.set_global_policy(config.precision)  # what the layers below compute in
    model = keras.Sequential([
        keras.Input(shape=(config.maxlen,)),  # the book starts at Embedding; Keras 3 needs the input shape first
        layers.Embedding(config.num_words, config.embedding_dim),
        layers.LSTM(config.lstm_units, activation="tanh"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="reuters_lstm")
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def top_topics(probabilities, count=3):
    """The --predict answer: the `count` likeliest topics, each followed by its probability."""
    names = reuters.get_label_names()
    likeliest = probabilities.argsort()[::-1][:count]
    return [column for topic in likeliest for column in (names[topic], f"{probabilities[topic]:.4f}")]


def shortened(text):
    return textwrap.shorten(text, 300, placeholder=" ...")  # a wire's first 300 characters, cut between words


def show_one_wire(model, wire, padded, topic, vocabulary):
    """Print one test wire in words (in ids with no vocabulary), with its true and predicted topic."""
    names = reuters.get_label_names()
    probabilities = model.predict(training.batches(padded[None, :]), verbose=0)[0]
    guess = int(probabilities.argmax())
    text = vocabulary.decode(wire) if vocabulary else f"(word ids) {list(wire)}"
    print(f"\nA test wire: {shortened(text)}")
    print(f"True topic: {names[topic]}   predicted: {names[guess]} ({probabilities[guess]:.2f})")
    print('Topics of your own text: python reuters_lstm.py --predict "..."')


def its_topic(probabilities, whole_text):
    """What --explain explains: the probability of the topic the whole text was given."""
    return float(probabilities[int(whole_text.argmax())])


def train(config, args, run):
    """The book's page: the wires, the model, training, the test accuracy and the loss graph."""
    keras_setup.seed_everything(config.seed)  # the book: numpy.random.seed(seed); tf.set_random_seed(seed)

    # The data, split into a training set and a test set
    (X_train, Y_train), (X_test, Y_test) = load_data(config, args.dry_run)

    # A look at the data
    run.data = datasets.sizes("reuters", len(X_train), len(X_test), synthetic=args.dry_run)
    category = int(max(Y_train.max(), Y_test.max())) + 1
    print(f"{category} categories{' (synthetic data: --dry-run)' if args.dry_run else ''}")
    print(f"{len(X_train)} training newswires, {len(X_test)} test newswires")
    print("First training wire as word ids:", X_train[0])
    vocabulary = datasets.vocabulary_or_note("reuters", config.num_words, synthetic=args.dry_run)  # also saved for --predict
    if vocabulary:
        print("The same wire in words:", shortened(vocabulary.decode(X_train[0])))

    # Preprocessing: every wire MAXLEN ids long, every topic a one-hot row.
    # The book: sequence.pad_sequences and np_utils.to_categorical, which moved to keras.utils.
    x_train = keras.utils.pad_sequences(X_train, maxlen=config.maxlen)
    x_test = keras.utils.pad_sequences(X_test, maxlen=config.maxlen)
    y_train = keras.utils.to_categorical(Y_train, category)
    y_test = keras.utils.to_categorical(Y_test, category)
    # The book hands model.fit these arrays with batch_size=100; training.batches makes the same
    # shuffled batches without the idle seconds Keras's own pipeline spends at each epoch's end.
    train_batches = training.batches(x_train, y_train, config.batch_size, shuffle=True)
    test_batches = training.batches(x_test, y_test, training.TEST_BATCH_SIZE)  # larger: the same numbers, sooner

    model = build_model(config, category)

    # Training, then the test accuracy, as the book runs them
    # fit and evaluate: with TensorFlow on a CPU, each test batch's two halves side by side, one per core
    side_by_side = training.side_by_side(model, run)
    with run.training():  # Ctrl-C or a NaN loss ends training after the batch; what was learned is kept
        side_by_side.fit(train_batches, epochs=config.epochs, validation_data=test_batches,
                    callbacks=training.callbacks(run), verbose=training.VERBOSE)
    if run.completed:  # an interrupted run is saved, not scored
        print("\n Test Accuracy: %.4f" % (side_by_side.evaluate(test_batches, verbose=0)[1]))
        show_one_wire(model, X_test[0], x_test[0], int(Y_test[0]), vocabulary)

    # The book's graph: test (red) and training (blue) loss per epoch, saved as loss.png
    figure = plots.history_figure(run.history, run.headline(), show=args.show)
    return run.finish(model, figure, texts=predict.saved_texts(vocabulary, config.maxlen))


if __name__ == "__main__":
    cli.main_guard(main)
