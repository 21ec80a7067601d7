"""imdb_attention.py: the book's SeqSelfAttention on Keras 3 equals the notes-style NumPy
equations (values and gradient), saves and loads, and shows what it attends to."""
import json

import numpy as np
import pytest

from common import cli, keras_setup, predict, training
from common.notes import numpy_attention
from common.self_attention import SeqSelfAttention

import imdb_attention
import imdb_cnn_lstm
import keras

TINY = ["--dry-run", "--maxlen", "30", "--embedding-dim", "8", "--lstm-units", "6", "--attention-units", "5"]


def layer_with(p, shape):
    layer = SeqSelfAttention(p["W_t"].shape[1])
    layer.build(shape)
    layer.set_weights([p[name].astype("float32") for name in numpy_attention.PARAMETERS])
    return layer


def random_case(seed=0, batch=3, length=12, features=7, units=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, length, features)), numpy_attention.init_weights(features, units, rng)


def test_the_layer_equals_the_numpy_equations():
    h, p = random_case()
    expected, cache = numpy_attention.forward(h, p)
    layer = layer_with(p, h.shape)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(h.astype("float32"))), expected, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.attention(h.astype("float32"))), cache["a"], atol=1e-5)
    np.testing.assert_allclose(cache["a"].sum(axis=-1), 1.0)


def test_the_layer_computes_longer_sequences_in_blocks_with_the_same_numbers():
    h, p = random_case(seed=1, batch=2, length=23)  # 23 rows: four full blocks of QUERY_BLOCK and a short one
    expected, _ = numpy_attention.forward(h, p)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer_with(p, h.shape)(h.astype("float32"))), expected,
                               atol=1e-5)


def numerical_gradient(f, array, step=1e-6):
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        keep = array[index]
        array[index] = keep + step
        up = f()
        array[index] = keep - step
        down = f()
        array[index] = keep
        gradient[index] = (up - down) / (2 * step)
    return gradient


def test_the_numpy_backward_pass_equals_a_numerical_gradient():
    h, p = random_case(seed=2, batch=2, length=5, features=3, units=4)
    d_v = np.random.default_rng(3).normal(size=h.shape)

    def loss():
        return float((numpy_attention.forward(h, p)[0] * d_v).sum())

    d_h, grads = numpy_attention.backward(d_v, numpy_attention.forward(h, p)[1], p)
    np.testing.assert_allclose(d_h, numerical_gradient(loss, h), rtol=1e-5, atol=1e-8)
    for name in numpy_attention.PARAMETERS:
        np.testing.assert_allclose(grads[name], numerical_gradient(loss, p[name]), rtol=1e-5, atol=1e-8, err_msg=name)


