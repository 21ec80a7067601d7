"""IMDB review sentiment with a CNN and an LSTM (the book's "LSTM과 CNN의 조합을 이용한 영화 리뷰 분류").

25,000 training and 25,000 test movie reviews, each a list of word ids, labelled positive
or negative. Keeps the 5,000 most frequent words and the last 100 words of each review:
Embedding -> Dropout -> Conv1D -> MaxPooling1D -> LSTM -> Dense -> sigmoid.
Then it does what the notes say such a model is for: it reads your own sentence and
says how positive it is.

Results on the real data, against the book's: README.md; time per run: docs/speed.md.

    python imdb_cnn_lstm.py                                   # train, as the book does
    python imdb_cnn_lstm.py --predict "A wonderful film."     # sentiment of your text
    python imdb_cnn_lstm.py --predict-file reviews.txt        # one review per line
    python imdb_cnn_lstm.py --edition 3                       # the third edition's settings
"""
from common import cli, predict

# Edition
EDITION = 1  # 1: the settings below, the first edition's; 3: the third edition's, MAXLEN 500, BATCH_SIZE 40, up to 100 EPOCHS stopped early (flags given beside it still apply)

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Data
NUM_WORDS = 5000  # vocabulary: the most frequent words; rarer ones become "unknown" (id 2)
MAXLEN = 100  # words kept per review: longer reviews lose their start, shorter ones are padded

# Model
EMBEDDING_DIM = 100  # length of each word's learned vector
DROPOUT = 0.5  # fraction of embedding values zeroed while training
FILTERS = 64  # Conv1D feature maps
KERNEL_SIZE = 5  # words each filter looks at
POOL_SIZE = 4  # MaxPooling1D window
LSTM_UNITS = 55  # size of the LSTM's hidden state

# Training
BATCH_SIZE = 100  # reviews per gradient step
EPOCHS = 5  # passes over the training set
PATIENCE = 3  # edition 3: epochs without a better validation loss before training stops (the book's EarlyStopping)
VALIDATION_SPLIT = 0.2  # edition 3: the last fifth of the training reviews, what early stopping watches (the book watched the test set)
PRECISION = "float32"  # float32: the book's; mixed_bfloat16: products in bfloat16, faster on CPUs with AMX or AVX-512 BF16, results move a little (docs/speed.md)
BATCH_HALVES = True  # TensorFlow on a CPU: each batch's two halves through the model side by side, one per core (faster; dropout masks drawn per half, so a seed lands elsewhere)

# Every constant above is a setting (--dropout 0.3 ...). What each accepts beyond its type;
# an int or float not named here must be positive.
SETTINGS = cli.settings(globals(), rules={
    "DROPOUT": cli.rule(lambda rate: 0 <= rate < 1, "must be in [0, 1)"),
    "NUM_WORDS": cli.VOCABULARY_SIZE,
    "SEED": cli.NON_NEGATIVE,
    "PRECISION": cli.PRECISION,
    "EDITION": cli.rule(lambda edition: edition in (1, 3), "must be 1 or 3 (the book's editions with this page)"),
    "VALIDATION_SPLIT": cli.FRACTION,
}, checks=[
    (lambda c: (c.maxlen - c.kernel_size + 1) // c.pool_size >= 1,
     "--maxlen must leave at least one --pool-size window after the --kernel-size convolution"),
], options=predict.options("the sentiment", gates=True),
    answering_reads=("NUM_WORDS", "MAXLEN"),  # a run saved before vocabulary.json: read as these say
    presets={"EDITION": {3: {"MAXLEN": 500, "BATCH_SIZE": 40, "EPOCHS": 100}}})

BOOK_RESULTS = {1: {"the book": 0.8519},  # its printed test accuracy, by edition (the third stopped early on the test set)
                3: {"the book (3rd ed., early stopping on the test set)": 0.8796}}

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before Keras loads.
from common import keras_setup  # first: it loads Keras, TensorFlow's C++ start-up log kept off the terminal

import keras
from keras import layers

from common import plots, start, training
from common.text import datasets


def main(argv=None):
    return start.main(SETTINGS, train, argv, answer=sentiment, word_index_of_older_runs="imdb",
                      explains=positive, explains_towards="positive",
                      published_results=lambda config: BOOK_RESULTS[config.edition])


EXAMPLES = (  # printed with their predicted sentiment after training
    "A wonderful film, I loved every minute of it. The acting was brilliant.",
    "One of the best movies I have seen in years: moving, funny and beautifully made.",
    "This movie was terrible. Boring, badly acted and far too long.",
    "The worst film I have ever seen, a complete waste of time and money.",
)


def load_data(config, dry_run):
    """(x_train, y_train), (x_test, y_test): ragged word-id lists and 0/1 labels."""
    if dry_run:
        return datasets.synthetic_sequences(num_classes=2, num_words=config.num_words)
    # imdb.load_data, guarded: no network, or a damaged file, becomes one line saying what to do
    return datasets.load("imdb", num_words=config.num_words)


def build_model(config):
    return cnn_lstm(config.num_words, config.maxlen, config.precision, embedding_dim=config.embedding_dim,
                    dropout=config.dropout, filters=config.filters, kernel_size=config.kernel_size,
                    pool_size=config.pool_size, lstm_units=config.lstm_units)


