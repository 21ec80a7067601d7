"""--gates: the trained LSTM's weights in the notes' NumPy LSTM give Keras's own numbers."""
import numpy as np
import pytest

from common import cli, keras_setup
from common.notes import gates
from common.notes.numpy_lstm import LSTM

import imdb_cnn_lstm
import keras
import reuters_lstm


def test_keras_weights_go_back_into_the_notes_lstm_unchanged():
    lstm = LSTM(3, 4, 2, np.random.default_rng(1))
    (kernel, recurrent, bias), _ = lstm.keras_weights()
    back = LSTM.from_keras(kernel, recurrent, bias)
    for name in ("W_xh", "W_hh", "b_h"):
        np.testing.assert_array_equal(back.params[name], lstm.params[name])


@pytest.mark.parametrize("script", [reuters_lstm, imdb_cnn_lstm], ids=["reuters", "imdb"])
def test_the_notes_gates_equal_keras_lstm_on_trained_weights(script):
    keras_setup.seed_everything(0)
    config = cli.parse(script.SETTINGS, ["--embedding-dim", "16", "--lstm-units", "12"])[0]
    model = script.build_model(config)
    rng = np.random.default_rng(0)
    x = rng.integers(4, 200, (64, config.maxlen))
    y = (keras.utils.to_categorical(rng.integers(0, 46, 64), 46) if script is reuters_lstm
         else rng.integers(0, 2, (64, 1)).astype("float32"))
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)  # trained weights, not the initial ones
    steps, difference = gates.run(model, x[0])
    assert difference <= 1e-5
    xs, lstm = gates.lstm_input(model, x[0])
    keras_sequence = keras.layers.LSTM.from_config({**lstm.get_config(), "return_sequences": True})
    keras_sequence.build(xs[None].shape)
    keras_sequence.set_weights(lstm.get_weights())
    np.testing.assert_allclose(np.array([step[5] for step in steps]), keras.ops.convert_to_numpy(keras_sequence(xs[None]))[0],
                               atol=1e-5)  # every step's h_t, not only the last


def test_mangled_weights_are_caught_before_anything_is_drawn(monkeypatch):
    keras_setup.seed_everything(0)
    model = reuters_lstm.build_model(cli.parse(reuters_lstm.SETTINGS, ["--lstm-units", "8"])[0])
    ids = np.arange(100) % 900 + 4
    assert gates.run(model, ids)[1] <= 1e-5
    mapping = LSTM.from_keras.__func__  # a wrong mapping: the kernel's gate columns reversed
    monkeypatch.setattr(LSTM, "from_keras", classmethod(lambda cls, k, r, b: mapping(cls, k[:, ::-1], r, b)))
    with pytest.raises(cli.ScriptError, match="disagree"):
        gates.run(model, ids)


@pytest.fixture(scope="module")
def dry_imdb_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("gates") / "imdb"
    assert imdb_cnn_lstm.main(["--dry-run", "--epochs", "1", "--embedding-dim", "8", "--lstm-units", "8",
                               "--out", str(out)]) == 0
    return out / "model.keras"


@pytest.mark.parametrize("argv, error, message", [
    (["--explain"], cli.UsageError, "--explain goes with --predict"),
    (["--gates", "  "], cli.UsageError, "--gates: nothing to draw, the text is empty"),
    (["--gates", "oil prices", "--model", "{imdb}"], cli.ScriptError, "is a model of imdb_cnn_lstm, not of reuters_lstm.py"),
])
def test_bad_gates_and_explain_are_one_line(dry_imdb_model, argv, error, message):
    with pytest.raises(error, match=message):
        reuters_lstm.main([arg.replace("{imdb}", str(dry_imdb_model)) for arg in argv])


def test_gates_draws_a_figure_and_says_where(dry_imdb_model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert imdb_cnn_lstm.main(["--gates", "word5 word6 word7 word8 word9", "--model", str(dry_imdb_model)]) == 0
    said = capsys.readouterr()
    figure = said.err.strip().splitlines()[-1].removeprefix("Gates: ")
    assert figure.startswith("runs/imdb_cnn_lstm/gates/") and (tmp_path / figure).stat().st_size > 10_000
    assert "equals Keras's last hidden state to" in said.out


def test_imdb_steps_are_labelled_with_the_words_each_pooled_window_sees():
    model = imdb_cnn_lstm.build_model(cli.parse(imdb_cnn_lstm.SETTINGS, [])[0])
    assert gates.windows(model) == (4, 8)  # MaxPooling1D(4) over Conv1D(5): 4 + 5 - 1 words
    assert gates.windows(reuters_lstm.build_model(cli.parse(reuters_lstm.SETTINGS, [])[0])) == (1, 1)
    words = [f"w{k}" for k in range(10)]
    labels = gates.step_labels(words, 3, 12, stride=4, width=8)
    assert labels == ["· · w0 w1 w2 w3 w4 w5", "w2 w3 w4 w5 w6 w7 w8 w9", "w6 w7 w8 w9"]
    assert gates.text_steps(["· ·", "· w0", "w1"]) == 1
