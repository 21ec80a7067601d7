"""imdb_cnn_lstm.py: the book's CNN+LSTM, its data through Keras's real loader, and --predict."""
import json
import math
import shutil
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from conftest import REPO, run_script, write_imdb

import imdb_cnn_lstm
from common import cli, keras_setup

BOOK = SimpleNamespace(edition=1, num_words=5000, maxlen=100, embedding_dim=100, dropout=0.5, filters=64, kernel_size=5,
                       pool_size=4, lstm_units=55, batch_size=100, epochs=5, seed=0, seeds=1,
                       patience=3, validation_split=0.2, precision="float32", batch_halves=True)  # the halves are not the book's: how this CPU trains it (common/training.py)


@pytest.fixture(scope="module")
def tiny_model_run(tmp_path_factory):
    """A model trained for one epoch by the script itself (dry run), shared by the predict tests."""
    out = tmp_path_factory.mktemp("imdb") / "run"
    assert imdb_cnn_lstm.main(["--dry-run", "--epochs", "1", "--out", str(out)]) == 0
    return out


def test_the_book_settings_are_the_defaults():
    assert cli.parse(imdb_cnn_lstm.SETTINGS, [])[0] == BOOK


def test_the_model_has_the_books_558520_parameters():
    assert imdb_cnn_lstm.build_model(BOOK).count_params() == 558_520


def test_loss_at_initialisation_is_ln_2():
    keras_setup.seed_everything(0)
    x = np.random.default_rng(0).integers(0, 5000, (200, 100))
    loss = imdb_cnn_lstm.build_model(BOOK).evaluate(x, np.arange(200) % 2, verbose=0)[0]
    assert loss == pytest.approx(math.log(2), abs=0.05)


def test_the_real_loader_reads_a_keras_format_file(offline_keras):
    write_imdb(reviews=200, vocabulary=6000)
    (x_train, y_train), (x_test, y_test) = imdb_cnn_lstm.load_data(BOOK, dry_run=False)
    assert (len(x_train), len(x_test)) == (200, 100)
    assert all(row[0] == 1 and max(row) < 5000 for row in x_train)
    assert set(y_train) == {0, 1}


def test_predict_prints_one_tab_separated_line_per_text(offline_keras, tiny_model_run, tmp_path, capsys):
    write_imdb()
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("A good film, loved it.\n\n   \nAwful and boring movie.\n" + "great " * 5000 + "\n")
    code = imdb_cnn_lstm.main(["--predict-file", str(reviews), "--model", str(tiny_model_run / "model.keras")])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and len(lines) == 3  # blank lines are not reviews
    for line in lines:
        probability, label, start = line.split("\t")
        assert 0 <= float(probability) <= 1 and len(probability.split(".")[1]) == 4
        assert label == ("positive" if float(probability) >= 0.5 else "negative")
    assert lines[0].endswith("A good film, loved it.")
    assert len(lines[2].split("\t")[2]) <= 70  # a very long review is shown by its start


def test_predict_uses_the_newest_real_run_by_default(offline_keras, tiny_model_run, tmp_path, monkeypatch, capsys):
    write_imdb()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(cli.ScriptError, match="no model trained on real data yet"):
        imdb_cnn_lstm.main(["--predict", "fine"])
    newest = tmp_path / "runs" / "imdb_cnn_lstm" / "2026-01-01_00-00-00"
    shutil.copytree(tiny_model_run, newest)
    metrics = json.loads((newest / "metrics.json").read_text())
    (newest / "metrics.json").write_text(json.dumps({**metrics, "synthetic_data": False}))  # as if on real data
    assert imdb_cnn_lstm.main(["--predict", "a good film"]) == 0
    assert capsys.readouterr().out.count("\t") == 2


@pytest.mark.parametrize("argv, error, message", [
    (["--predict", "   "], cli.UsageError, "--predict: nothing to answer, the text is empty"),
    (["--predict-file", "no/such/file.txt"], cli.ScriptError, "cannot read no/such/file.txt"),
])
def test_bad_text_is_refused(argv, error, message):
    with pytest.raises(error, match=message):
        imdb_cnn_lstm.main(argv)