def cnn_lstm(num_words, maxlen, precision="float32", *, embedding_dim=EMBEDDING_DIM, dropout=DROPOUT, filters=FILTERS,
             kernel_size=KERNEL_SIZE, pool_size=POOL_SIZE, lstm_units=LSTM_UNITS, name="imdb_cnn_lstm"):
    """The book's layers, compiled; the sizes not given are this page's settings as the file sets
    them (nsmc_cnn_lstm.py builds the same layers under its own name)."""
    keras.mixed_precision.set_global_policy(precision)  # what the layers below compute in
    model = keras.Sequential([
        keras.Input(shape=(maxlen,)),  # the book starts at Embedding; Keras 3 needs the input shape first
        layers.Embedding(num_words, embedding_dim),
        layers.Dropout(dropout),
        layers.Conv1D(filters, kernel_size, padding="valid", activation="relu", strides=1),
        layers.MaxPooling1D(pool_size=pool_size),
        layers.LSTM(lstm_units),
        layers.Dense(1),
        layers.Activation("sigmoid"),
    ], name=name)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def sentiment(probabilities):
    """The --predict answer: the probability that the review is positive, and the label."""
    positive = probabilities[0]
    return [f"{positive:.4f}", "positive" if positive >= 0.5 else "negative"]


def positive(probabilities, _whole_text):
    """What --explain explains: the probability that the review is positive."""
    return float(probabilities[0])


def train(config, args, run):
    """The book's page: the reviews, the model, training, the test accuracy and the loss graph."""
    keras_setup.seed_everything(config.seed)  # the book: numpy.random.seed(seed); tf.set_random_seed(seed)
    training.fewer_epochs_in_a_dry_run(config, args, at_most=EPOCHS)  # edition 3's 100 too

    # The training set and the test set, every review MAXLEN ids long.
    # The book: sequence.pad_sequences, which moved to keras.utils.
    (x_train, y_train), (x_test, y_test) = load_data(config, args.dry_run)
    run.data = datasets.sizes("imdb", len(x_train), len(x_test), synthetic=args.dry_run)
    print(f"{len(x_train)} training reviews, {len(x_test)} test reviews"
          f"{' (synthetic data: --dry-run)' if args.dry_run else ''}")
    x_train = keras.utils.pad_sequences(x_train, maxlen=config.maxlen)
    x_test = keras.utils.pad_sequences(x_test, maxlen=config.maxlen)

    model = build_model(config)
    model.summary()

    # Training, then the test accuracy, as the book runs them. The book hands model.fit the arrays
    # with batch_size=100; training.batches makes the same shuffled batches without the idle
    # seconds Keras's own pipeline spends at each epoch's end.
    # The third edition stops early, EarlyStopping(monitor='val_loss', patience=3), watching the test
    # set; here it watches the last VALIDATION_SPLIT of the training reviews, never trained on, and
    # keeps the best epoch's weights: the test set is read once, at the end (imdb_attention.py too).
    validation, stopping = (x_test, y_test), []
    if config.edition == 3:
        (x_train, y_train), validation = training.split_off_validation(x_train, y_train, config.validation_split)
        stopping = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True)]
        print(f"Edition 3: {len(x_train)} reviews to train on, the last {len(validation[0])} to stop early on")
        run.data["validation_size"] = len(validation[0])  # what each epoch's val_ numbers are measured on
    train_batches = training.batches(x_train, y_train, config.batch_size, shuffle=True)
    test_batches = training.batches(x_test, y_test, training.TEST_BATCH_SIZE)  # larger: the same numbers, sooner
    # fit and evaluate: with TensorFlow on a CPU, each test batch's two halves side by side, one per core
    # (and each training batch's, BATCH_HALVES)
    side_by_side = training.side_by_side(model, run, training_in_halves=config.batch_halves)
    with run.training():  # Ctrl-C or a NaN loss ends training after the batch; what was learned is kept
        side_by_side.fit(train_batches, epochs=config.epochs,
                         validation_data=training.batches(*validation, training.TEST_BATCH_SIZE),
                         callbacks=[*training.callbacks(run), *stopping], verbose=training.VERBOSE)
    best_epoch = training.best_epoch(stopping[0], run) if stopping else None
    vocabulary = datasets.vocabulary_or_note("imdb", config.num_words, synthetic=args.dry_run)  # saved for --predict
    if run.completed:  # an interrupted run is saved, not scored
        run.tested(side_by_side.evaluate(test_batches, verbose=0, return_dict=True))
        print("\n Test Accuracy: %.4f" % run.evaluation["accuracy"])
        if vocabulary:
            print('\nYour own text: python imdb_cnn_lstm.py --predict "...". For example:')
            predict.print_answers(model, vocabulary, EXAMPLES, config.maxlen, sentiment)

    # The book's graph: test (red) and training (blue) loss per epoch, saved as loss.png
    # (edition 3: the validation split's, the best epoch marked)
    figure = plots.history_figure(run.history, run.headline(), show=args.show, best_epoch=best_epoch,
                                  validation="Validation" if stopping else "Testset")
    return run.finish(model, figure, extra={"best_epoch": best_epoch} if stopping else None,
                      texts=predict.saved_texts(vocabulary, config.maxlen))


if __name__ == "__main__":
    cli.main_guard(main)
