"""Each book model, layer by layer, as the book's page writes it (parameter counts alone could
be matched by other layers): the class, and every argument the page gives."""
import keras

import imdb_cnn_lstm
import nsmc_cnn_lstm
import reuters_lstm
from common import cli

# The book's page, transcribed: (layer class, {argument: value}); Keras's defaults for the rest.
REUTERS_PAGE = [  # Embedding(1000, 100); LSTM(100, activation='tanh'); Dense(46, activation='softmax')
    ("Embedding", {"input_dim": 1000, "output_dim": 100}),
    ("LSTM", {"units": 100, "activation": "tanh", "recurrent_activation": "sigmoid", "return_sequences": False}),
    ("Dense", {"units": 46, "activation": "softmax"}),
]
IMDB_PAGE = [  # Embedding(5000, 100); Dropout(0.5); Conv1D(64, 5, padding='valid', activation='relu',
    # strides=1); MaxPooling1D(pool_size=4); LSTM(55); Dense(1); Activation('sigmoid')
    ("Embedding", {"input_dim": 5000, "output_dim": 100}),
    ("Dropout", {"rate": 0.5}),
    ("Conv1D", {"filters": 64, "kernel_size": (5,), "padding": "valid", "activation": "relu", "strides": (1,)}),
    ("MaxPooling1D", {"pool_size": (4,)}),
    ("LSTM", {"units": 55, "activation": "tanh", "return_sequences": False}),
    ("Dense", {"units": 1, "activation": "linear"}),
    ("Activation", {"activation": "sigmoid"}),
]


def layers_of(model):
    return [(type(layer).__name__, layer.get_config()) for layer in model.layers]


def assert_as_the_page(model, page):
    built = layers_of(model)
    assert [name for name, _ in built] == [name for name, _ in page]
    for (name, config), (_, arguments) in zip(built, page):
        assert {key: config[key] for key in arguments} == arguments, name


def test_reuters_is_the_books_model():
    config, _ = cli.parse(reuters_lstm.SETTINGS, [])
    model = reuters_lstm.build_model(config)
    assert_as_the_page(model, REUTERS_PAGE)
    assert model.input_shape == (None, 100)  # sequence.pad_sequences(X, maxlen=100)
    assert model.loss == "categorical_crossentropy" and isinstance(model.optimizer, keras.optimizers.Adam)


def test_imdb_is_the_books_model():
    config, _ = cli.parse(imdb_cnn_lstm.SETTINGS, [])
    model = imdb_cnn_lstm.build_model(config)
    assert_as_the_page(model, IMDB_PAGE)
    assert model.input_shape == (None, 100)
    assert model.loss == "binary_crossentropy" and isinstance(model.optimizer, keras.optimizers.Adam)


def test_nsmc_is_the_imdb_model_with_its_own_vocabulary_and_length():
    config, _ = cli.parse(nsmc_cnn_lstm.SETTINGS, [])
    model = nsmc_cnn_lstm.build_model(config)
    page = [(name, {**arguments, "input_dim": 20000} if name == "Embedding" else arguments)
            for name, arguments in IMDB_PAGE]
    assert_as_the_page(model, page)
    assert model.input_shape == (None, 40)
