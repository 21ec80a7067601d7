"""The batch halves on two cores (common/training.py) keep Keras's mathematics and leave no trace."""
from types import SimpleNamespace

import numpy as np
import pytest

from common import cli, keras_setup, training

import imdb_cnn_lstm  # noqa: E402 (after common: Keras loads quietly)
import keras
import reuters_lstm

on_tensorflow_cpu = pytest.mark.skipif(not keras_setup.TENSORFLOW_ON_CPU, reason="halves run on TensorFlow on a CPU only")
RNG = np.random.default_rng(0)
X = RNG.integers(0, 1000, (100, 100))
TOPICS = keras.utils.to_categorical(RNG.integers(0, 46, 100), 46)
SENTIMENTS = RNG.integers(0, 2, (100, 1)).astype("float32")


def model_of(script, *flags):
    keras_setup.seed_everything(0)
    return script.build_model(cli.parse(script.SETTINGS, list(flags))[0])


def gradients(model, x, y):
    import tensorflow as tf

    @tf.function
    def compute(x, y):
        with tf.GradientTape() as tape:
            loss = model.compute_loss(x=x, y=y, y_pred=model(x, training=True))
        return [tf.convert_to_tensor(g) for g in tape.gradient(loss, model.trainable_weights)]

    return [g.numpy() for g in compute(x, y)]


@on_tensorflow_cpu
@pytest.mark.parametrize("script, y", [(reuters_lstm, TOPICS), (imdb_cnn_lstm, SENTIMENTS)], ids=["reuters", "imdb"])
def test_gradients_equal_plain_keras(script, y):
    model = model_of(script, "--dropout", "0") if script is imdb_cnn_lstm else model_of(script)  # one mask both ways
    plain, halved = gradients(model, X, y), gradients(training.SideBySide(model), X, y)
    for weight, a, b in zip(model.trainable_weights, plain, halved):
        assert np.abs(a).max() > 0, weight.path
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-5 * max(1.0, np.abs(a).max()), err_msg=weight.path)


@on_tensorflow_cpu
def test_a_training_step_in_halves_moves_the_weights_and_the_optimizer_as_plain_keras_does():
    plain, halved = model_of(imdb_cnn_lstm, "--dropout", "0"), model_of(imdb_cnn_lstm, "--dropout", "0")
    plain.train_on_batch(X, SENTIMENTS)
    training.SideBySide(halved).train_on_batch(X, SENTIMENTS)
    for a, b in zip(plain.trainable_weights, halved.trainable_weights):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=0, atol=1e-5)
    assert int(halved.optimizer.iterations.numpy()) == 1  # the book's model's own optimizer took the step


@on_tensorflow_cpu
@pytest.mark.parametrize("script, y", [(reuters_lstm, TOPICS), (imdb_cnn_lstm, SENTIMENTS)], ids=["reuters", "imdb"])
def test_evaluation_in_halves_gives_plain_keras_numbers_for_any_batch_size(script, y):
    model = model_of(script)
    plain = [model.evaluate(X[:n], y[:n], batch_size=100, verbose=0) for n in (100, 37, 1)]
    halved = [training.SideBySide(model).evaluate(X[:n], y[:n], batch_size=100, verbose=0) for n in (100, 37, 1)]
    np.testing.assert_allclose(halved, plain, rtol=1e-5)


@on_tensorflow_cpu
def test_training_whole_beside_test_passes_in_halves_is_exactly_plain_keras():
    """Reuters' way (no BATCH_HALVES): the same weights to the last bit, so a seed keeps the book's path."""
    plain, other = model_of(reuters_lstm), model_of(reuters_lstm)
    trainer = training.SideBySide(other, training_in_halves=False)
    for _ in range(2):
        plain.train_on_batch(X, TOPICS)
        trainer.train_on_batch(X, TOPICS)
    for a, b in zip(plain.trainable_weights, other.trainable_weights):
        np.testing.assert_array_equal(b.numpy(), a.numpy(), err_msg=a.path)


def test_the_run_records_whether_the_halves_ran_and_the_setting_stays_as_asked():
    for asked in (True, False):
        config = cli.parse(imdb_cnn_lstm.SETTINGS, ["--batch-halves", str(asked).lower()])[0]
        model, run = model_of(imdb_cnn_lstm), SimpleNamespace(ran={})
        fitted = training.side_by_side(model, run, training_in_halves=config.batch_halves)
        ran = asked and keras_setup.TENSORFLOW_ON_CPU
        assert run.ran == {"batch_halves": ran}  # metrics.json's "ran"
        assert config.batch_halves is asked
        assert getattr(fitted, "training_in_halves", False) is ran


def test_reuters_tests_in_halves_and_trains_whole_wherever_tensorflow_runs_on_a_cpu():
    model = model_of(reuters_lstm)
    run = SimpleNamespace(ran={})
    trainer = training.side_by_side(model, run)
    assert run.ran == {}  # Reuters has no BATCH_HALVES setting: nothing to record
    if keras_setup.TENSORFLOW_ON_CPU:
        assert isinstance(trainer, training.SideBySide) and trainer.training_in_halves is False
    else:
        assert trainer is model


@on_tensorflow_cpu
def test_the_saved_model_is_the_plain_book_model_with_its_optimizer(tmp_path):
    model = model_of(imdb_cnn_lstm)
    training.SideBySide(model).fit(X, SENTIMENTS, batch_size=50, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is keras.Sequential and [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert int(loaded.optimizer.iterations.numpy()) == 2  # two batches of 50
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
