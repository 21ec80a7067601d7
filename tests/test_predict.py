"""--predict on Reuters: the three likeliest topics by name, encoded as the dataset was; and the
errors that every script which predicts shares (common/predict/__init__.py)."""
import json
import shutil

import keras
import numpy as np
import pytest
from conftest import DATASETS, REPO, cut_network, run_script, write_imdb, write_nsmc, write_reuters

import imdb_cnn_lstm
import nsmc_cnn_lstm
import reuters_lstm
from common import cli
from common.text import OOV, datasets

SCRIPTS = {"reuters_lstm": (reuters_lstm, write_reuters), "imdb_cnn_lstm": (imdb_cnn_lstm, write_imdb),
           "nsmc_cnn_lstm": (nsmc_cnn_lstm, write_nsmc)}


@pytest.fixture(scope="module")
def reuters_model(tmp_path_factory):
    """A Reuters model trained for one epoch by the script itself on the tests' Reuters files; its
    vocabulary.json beside it."""
    out = tmp_path_factory.mktemp("reuters") / "run"
    with pytest.MonkeyPatch.context() as patch:
        cut_network(patch)
        write_reuters()
        assert reuters_lstm.main(["--epochs", "1", "--out", str(out)]) == 0
    return out / "model.keras"


@pytest.fixture
def older_reuters_model(reuters_model, tmp_path):
    """The same model as a run saved before runs kept their vocabulary: model.keras alone."""
    shutil.copy(reuters_model, tmp_path / "model.keras")
    return tmp_path / "model.keras"


def predict_lines(capsys, *argv):
    assert reuters_lstm.main([*argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_each_line_names_the_three_likeliest_topics_with_probabilities(offline_keras, reuters_model, capsys):
    write_reuters()
    lines = predict_lines(capsys, "--predict", "Oil prices rose said the mln dlrs", "--model", str(reuters_model))
    assert len(lines) == 1
    columns = lines[0].split("\t")
    assert len(columns) == 7 and columns[-1] == "Oil prices rose said the mln dlrs"
    topics, probabilities = columns[0:6:2], [float(p) for p in columns[1:6:2]]
    names = keras.datasets.reuters.get_label_names()
    assert len(set(topics)) == 3 and set(topics) <= set(names)
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1.0001
    assert all(len(p.split(".")[1]) == 4 for p in columns[1:6:2])
    # the named topics are the model's own three likeliest, in order, for the ids written out here by
    # hand from the word index: start 1, rank + 3 below 1000, else 2 (oil, prices, rose are no words of it)
    index = json.loads((DATASETS / "reuters_word_index.json").read_text())
    assert [index.get(word) for word in ("said", "the", "mln", "dlrs")] == [3, 1, 6, 8]
    ids = keras.utils.pad_sequences([[1, 2, 2, 2, 3 + 3, 1 + 3, 6 + 3, 8 + 3]], maxlen=100)
    expected = keras.saving.load_model(reuters_model).predict(ids, verbose=0)[0]
    assert topics == [names[i] for i in expected.argsort()[::-1][:3]]
    np.testing.assert_allclose(probabilities, np.sort(expected)[::-1][:3], atol=6e-5)


def test_text_is_encoded_exactly_as_the_dataset_was(offline_keras, reuters_model, tmp_path, capsys):
    """A test wire written out as text and predicted gets the probabilities of the dataset's own ids."""
    write_reuters()
    _, (x_test, _) = reuters_lstm.load_data(cli.parse(reuters_lstm.SETTINGS, [])[0], dry_run=False)
    vocabulary = datasets.vocabulary("reuters", 1000)
    wires = [[i for i in wire if i != OOV] for wire in x_test[:5]]  # unknown words have no text to write
    reviews = tmp_path / "wires.txt"
    reviews.write_text("\n".join(vocabulary.decode(wire) for wire in wires) + "\n")
    lines = predict_lines(capsys, "--predict-file", str(reviews), "--model", str(reuters_model))
    expected = keras.saving.load_model(reuters_model).predict(keras.utils.pad_sequences(wires, maxlen=100), verbose=0)
    assert len(lines) == 5
    for line, row in zip(lines, expected):
        assert float(line.split("\t")[1]) == pytest.approx(row.max(), abs=6e-5)


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_trained_model_yet_is_one_line(script, offline_keras, tmp_path, monkeypatch):
    module, write = SCRIPTS[script]
    write()
    monkeypatch.chdir(tmp_path)  # no runs/ here
    with pytest.raises(cli.ScriptError, match=rf"no model trained on real data yet: run `python {script}.py` first"):
        module.main(["--predict", "good"])


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_damaged_model_is_one_line_and_exit_1(script, tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = run_script(REPO / f"{script}.py", "--predict", "good", "--model", path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"{script}.py: error: cannot load the model {path}")


def test_an_older_model_of_other_settings_says_which_flags_to_pass(older_reuters_model):
    with pytest.raises(cli.ScriptError, match="pass --num-words 1000 --maxlen 100"):
        reuters_lstm.main(["--predict", "good", "--maxlen", "50", "--model", str(older_reuters_model)])


def test_a_model_with_its_vocabulary_reads_as_it_was_trained_whatever_the_settings(reuters_model, capsys,
                                                                                   monkeypatch):
    assert reuters_lstm.main(["--predict", "said the mln", "--model", str(reuters_model)]) == 0
    as_trained = capsys.readouterr().out
    monkeypatch.setitem(reuters_lstm.SETTINGS.values, "MAXLEN", 50)  # the settings at the top, changed since
    monkeypatch.setitem(reuters_lstm.SETTINGS.values, "NUM_WORDS", 20)
    assert reuters_lstm.main(["--predict", "said the mln", "--model", str(reuters_model)]) == 0
    assert capsys.readouterr().out == as_trained
    with pytest.raises(cli.UsageError, match="--maxlen does not go with a run that saved its vocabulary"):
        reuters_lstm.main(["--predict", "said the mln", "--maxlen", "50", "--model", str(reuters_model)])


def test_a_model_of_the_other_script_is_refused(reuters_model):
    with pytest.raises(cli.ScriptError, match="is a model of reuters_lstm, not of imdb_cnn_lstm.py"):
        imdb_cnn_lstm.main(["--predict", "good", "--model", str(reuters_model)])


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("content, message", [
    (b"", "holds no text to answer"), (b"\n  \n", "holds no text to answer"),
    (b"\x89PNG\r\n\x1a\n\0\0", "is a binary file"), (b"caf\xe9", "is not UTF-8 text"),
])
def test_empty_binary_and_non_utf8_files_are_refused_before_any_model_loads(script, content, message, tmp_path):
    path = tmp_path / "texts.txt"
    path.write_bytes(content)
    with pytest.raises(cli.ScriptError, match=message):
        SCRIPTS[script][0].main(["--predict-file", str(path), "--model", str(tmp_path / "never_read.keras")])