@pytest.mark.parametrize("content, message", [(b"\x89PNG\r\n\x1a\n\0\0", "binary"), (b"caf\xe9 latte", "not UTF-8")])
def test_binary_and_non_utf8_files_are_refused(tmp_path, content, message):
    path = tmp_path / "reviews.txt"
    path.write_bytes(content)
    with pytest.raises(cli.ScriptError, match=message):
        imdb_cnn_lstm.main(["--predict-file", str(path)])


@pytest.fixture
def older_run_model(tiny_model_run, tmp_path):
    """The model as a run saved before runs kept their vocabulary: model.keras alone."""
    shutil.copy(tiny_model_run / "model.keras", tmp_path / "model.keras")
    return tmp_path / "model.keras"


def test_an_older_model_of_another_vocabulary_is_refused(older_run_model):
    with pytest.raises(cli.ScriptError, match="pass --num-words 5000 --maxlen 100"):
        imdb_cnn_lstm.main(["--predict", "good", "--num-words", "2000", "--model", str(older_run_model)])


def test_a_model_of_another_script_is_refused(tmp_path):
    import reuters_lstm

    path = tmp_path / "model.keras"
    reuters_lstm.build_model(SimpleNamespace(num_words=1000, maxlen=100, embedding_dim=8, lstm_units=4, precision="float32")).save(path)
    with pytest.raises(cli.ScriptError, match="is a model of reuters_lstm"):
        imdb_cnn_lstm.main(["--predict", "good", "--model", str(path)])


def test_a_corrupt_model_is_one_line(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = run_script(REPO / "imdb_cnn_lstm.py", "--predict", "good", "--model", path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"imdb_cnn_lstm.py: error: cannot load the model {path}")
    assert "Traceback" not in result.stderr


def test_an_older_model_and_no_word_index_means_one_line_and_exit_1(offline_keras, older_run_model):
    with pytest.raises(cli.ScriptError, match="imdb_word_index.json is not in the Keras cache"):
        imdb_cnn_lstm.main(["--predict", "good", "--model", str(older_run_model)])


def test_a_text_of_unknown_words_is_answered_with_a_note(offline_keras, tiny_model_run, capsys):
    write_imdb()
    assert imdb_cnn_lstm.main(["--predict", "zzxq qqvv", "--model", str(tiny_model_run / "model.keras")]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\t") == 2 and "no word the model knows" in captured.err


def test_a_dry_run_saves_the_books_model_and_its_vocabulary(tiny_model_run):
    assert sorted(p.name for p in tiny_model_run.iterdir() if p.is_file()) == [
        "history.csv", "loss.png", "metrics.json", "model.keras", "vocabulary.json"]
    model = keras.saving.load_model(tiny_model_run / "model.keras")
    assert model.count_params() == 558_520


def test_the_third_edition_is_its_settings_and_early_stopping_on_a_validation_split(tmp_path):
    third = cli.parse(imdb_cnn_lstm.SETTINGS, ["--edition", "3"])[0]
    assert (third.maxlen, third.batch_size, third.epochs, third.patience) == (500, 40, 100, 3)  # the third edition's cell
    out = tmp_path / "run"
    assert imdb_cnn_lstm.main(["--dry-run", "--edition", "3", "--maxlen", "40", "--embedding-dim", "8",
                               "--lstm-units", "8", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["maxlen"] == 40 and metrics["settings"]["batch_size"] == 40  # a flag beside it still applies
    assert metrics["settings"]["epochs"] == imdb_cnn_lstm.EPOCHS  # a dry run does not train 100 epochs
    assert 1 <= metrics["best_epoch"] <= metrics["epochs_completed"]
    assert metrics["train_size"] == 200 and metrics["test_size"] == 100 and 0 <= metrics["test_accuracy"] <= 1
    assert metrics["validation_size"] == 40  # the last fifth of the 200: what each epoch's val_ numbers were measured on
