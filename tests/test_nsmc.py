"""nsmc_cnn_lstm.py and common/text/nsmc.py: Korean reviews in NSMC's file layout, through the real
loading, tokenizing and caching code; --predict on raw text equals evaluate() on the encoded set."""
import json
import sys

import keras
import numpy as np
import pytest
from conftest import REPO, run_script, write_nsmc
from test_quiet_start import assert_no_tensorflow_log

import nsmc_cnn_lstm
from common import cli, predict
from common.text import OOV, START, nsmc, tokenizers


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model the script trained on the fixture corpus (morphemes), and its run folder."""
    write_nsmc()
    out = tmp_path_factory.mktemp("nsmc") / "run"
    assert nsmc_cnn_lstm.main(["--epochs", "6", "--batch-size", "20", "--out", str(out)]) == 0
    return out


def test_kiwi_splits_korean_into_morphemes_the_same_one_by_one_and_in_bulk():
    morphemes = tokenizers.tokenizer("morphemes")
    assert morphemes.split("이 영화 정말 재미있어요") == ["이", "영화", "정말", "재미있", "어요"]
    texts = ["배우들 연기가 최고였다", "", "돈 아깝다 ㅋㅋ"]
    assert list(morphemes.split_many(texts)) == [morphemes.split(text) for text in texts]


def test_without_kiwipiepy_the_morpheme_tokenizer_is_one_line_naming_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "kiwipiepy", None)
    with pytest.raises(cli.ScriptError, match="needs kiwipiepy: pip install -r requirements.txt"):
        tokenizers.tokenizer("morphemes")


def test_the_files_are_read_in_the_corpus_layout_empty_reviews_kept(offline_keras):
    write_nsmc(train=50, test=20)
    (train, y_train), (test, y_test) = nsmc.load_data(tokenizers.tokenizer("spaces"))
    assert (len(train), len(test)) == (50, 20) and set(y_train) == {0, 1}
    assert train[0] == [] and y_train[0] == 0  # the review with no text, as the corpus counts it
    assert train[1][0] == '"최고"'  # quotes are text, not CSV quoting


@pytest.mark.parametrize("content, message", [
    (b"id,document,label\n1,good,1\n", "does not start with NSMC's header line"),
    (b"id\tdocument\tlabel\n1\tgood\n", "line 2: expected 'id<TAB>review<TAB>0 or 1'"),
    (b"id\tdocument\tlabel\n1\tgood\t1\n2\tbad\t5\n", "line 3: expected"),
    (b"id\tdocument\tlabel\n", "holds no reviews"),
    (b"id\tdocument\tlabel\n1\t\xed\x95\t1\n", "is not UTF-8 text"),
])
def test_a_damaged_or_foreign_file_is_one_line_saying_which(offline_keras, content, message):
    folder = write_nsmc(train=10, test=10)
    (folder / "ratings_test.txt").write_bytes(content)
    with pytest.raises(cli.ScriptError, match=f"ratings_test.txt in {folder}.*{message}"):
        nsmc.load_data(tokenizers.tokenizer("spaces"))


def test_a_missing_file_offline_names_the_file_the_address_and_the_folder(offline_keras):
    with pytest.raises(cli.ScriptError) as error:
        nsmc.load_data(tokenizers.tokenizer("spaces"))
    assert str(error.value).startswith(f"ratings_train.txt is not in {offline_keras / 'nsmc'} and could not "
                                       f"be downloaded from {nsmc.URL}ratings_train.txt (no network?)")


class CountingSpaces(tokenizers.Spaces):
    def __init__(self):
        self.calls = 0

    def split_many(self, texts):
        self.calls += 1
        return super().split_many(texts)


def test_tokens_are_cached_and_the_second_load_tokenizes_nothing(offline_keras):
    folder = write_nsmc(train=50, test=20)
    first, second = CountingSpaces(), CountingSpaces()
    (train_first, y_first), (test_first, _) = nsmc.load_data(first)
    (train_second, y_second), (test_second, _) = nsmc.load_data(second)
    assert first.calls > 0 and second.calls == 0
    assert (train_second, test_second) == (train_first, test_first) and list(y_second) == list(y_first)
    third_review = (folder / "ratings_train.txt").read_text(encoding="utf-8").split("\n")[3].split("\t")[1]
    assert train_second[2] == third_review.split()


@pytest.mark.parametrize("change", ["file", "tokenizer version", "damaged cache"])
def test_the_cache_is_made_again_when_what_it_depends_on_changes(offline_keras, change):
    folder = write_nsmc(train=50, test=20)
    nsmc.load_data(CountingSpaces())
    again = CountingSpaces()
    if change == "file":
        with open(folder / "ratings_test.txt", "a", encoding="utf-8") as file:
            file.write("5000\t새로 들어온 리뷰\t1\n")
    elif change == "tokenizer version":
        again.version = "str.split, another version"
    else:
        for cache in (folder / "tokenized").iterdir():
            cache.write_text("{ half a file")
    (_, _), (test, _) = nsmc.load_data(again)
    assert again.calls > 0
    last_line = (folder / "ratings_test.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")[-1]
    assert test[-1] == last_line.split("\t")[1].split()  # split again from the file, not from the old cache
    assert (test[-1] == ["새로", "들어온", "리뷰"]) == (change == "file")


def test_the_run_saves_its_vocabulary_by_the_keras_conventions(trained):
    record = json.loads((trained / predict.VOCABULARY).read_text(encoding="utf-8"))
    assert record["tokenizer"] == "morphemes" and record["tokenizer_version"].startswith("kiwipiepy ")
    assert (record["num_words"], record["maxlen"]) == (nsmc_cnn_lstm.NUM_WORDS, nsmc_cnn_lstm.MAXLEN)
    vocabulary, _ = predict.saved_vocabulary(trained / "model.keras")
    most_frequent = record["words"][0]
    assert vocabulary.encode(most_frequent) == [START, 4]  # rank 1 -> id 1 + 3; 0, 1, 2 are reserved
    unknown = vocabulary.encode("쀍쀍")
    assert unknown[0] == START and set(unknown[1:]) == {OOV}


def test_predicting_raw_review_lines_gives_what_evaluate_scores_on_their_encoded_form(trained, tmp_path, capsys):
    folder = write_nsmc()  # the same corpus the model was trained on
    texts, labels = nsmc.read_reviews(folder / "ratings_test.txt", (folder / "ratings_test.txt").read_bytes())
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("\n".join(texts) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert nsmc_cnn_lstm.main(["--predict-file", str(reviews), "--model", str(trained / "model.keras")]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(texts)
    # The test set as training encoded it: the cached tokens, the run's vocabulary, its length.
    (_, _), (test_tokens, y_test) = nsmc.load_data(tokenizers.tokenizer("morphemes"))
    vocabulary, maxlen = predict.saved_vocabulary(trained / "model.keras")
    x_test = keras.utils.pad_sequences([vocabulary.encode_words(tokens) for tokens in test_tokens], maxlen=maxlen)
    model = keras.saving.load_model(trained / "model.keras")
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    np.testing.assert_allclose([float(line[0]) for line in lines], model.predict(x_test, verbose=0)[:, 0], atol=6e-5)
    predicted_positive = np.array([line[1] == "positive" for line in lines])
    assert np.mean(predicted_positive == (labels == 1)) == pytest.approx(accuracy, abs=1e-6)
    assert accuracy > 0.8  # it learned the fixture's give-away words


def test_predict_reads_as_the_run_trained_even_after_the_settings_changed(trained, capsys, monkeypatch):
    model = str(trained / "model.keras")
    capsys.readouterr()
    assert nsmc_cnn_lstm.main(["--predict", "정말 최고 명작", "--model", model]) == 0
    as_trained = capsys.readouterr().out
    for name, value in (("TOKENIZER", "spaces"), ("NUM_WORDS", 50), ("MAXLEN", 12)):  # changed at the top since
        monkeypatch.setitem(nsmc_cnn_lstm.SETTINGS.values, name, value)
    assert nsmc_cnn_lstm.main(["--predict", "정말 최고 명작", "--model", model]) == 0
    assert capsys.readouterr().out == as_trained and as_trained.endswith("\t정말 최고 명작\n")
    with pytest.raises(cli.UsageError, match="--tokenizer does not go with --predict"):
        nsmc_cnn_lstm.main(["--predict", "정말 최고 명작", "--model", model, "--tokenizer", "spaces"])


@pytest.mark.parametrize("damage", ["missing", "not JSON", "another run's"])
def test_a_missing_or_foreign_vocabulary_is_one_line(trained, tmp_path, damage):
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.keras").write_bytes((trained / "model.keras").read_bytes())
    record = json.loads((trained / predict.VOCABULARY).read_text(encoding="utf-8"))
    if damage == "not JSON":
        (run / predict.VOCABULARY).write_text("{ half")
    elif damage == "another run's":
        (run / predict.VOCABULARY).write_text(json.dumps({**record, "maxlen": 12}))
    message = "the vocabulary saved beside it is another run's" if damage == "another run's" else "cannot read"
    with pytest.raises(cli.ScriptError, match=message):
        nsmc_cnn_lstm.main(["--predict", "좋아요", "--model", str(run / "model.keras")])


def test_the_dry_run_needs_no_corpus_and_a_missing_corpus_is_one_line(tmp_path):
    empty_home = {"KERAS_HOME": str(tmp_path / "keras_home")}
    result = run_script(REPO / "nsmc_cnn_lstm.py", "--dry-run", "--epochs", "1", "--tokenizer", "spaces",
                        "--out", tmp_path / "dry", env=empty_home)
    assert result.returncode == 0, result.stderr
    assert_no_tensorflow_log(result.stderr)
    assert "(synthetic data: --dry-run)" in result.stdout and (tmp_path / "dry" / predict.VOCABULARY).is_file()
    result = run_script(REPO / "nsmc_cnn_lstm.py", "--out", tmp_path / "real", env=empty_home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        "nsmc_cnn_lstm.py: error: ratings_train.txt is not in ")


def test_a_cache_that_cannot_be_written_is_a_note_and_the_run_goes_on(offline_keras, capsys):
    folder = write_nsmc(train=20, test=10)
    (folder / "tokenized").write_text("a file where the cache folder should be")
    (train, _), _ = nsmc.load_data(tokenizers.tokenizer("spaces"))
    assert len(train) == 20 and "note: the tokens could not be cached" in capsys.readouterr().out
