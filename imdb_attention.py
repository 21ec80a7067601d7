"""IMDB review sentiment with an LSTM and attention (the book's third edition, "어텐션을 사용한 신경망").

The third edition ends the RNN chapter with this model: the 5,000 most frequent words, the
last 500 of each review, Embedding -> Dropout -> LSTM (every step's hidden state) ->
SeqSelfAttention -> Dropout -> Flatten -> Dense -> sigmoid. The book's SeqSelfAttention came
from keras-self-attention, which Keras 3 cannot load; common/self_attention.py is the same layer
on Keras 3's own API. Training stops early as the book's does, but watches a validation split
of the training set, not the test set (below, at EarlyStopping).

Then it shows what the attention does: --attention TEXT draws where each word of your review
looks, and --predict TEXT --explain puts the attention each word received beside its occlusion.

Results on the real data, against the book's: README.md; time per epoch: docs/speed.md.

    python imdb_attention.py                                          # train, as the book does
    python imdb_attention.py --predict "A wonderful film."            # sentiment of your text
    python imdb_attention.py --attention "a wonderful film with a terrible ending"
"""
from common import cli, predict

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Data
NUM_WORDS = 5000  # vocabulary: the most frequent words; rarer ones become "unknown" (id 2)
MAXLEN = 500  # words kept per review: longer reviews lose their start, shorter ones are padded

# Model
EMBEDDING_DIM = 500  # length of each word's learned vector (the book's Embedding(5000, 500))
DROPOUT = 0.5  # fraction of values zeroed while training, after the embedding and after the attention
LSTM_UNITS = 64  # size of the LSTM's hidden state
ATTENTION_UNITS = 32  # the attention score's hidden layer (keras-self-attention's default)

# Training
BATCH_SIZE = 40  # reviews per gradient step
EPOCHS = 100  # at most: training stops once the validation loss has not improved for PATIENCE epochs
PATIENCE = 3  # epochs without a better validation loss before training stops (the book's EarlyStopping)
VALIDATION_SPLIT = 0.2  # the last fifth of the training reviews: what early stopping watches, never trained on
VALIDATE_ON = "split"  # split: the validation split (honest); test: the test set, as the book does (flatters the test accuracy)
PRECISION = "float32"  # float32: the book's; mixed_bfloat16: products in bfloat16, faster on CPUs with AMX or AVX-512 BF16, results move a little (docs/speed.md)
BATCH_HALVES = True  # TensorFlow on a CPU: each batch's two halves through the model side by side, one per core (faster; dropout masks drawn per half, so a seed lands elsewhere)

SETTINGS = cli.settings(globals(), rules={
    "DROPOUT": cli.rule(lambda rate: 0 <= rate < 1, "must be in [0, 1)"),
    "NUM_WORDS": cli.VOCABULARY_SIZE,
    "SEED": cli.NON_NEGATIVE,
    "PRECISION": cli.PRECISION,
    "VALIDATION_SPLIT": cli.FRACTION,
    "VALIDATE_ON": cli.one_of("split", "test"),
}, options=predict.options("the sentiment", attention=True),
    answering_reads=("NUM_WORDS", "MAXLEN"))

BOOK_RESULTS = {"the book (3rd ed., early stopping on the test set)": 0.8808}  # its printed test accuracy
DRY_RUN_EPOCHS = 2  # a dry run shows the pipeline, not how far training goes: this many epochs unless --epochs says

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before Keras loads.
from common import keras_setup  # first: it loads Keras, TensorFlow's C++ start-up log kept off the terminal

import keras
from keras import layers

import imdb_cnn_lstm  # the IMDB page's data, examples and answers, not a copy
from common import plots, start, training
from common.self_attention import SeqSelfAttention
from common.text import datasets


def main(argv=None):
    return start.main(SETTINGS, train, argv, answer=imdb_cnn_lstm.sentiment, word_index_of_older_runs=None,
                      explains=imdb_cnn_lstm.positive, explains_towards="positive", published_results=BOOK_RESULTS)


