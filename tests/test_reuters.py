"""reuters_lstm.py: the book's model, its data through Keras's real loader, and a short real run."""
import csv
import json
import math
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from conftest import write_reuters

import reuters_lstm
from common import cli, keras_setup

BOOK = SimpleNamespace(num_words=1000, test_split=0.2, maxlen=100, embedding_dim=100, lstm_units=100,
                       batch_size=100, epochs=20, seed=0, seeds=1, precision="float32")


def test_the_book_settings_are_the_defaults():
    config, _ = cli.parse(reuters_lstm.SETTINGS, [])
    assert config == BOOK


def test_the_real_loader_reads_a_keras_format_file(offline_keras):
    write_reuters(wires=300, vocabulary=2000)
    (x_train, y_train), (x_test, y_test) = reuters_lstm.load_data(BOOK, dry_run=False)
    assert (len(x_train), len(x_test)) == (240, 60)  # test_split=0.2
    assert all(row[0] == 1 and max(row) < BOOK.num_words for row in x_train)  # start mark; ids cut to NUM_WORDS
    assert any(2 in row for row in x_train)  # rarer words became the unknown-word id
    assert set(np.concatenate([y_train, y_test])) == set(range(46))


def test_the_model_has_the_books_185046_parameters():
    assert reuters_lstm.build_model(BOOK).count_params() == 185_046


def test_loss_at_initialisation_is_ln_46():
    keras_setup.seed_everything(0)
    model = reuters_lstm.build_model(BOOK)
    x = np.random.default_rng(0).integers(0, BOOK.num_words, (200, BOOK.maxlen))
    y = keras.utils.to_categorical(np.arange(200) % 46, 46)
    loss = model.evaluate(x, y, verbose=0)[0]
    assert loss == pytest.approx(math.log(46), abs=0.3)


def test_the_model_can_overfit_one_small_batch():
    keras_setup.seed_everything(0)
    model = reuters_lstm.build_model(BOOK)
    x = np.random.default_rng(1).integers(3, BOOK.num_words, (20, BOOK.maxlen))
    y = keras.utils.to_categorical(np.arange(20) % 46, 46)
    model.fit(x, y, batch_size=20, epochs=60, verbose=0)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy >= 0.9 and loss < 1.0  # from ln 46 = 3.8 and 1/46 right, on every backend


def test_a_short_run_writes_four_consistent_outputs(offline_keras, tmp_path, capsys):
    write_reuters(wires=300, vocabulary=2000)
    out = tmp_path / "run"
    code = reuters_lstm.main(["--epochs", "2", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    with open(out / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert [row["epoch"] for row in rows] == ["1", "2"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"} <= set(rows[0])
    metrics = json.loads((out / "metrics.json").read_text())
    assert f"Test Accuracy: {metrics['test_accuracy']:.4f}" in printed
    assert metrics["settings"]["epochs"] == 2 and metrics["synthetic_data"] is False
    assert metrics["status"] == "completed" and len(metrics["seconds_per_epoch"]) == 2
    assert {"backend", "device", "versions"} <= set(metrics) and "keras" in metrics["versions"]
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "A test wire:" in printed and "True topic:" in printed  # decoded through the word index

    reloaded = keras.saving.load_model(out / "model.keras")
    x = np.random.default_rng(0).integers(0, 1000, (8, 100))
    trained = reuters_lstm.build_model(BOOK)
    trained.set_weights(reloaded.get_weights())
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), trained.predict(x, verbose=0), atol=1e-6)
    # and the saved test accuracy is what the reloaded model scores on the same test set
    (_, _), (x_test, y_test) = reuters_lstm.load_data(BOOK, dry_run=False)
    padded = keras.utils.pad_sequences(x_test, maxlen=100)
    accuracy = reloaded.evaluate(padded, keras.utils.to_categorical(y_test, 46), verbose=0)[1]
    assert accuracy == pytest.approx(metrics["test_accuracy"], abs=1e-6)


def test_no_network_and_no_cache_is_one_line_naming_file_url_and_folder(offline_keras, tmp_path):
    with pytest.raises(cli.ScriptError) as error:
        reuters_lstm.main(["--out", str(tmp_path / "run")])
    message = str(error.value)
    assert "reuters.npz" in message and "\n" not in message
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz" in message
    assert f"place a copy in {offline_keras}" in message
    assert not (tmp_path / "run").exists()  # a run that never started leaves no folder


def test_a_missing_word_index_is_a_note_not_a_failure(offline_keras, tmp_path, capsys):
    write_reuters(wires=300, vocabulary=2000)
    (offline_keras / "reuters_word_index.json").unlink()
    assert reuters_lstm.main(["--epochs", "1", "--out", str(tmp_path / "run")]) == 0
    said = capsys.readouterr()
    assert "A test wire: (word ids) [1, " in said.out and "The same wire in words" not in said.out
    note, = [line for line in said.err.splitlines() if line.startswith("note: no word index")]
    assert note.startswith("note: no word index, so no examples in words and no vocabulary saved for --predict")
    assert "reuters_word_index.json" in note
    assert (tmp_path / "run" / "model.keras").exists() and not (tmp_path / "run" / "vocabulary.json").exists()
