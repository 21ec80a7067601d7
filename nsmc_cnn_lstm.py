"""Korean movie-review sentiment with the book's IMDB model (네이버 영화 리뷰 감성 분류).

The notes motivate this chapter with a sentiment analyser for Korean sentences; this is the
book's IMDB network (imdb_cnn_lstm.py: Embedding -> Dropout -> Conv1D -> MaxPooling1D -> LSTM
-> sigmoid, layer for layer) on the Naver sentiment movie corpus (NSMC): 150,000 training and
50,000 test reviews, labelled positive or negative. The reviews are raw text, so this script
does what Keras did for IMDB: splits them into tokens (Kiwi's morphemes by default), counts a
vocabulary on the training set, and encodes each review as ids. The vocabulary is saved with
the run, so that --predict reads a new sentence exactly as training did.

Results and time per run: docs/korean-reviews.md. The first run also splits the 200,000 reviews
into morphemes, once (then cached).

    python nsmc_cnn_lstm.py                                       # train
    python nsmc_cnn_lstm.py --predict "이 영화 정말 재미있어요"       # sentiment of your sentence
    python nsmc_cnn_lstm.py --tokenizer spaces                    # words between spaces instead
"""
from common import cli, predict
from common.text import tokenizers

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Data
TOKENIZER = "morphemes"  # morphemes: Kiwi's morpheme analysis (kiwipiepy); spaces: the words between spaces
NUM_WORDS = 20000  # vocabulary: the most frequent tokens of the training set (99% of morphemes); rarer: "unknown"
MAXLEN = 40  # tokens kept per review: all of 89% of reviews (mean 20 morphemes); 60 gave +0.001 at 1.35x the time

# Training (the model is imdb_cnn_lstm.py's, with its settings)
BATCH_SIZE = 100  # reviews per gradient step
EPOCHS = 3  # passes over the training set: the test accuracy stops rising after about 3
PRECISION = "float32"  # float32: the book's; mixed_bfloat16: products in bfloat16, faster on CPUs with AMX or AVX-512 BF16, results move a little (docs/speed.md)
BATCH_HALVES = True  # TensorFlow on a CPU: each batch's two halves through the model side by side, one per core (faster; dropout masks drawn per half, so a seed lands elsewhere)

SETTINGS = cli.settings(globals(), rules={
    "TOKENIZER": cli.one_of(*tokenizers.NAMES),
    "NUM_WORDS": cli.VOCABULARY_SIZE,
    "SEED": cli.NON_NEGATIVE,
    "PRECISION": cli.PRECISION,
}, checks=[
    (lambda c: c.maxlen >= 8, "--maxlen must be at least 8: the book's Conv1D(5) and MaxPooling1D(4) need it"),
], options=predict.options("the sentiment"))

PUBLISHED = {"BERT multilingual (KoBERT README)": 0.875, "KoBERT": 0.901}  # NSMC test accuracy, for --seeds
EXAMPLES = ("이 영화 정말 재미있어요. 배우들 연기도 최고!", "올해 본 영화 중에 가장 감동적이었다",  # answered after training
            "시간 낭비였다. 지루하고 스토리도 엉망", "돈 아깝다 이런 영화를 왜 만들었는지")

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before Keras loads.
from common import keras_setup  # first: it loads Keras, TensorFlow's C++ start-up log kept off the terminal

import keras

import imdb_cnn_lstm  # the book's model and its settings, not a copy
from common import plots, start, training
from common.text import Vocabulary, datasets, nsmc


def main(argv=None):
    return start.main(SETTINGS, train, argv, answer=imdb_cnn_lstm.sentiment, explains=imdb_cnn_lstm.positive,
                      explains_towards="positive", published_results=PUBLISHED)


def load_data(tokenizer, dry_run):
    """((train token lists, labels), (test token lists, labels))."""
    if dry_run:
        return nsmc.synthetic_data(tokenizer)
    return nsmc.load_data(tokenizer)


def build_model(config):
    """imdb_cnn_lstm.py's layers and their sizes; the vocabulary, the length and the precision are this script's."""
    return imdb_cnn_lstm.cnn_lstm(config.num_words, config.maxlen, config.precision, name="nsmc_cnn_lstm")


def train(config, args, run):
    """The IMDB page on Korean reviews: tokens, vocabulary, the book's model, training, the loss graph."""
    keras_setup.seed_everything(config.seed)  # the book: numpy.random.seed(seed); tf.set_random_seed(seed)

    # The reviews as tokens, and the vocabulary counted on the training set (Keras did this for IMDB).
    tokenizer = tokenizers.tokenizer(config.tokenizer)
    (train_tokens, y_train), (test_tokens, y_test) = load_data(tokenizer, args.dry_run)
    run.data = datasets.sizes("nsmc", len(train_tokens), len(test_tokens), synthetic=args.dry_run)
    print(f"{len(train_tokens)} training reviews, {len(test_tokens)} test reviews, split into {tokenizer.name}"
          f"{' (synthetic data: --dry-run)' if args.dry_run else ''}")
    vocabulary = Vocabulary.counted(train_tokens, config.num_words, tokenizer.split)
    x_train = keras.utils.pad_sequences([vocabulary.encode_words(t) for t in train_tokens], maxlen=config.maxlen)
    x_test = keras.utils.pad_sequences([vocabulary.encode_words(t) for t in test_tokens], maxlen=config.maxlen)
    train_batches = training.batches(x_train, y_train, config.batch_size, shuffle=True)
    test_batches = training.batches(x_test, y_test, training.TEST_BATCH_SIZE)  # larger: the same numbers, sooner

    model = build_model(config)
    model.summary()

    # Training, then the test accuracy, as the book runs IMDB
    # fit and evaluate: with TensorFlow on a CPU, each test batch's two halves side by side, one per core
    # (and each training batch's, BATCH_HALVES)
    side_by_side = training.side_by_side(model, run, training_in_halves=config.batch_halves)
    with run.training():  # Ctrl-C or a NaN loss ends training after the batch; what was learned is kept
        side_by_side.fit(train_batches, epochs=config.epochs, validation_data=test_batches,
                    callbacks=training.callbacks(run), verbose=training.VERBOSE)
    if run.completed:  # an interrupted run is saved, not scored
        print("\n Test Accuracy: %.4f" % (side_by_side.evaluate(test_batches, verbose=0)[1]))
        print('\nYour own sentence: python nsmc_cnn_lstm.py --predict "...". For example:')
        predict.print_answers(model, vocabulary, EXAMPLES, config.maxlen, imdb_cnn_lstm.sentiment)

    figure = plots.history_figure(run.history, run.headline(), show=args.show)
    return run.finish(model, figure, texts=predict.saved_texts(vocabulary, config.maxlen, tokenizer))


if __name__ == "__main__":
    cli.main_guard(main)