def build_model(config):
    """The book's layers, compiled."""
    keras.mixed_precision.set_global_policy(config.precision)  # what the layers below compute in
    model = keras.Sequential([
        keras.Input(shape=(config.maxlen,)),  # the book starts at Embedding; Keras 3 needs the input shape first
        layers.Embedding(config.num_words, config.embedding_dim),
        layers.Dropout(config.dropout),
        layers.LSTM(config.lstm_units, return_sequences=True),
        SeqSelfAttention(config.attention_units, attention_activation="sigmoid"),
        layers.Dropout(config.dropout),
        layers.Flatten(),  # the book uses it without importing it; here it is keras.layers.Flatten
        layers.Dense(1),
        layers.Activation("sigmoid"),
    ], name="imdb_attention")
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def train(config, args, run):
    """The book's page: the reviews, the model, training until the validation loss stops falling,
    the test accuracy and the loss graph."""
    keras_setup.seed_everything(config.seed)  # the book: numpy.random.seed(seed); tf.set_random_seed(seed)
    training.fewer_epochs_in_a_dry_run(config, args, at_most=DRY_RUN_EPOCHS)

    (x_train, y_train), (x_test, y_test) = imdb_cnn_lstm.load_data(config, args.dry_run)
    run.data = datasets.sizes("imdb", len(x_train), len(x_test), synthetic=args.dry_run)
    x_train = keras.utils.pad_sequences(x_train, maxlen=config.maxlen)
    x_test = keras.utils.pad_sequences(x_test, maxlen=config.maxlen)
    # The book validates on the test set, so early stopping picks the epoch that suits the test
    # set best and the accuracy it prints has seen the test set. Here early stopping watches the
    # last VALIDATION_SPLIT of the training reviews, as model.fit(validation_split=...) would
    # carve it, and those are not trained on; the test set is read once, at the end.
    (x_train, y_train), validation = training.split_off_validation(x_train, y_train, config.validation_split)
    if config.validate_on == "test":  # --validate-on test: the book's way, to see how much it flatters
        validation = (x_test, y_test)
    validated_on = "the test set (as the book)" if config.validate_on == "test" else "the validation split"
    print(f"{len(x_train)} training reviews, {len(validation[0])} validation reviews ({validated_on}), "
          f"{len(x_test)} test reviews{' (synthetic data: --dry-run)' if args.dry_run else ''}")
    run.data["validation_size"] = len(validation[0])

    model = build_model(config)
    model.summary()

    # The book: EarlyStopping(monitor='val_loss', patience=3), fit(..., batch_size=40, epochs=100).
    # restore_best_weights: the model kept is the best epoch's, not the last one's, PATIENCE epochs later.
    early_stopping_callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                            restore_best_weights=True)
    # Validation and test passes in training's batch size, not the other pages' 500: the attention's
    # tanh holds batch x T x T x units numbers, and at 500 reviews its blocks would need 16 GB at once.
    train_batches = training.batches(x_train, y_train, config.batch_size, shuffle=True)
    validation_batches = training.batches(*validation, config.batch_size)
    test_batches = training.batches(x_test, y_test, config.batch_size)
    side_by_side = training.side_by_side(model, run, training_in_halves=config.batch_halves)
    with run.training():  # Ctrl-C or a NaN loss ends training after the batch; what was learned is kept
        side_by_side.fit(train_batches, epochs=config.epochs, validation_data=validation_batches,
                         callbacks=[*training.callbacks(run), early_stopping_callback], verbose=training.VERBOSE)
    best_epoch = training.best_epoch(early_stopping_callback, run)
    vocabulary = datasets.vocabulary_or_note("imdb", config.num_words, synthetic=args.dry_run)  # saved for --predict
    if run.completed:  # an interrupted run is saved, not scored
        run.tested(side_by_side.evaluate(test_batches, verbose=0, return_dict=True))
        print(f"\nThe best epoch's weights ({best_epoch} of {run.outcome.done}, lowest validation loss) are kept.")
        print("\n Test Accuracy: %.4f" % run.evaluation["accuracy"]
              + ("  (early stopping watched the test set, as the book's does)" if config.validate_on == "test" else ""))
        if vocabulary:
            print('\nYour own text: python imdb_attention.py --predict "...". For example:')
            predict.print_answers(model, vocabulary, imdb_cnn_lstm.EXAMPLES, config.maxlen, imdb_cnn_lstm.sentiment)

    # The book's graph: validation (red) and training (blue) loss per epoch, the best epoch marked
    figure = plots.history_figure(run.history, run.headline(), show=args.show, best_epoch=best_epoch,
                                  validation="Testset" if config.validate_on == "test" else "Validation")
    return run.finish(model, figure, extra={"best_epoch": best_epoch, "validated_on": config.validate_on},
                      texts=predict.saved_texts(vocabulary, config.maxlen))


if __name__ == "__main__":
    cli.main_guard(main)