def keras_gradient(layer, h, d_v):
    """d sum(layer(h) * d_v) / d (h, each weight), on whichever backend runs."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        h = tf.constant(h)
        with tf.GradientTape() as tape:
            tape.watch(h)
            loss = tf.reduce_sum(layer(h) * d_v)
        grads = tape.gradient(loss, [h, *layer.trainable_weights])
    elif backend == "jax":
        import jax

        def loss(weights, h):
            return (layer.stateless_call(weights, [], h)[0] * d_v).sum()

        d_weights, d_h = jax.grad(loss, argnums=(0, 1))([w.value for w in layer.trainable_weights], h)
        grads = [d_h, *d_weights]
    else:
        import torch

        h = torch.tensor(h, requires_grad=True)
        (layer(h) * torch.tensor(d_v)).sum().backward()
        grads = [h.grad, *(w.value.grad for w in layer.trainable_weights)]
    return [keras.ops.convert_to_numpy(g) for g in grads]


def test_the_layer_gradient_equals_the_numpy_backward_pass():
    h, p = random_case(seed=4, length=8)
    d_v = np.random.default_rng(5).normal(size=h.shape).astype("float32")
    layer = layer_with(p, h.shape)
    d_h, grads = numpy_attention.backward(d_v.astype(np.float64), numpy_attention.forward(h, p)[1], p)
    got = keras_gradient(layer, h.astype("float32"), d_v)
    names = [weight.name for weight in layer.trainable_weights]
    assert names == list(numpy_attention.PARAMETERS)
    np.testing.assert_allclose(got[0], d_h, atol=1e-4, rtol=1e-4)
    for name, value in zip(names, got[1:]):
        np.testing.assert_allclose(value, grads[name], atol=1e-4, rtol=1e-4, err_msg=name)


def test_the_book_model_has_the_books_layers_and_loads_back(tmp_path):
    keras_setup.seed_everything(0)
    config = cli.parse(imdb_attention.SETTINGS, TINY[1:])[0]
    model = imdb_attention.build_model(config)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Embedding", "Dropout", "LSTM", "SeqSelfAttention", "Dropout", "Flatten", "Dense", "Activation"]
    attention = model.layers[3]
    assert (attention.units, attention.get_config()["attention_activation"]) == (5, "sigmoid")
    model.save(tmp_path / "model.keras")
    back = keras.saving.load_model(tmp_path / "model.keras", compile=False)
    x = np.random.default_rng(0).integers(3, 200, (4, 30))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(back(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)


def test_the_validation_split_is_the_last_fraction_and_never_trained_on():
    x, y = np.arange(100)[:, None], np.arange(100)
    (x_train, y_train), (x_validation, y_validation) = training.split_off_validation(x, y, 0.2)
    assert list(y_validation) == list(range(80, 100)) and list(y_train) == list(range(80))
    with pytest.raises(cli.UsageError, match="leaves no training example"):
        training.split_off_validation(x[:1], y[:1], 0.5)


@pytest.fixture(scope="module")
def dry_attention_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("attention") / "run"
    assert imdb_attention.main([*TINY, "--out", str(out)]) == 0
    return out


def test_a_dry_run_stops_early_on_the_validation_split_and_scores_the_test_set(dry_attention_run):
    metrics = json.loads((dry_attention_run / "metrics.json").read_text())
    assert metrics["settings"]["epochs"] == imdb_attention.DRY_RUN_EPOCHS
    assert metrics["validated_on"] == "split" and metrics["validation_size"] == 40  # a fifth of 200 synthetic reviews
    assert 1 <= metrics["best_epoch"] <= metrics["epochs_completed"]
    assert metrics["test_size"] == 100 and 0 <= metrics["test_accuracy"] <= 1
    assert metrics["train_size"] == 200
    history = (dry_attention_run / "history.csv").read_text().splitlines()
    assert "val_loss" in history[0] and len(history) == 1 + metrics["epochs_completed"]


def test_attention_draws_the_matrix_over_the_words(dry_attention_run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = "word5 word6 word7 nonsenseword word9"
    assert imdb_attention.main(["--attention", text, "--model", str(dry_attention_run)]) == 0
    said = capsys.readouterr()
    figure = said.err.strip().splitlines()[-1].removeprefix("Attention: ")
    assert figure.startswith("runs/imdb_attention/attention/") and (tmp_path / figure).stat().st_size > 10_000
    assert said.out.startswith("5 words;") and "nonsenseword?" in said.out


def test_explain_puts_the_attention_received_beside_the_occlusion(dry_attention_run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert imdb_attention.main(["--predict", "word5 word6 word7 word8", "--explain",
                                "--model", str(dry_attention_run)]) == 0
    said = capsys.readouterr()
    rows = [line.split("\t") for line in said.out.splitlines()[1:]]
    assert [row[0] for row in rows] == ["word5", "word6", "word7", "word8"]
    received = [float(row[2]) for row in rows]
    assert all(0 < value < 1 for value in received)
    model = keras.saving.load_model(dry_attention_run / "model.keras", compile=False)
    ids = predict.saved_vocabulary(dry_attention_run / "model.keras")[0].encode("word5 word6 word7 word8")
    a = keras.ops.convert_to_numpy(model.layers[3].attention(
        model.layers[2](model.layers[1](model.layers[0](keras.utils.pad_sequences([ids], maxlen=30))))))[0]
    np.testing.assert_allclose(received, a[-4:, -4:].mean(axis=0), atol=1e-4)  # the words' rows, their columns
    page = (tmp_path / said.err.strip().splitlines()[-1].removeprefix("Explained: ")).read_text()
    assert 'title="attention ' in page and "attention</td>" in page


def test_a_model_without_attention_is_one_line(tmp_path):
    keras_setup.seed_everything(0)
    config = cli.parse(imdb_cnn_lstm.SETTINGS, ["--embedding-dim", "4", "--lstm-units", "4", "--maxlen", "30"])[0]
    plain = imdb_cnn_lstm.cnn_lstm(config.num_words, config.maxlen, name="imdb_attention")  # named as this script's
    plain.save(tmp_path / "model.keras")
    with pytest.raises(cli.ScriptError, match="has 0 attention layers"):
        imdb_attention.main(["--attention", "a film", "--model", str(tmp_path / "model.keras")])


@pytest.mark.parametrize("argv, error, message", [
    (["--attention", "   "], cli.UsageError, "--attention: nothing to draw, the text is empty"),
    (["--attention", "!!!", "--model", "{run}"], cli.UsageError, "the text has no words"),
    (["--attention", "a film", "--epochs", "3"], cli.UsageError, "--epochs does not go with --attention"),
    (["--validate-on", "train"], cli.UsageError, "--validate-on must be one of split, test"),
])
def test_bad_attention_input_is_one_line(dry_attention_run, argv, error, message):
    with pytest.raises(error, match=message):
        imdb_attention.main([arg.replace("{run}", str(dry_attention_run)) for arg in argv])


def test_another_scripts_model_is_refused(tmp_path):
    out = tmp_path / "imdb"
    assert imdb_cnn_lstm.main(["--dry-run", "--epochs", "1", "--embedding-dim", "4", "--lstm-units", "4",
                               "--out", str(out)]) == 0
    with pytest.raises(cli.ScriptError, match="is a model of imdb_cnn_lstm, not of imdb_attention.py"):
        imdb_attention.main(["--attention", "a film", "--model", str(out)])
