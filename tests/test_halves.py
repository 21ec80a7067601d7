"""The batch halves on two cores (common/halves.py) keep Keras's mathematics and leave no trace."""
import numpy as np
import pytest

from common import backend, cli, halves

import imdb_cnn_lstm  # noqa: E402 (after common: Keras loads quietly)
import keras
import reuters_lstm

pytestmark = pytest.mark.skipif(not backend.TENSORFLOW_ON_CPU, reason="halves run on TensorFlow on a CPU only")
RNG = np.random.default_rng(0)
X = RNG.integers(0, 1000, (100, 100))
TOPICS = keras.utils.to_categorical(RNG.integers(0, 46, 100), 46)
SENTIMENTS = RNG.integers(0, 2, (100, 1)).astype("float32")


def model_of(script, *flags):
    backend.prepare(0)
    return script.build_model(cli.parse(script.SETTINGS, list(flags))[0])


def gradients(model, x, y, training):
    import tensorflow as tf

    @tf.function
    def compute(x, y):
        with tf.GradientTape() as tape:
            loss = model.compute_loss(x=x, y=y, y_pred=model(x, training=training))
        return [tf.convert_to_tensor(g) for g in tape.gradient(loss, model.trainable_weights)]

    return [g.numpy() for g in compute(x, y)]


def halved_gradients(model, x, y, training):
    model.call = halves.in_halves(type(model).call.__get__(model))
    try:
        return gradients(model, x, y, training)
    finally:
        del model.call


@pytest.mark.parametrize("script, y, training", [(reuters_lstm, TOPICS, True), (imdb_cnn_lstm, SENTIMENTS, False)],
                         ids=["reuters", "imdb (dropout off: the same mask both ways)"])
def test_gradients_equal_plain_keras(script, y, training):
    model = model_of(script)
    plain = gradients(model, X, y, training)
    halved = halved_gradients(model, X, y, training)
    for weight, a, b in zip(model.trainable_weights, plain, halved):
        assert np.abs(a).max() > 0, weight.path
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-5 * max(1.0, np.abs(a).max()), err_msg=weight.path)


def test_a_training_step_in_halves_moves_the_weights_as_plain_keras_does():
    plain, halved = model_of(imdb_cnn_lstm, "--dropout", "0"), model_of(imdb_cnn_lstm, "--dropout", "0")
    halves.install(halved)
    assert "train_step" in vars(halved) and "train_step" not in vars(plain)
    for model in (plain, halved):
        model.train_on_batch(X, SENTIMENTS)
    for a, b in zip(plain.trainable_weights, halved.trainable_weights):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=0, atol=1e-5)


def test_evaluation_in_halves_gives_plain_keras_numbers_for_any_batch_size():
    model = model_of(reuters_lstm)
    plain = [model.evaluate(X[:n], TOPICS[:n], batch_size=100, verbose=0) for n in (100, 37, 1)]
    halves.install(model)
    assert "test_step" in vars(model) and "train_step" not in vars(model)  # Reuters trains whole
    halved = [model.evaluate(X[:n], TOPICS[:n], batch_size=100, verbose=0) for n in (100, 37, 1)]
    np.testing.assert_allclose(halved, plain, rtol=1e-5)


def test_which_models_train_in_halves():
    assert halves.pays_in_training(model_of(imdb_cnn_lstm))  # Dropout, Conv1D and pooling before the LSTM
    assert not halves.pays_in_training(model_of(reuters_lstm))  # an Embedding, then the LSTM


def test_a_stateful_model_and_the_switch_leave_the_model_whole(monkeypatch):
    stateful = keras.Sequential([keras.Input((None, 3), batch_size=2), keras.layers.SimpleRNN(4, stateful=True)])
    halves.install(stateful)
    assert "test_step" not in vars(stateful)
    monkeypatch.setattr(halves, "WANTED", False)  # SPLIT_BATCHES=0
    model = model_of(imdb_cnn_lstm)
    halves.install(model)
    assert "train_step" not in vars(model) and "test_step" not in vars(model)


def test_the_saved_model_is_plain_keras(tmp_path):
    model = model_of(imdb_cnn_lstm)
    model.fit(X, SENTIMENTS, batch_size=50, epochs=1, verbose=0, callbacks=[halves.Installer()])
    assert "call" not in vars(model)  # the halves live only while a step is compiled
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is keras.Sequential and "train_step" not in vars(loaded)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
