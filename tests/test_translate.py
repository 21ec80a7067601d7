"""translate_en_ko.py: the data's split, a tiny model that must learn a made-up language and
align it, the page end to end on its dry run, --predict and --explain, and bad input.
(Greedy decoding and beam search alone: tests/test_decoding.py.)"""
import json
import os
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import REPO, run_script, write_kor_txt

from common.text import Vocabulary, translation

import translate_en_ko  # noqa: E402 (loads Keras)
from common import keras_setup, training  # noqa: E402

TINY = ["--dry-run", "--epochs", "3", "--units", "16", "--embedding-dim", "8"]


def test_the_split_keeps_every_english_sentence_on_one_side():
    pairs = [(f"sentence {i % 40}.", f"문장 {i}") for i in range(200)]  # each English sentence five times
    train, validation, test = translation.split_by_english(pairs, 0.1, 0.2)
    sides = [{english for english, _ in part} for part in (train, validation, test)]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert (len(sides[1]), len(sides[2])) == (4, 8) and len(train) + len(validation) + len(test) == 200
    assert translation.split_by_english(pairs, 0.1, 0.2) == (train, validation, test)  # fixed: no --seed moves it


# A made-up language: English "words" a..h, each a Korean syllable, written in reverse order.
# Output syllable i must look at input word n-1-i: the attention's peaks are known in advance.
LETTERS = "abcdefgh"
SYLLABLES = dict(zip(LETTERS, "가나다라마바사아"))


def reversed_pairs(count, rng):
    pairs = []
    for _ in range(count):
        words = list(rng.choice(list(LETTERS), rng.integers(3, 7)))
        pairs.append((words, [SYLLABLES[word] for word in reversed(words)]))
    return pairs


@pytest.fixture(scope="module")
def reverser():
    keras_setup.seed_everything(0)
    config = SimpleNamespace(with_attention=True, embedding_dim=16, units=48, dropout=0.0, max_english_words=6,
                             max_korean_syllables=6)
    rng = np.random.default_rng(0)
    items = [(english, korean, None) for english, korean in reversed_pairs(3000, rng)]
    english = Vocabulary.counted([e for e, _, _ in items], None, list)
    korean = Vocabulary.counted([k for _, k, _ in items], None, list)
    model = translate_en_ko.build_model(config, english.num_words, korean.num_words)
    models = translate_en_ko.translating_models(model)  # before training, as the script wires them (Keras 3.13)
    inputs, targets, weights = translate_en_ko.arrays(items, english, korean, config)
    model.fit(training.batches(inputs, targets, 32, shuffle=True, sample_weight=weights), epochs=12, verbose=0)
    held_out = reversed_pairs(100, np.random.default_rng(1))
    found = translate_en_ko.translate(models, english, [words for words, _ in held_out], beam=1, max_length=6)
    return models, english, korean, held_out, found


def test_a_tiny_model_learns_a_made_up_language_nearly_perfectly(reverser):
    _, _, korean, held_out, found = reverser
    right = [translate_en_ko.korean_of(hypothesis, korean) == "".join(target)
             for (_, target), hypothesis in zip(held_out, found)]
    assert np.mean(right) >= 0.9


def test_its_attention_peaks_on_the_word_each_syllable_translates(reverser):
    _, _, _, held_out, found = reverser
    peaks, expected = [], []
    for (words, _), hypothesis in zip(held_out, found):
        weights = np.array(hypothesis.attention)  # one row per syllable written, and the end's
        assert weights.shape[0] == len(hypothesis.tokens) + 1
        for i in range(min(len(words), len(hypothesis.tokens))):
            peaks.append(int(weights[i, :len(words)].argmax()))
            expected.append(len(words) - 1 - i)
    assert np.mean(np.array(peaks) == np.array(expected)) >= 0.9


def test_beam_search_with_the_trained_model_scores_at_least_what_greedy_does(reverser):
    models, english, _, held_out, greedy = reverser
    beam = translate_en_ko.translate(models, english, [words for words, _ in held_out[:30]], beam=3, max_length=6)
    assert all(b.score >= g.score - 1e-5 for b, g in zip(beam, greedy[:30]) if g.finished and b.finished)


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("translate") / "run"
    assert translate_en_ko.main([*TINY, "--out", str(out)]) == 0
    return out


def test_a_dry_run_trains_scores_and_saves_what_predict_needs(dry_run):
    metrics = json.loads((dry_run / "metrics.json").read_text())
    assert sorted(p.name for p in dry_run.iterdir() if p.is_file()) == [
        "history.csv", "loss.png", "metrics.json", "model.keras", "vocabulary.json"]
    assert metrics["settings"]["with_attention"] is True and metrics["test_size"] > 0
    for score in ("test_chrf", "test_bleu"):
        assert 0 <= metrics[score] <= 100
    assert 0 <= metrics["test_exact_match"] <= 1 and 1 <= metrics["best_epoch"] <= 3


def test_scores_of_perfect_translations_are_perfect_and_quiet(caplog):
    references = [["나는 학교에 가요."], ["우리가 이겼어.", "우리는 이겼다."]] * 60  # 120: sacrebleu's warning needs 100
    translations = [found[-1] for found in references]
    with caplog.at_level("WARNING"):
        scores = translate_en_ko.scores(translations, references)
    assert scores == {"chrf": 100.0, "bleu": 100.0, "exact_match": 1.0}
    assert not caplog.records  # BLEU's input is Kiwi's morphemes on purpose: no "forgot to detokenize"


def predict(dry_run, *arguments, tmp_path):
    return run_script(REPO / "translate_en_ko.py", "--model", dry_run, *arguments, cwd=tmp_path)


def test_predict_translates_with_the_saved_vocabularies_alone(dry_run, tmp_path):
    result = predict(dry_run, "--predict", "I see a red cat.", tmp_path=tmp_path, )
    assert result.returncode == 0, result.stderr
    korean, english = result.stdout.rstrip("\n").split("\t")[:2]  # a three-epoch model may write nothing
    assert english == "I see a red cat." and all(not "a" <= ch <= "z" for ch in korean)
    assert f"Translating: the model of {dry_run}" in result.stderr


def test_explain_draws_the_alignment_and_lists_it(dry_run, tmp_path):
    result = predict(dry_run, "--predict", "you like a big book.", "--explain", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    rows = [line.split("\t") for line in lines[1:]]
    assert rows and all(len(row) == 3 and row[0] in {"you", "like", "a", "big", "book", "."} for row in rows)
    assert all(0 <= float(row[2]) <= 1 for row in rows)
    assert rows[-1][1] == "</s>" or lines[0].endswith("(cut at the length limit)")  # the end token's row, if it ended
    figure = next(line.split(": ", 1)[1] for line in result.stderr.splitlines() if line.startswith("Alignment: "))
    assert (tmp_path / figure).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("arguments, code, message", [
    (["--predict", "  "], 2, "--predict: nothing to answer, the text is empty"),
    (["--predict-file", "NOT_UTF8"], 1, "is not UTF-8 text"),
    (["--predict", "qwerty zxcvb"], 0, "note: text 1 has no word the model knows; its translation is a guess"),
    (["--predict", " ".join(["cat"] * 2000)], 0, "note: text 1 has 2000 words and marks; the model, trained on at "
                                                 "most 20, translates its first 20"),
])
def test_bad_input_is_one_line(dry_run, tmp_path, arguments, code, message):
    (tmp_path / "NOT_UTF8").write_bytes(b"caf\xe9 au lait\n")
    result = predict(dry_run, *arguments, tmp_path=tmp_path)
    assert result.returncode == code and "Traceback" not in result.stderr
    assert message in result.stderr
    if code:
        assert len(result.stderr.strip().splitlines()) == 1



@pytest.mark.parametrize("record, reason", [(None, "(No such file or directory)"), ("[1, 2]", "(TypeError: "),
                                             ('{"english": ["cat"], "max_english_words": 5}', "(KeyError: 'korean')")])
def test_a_missing_or_damaged_vocabulary_is_one_line(tmp_path, record, reason):
    if record is not None:
        (tmp_path / "vocabulary.json").write_text(record, encoding="utf-8")
    with pytest.raises(translation.ScriptError) as raised:
        translate_en_ko.saved_vocabularies(tmp_path / "model.keras")
    message = str(raised.value)
    assert message.startswith(f"cannot read {tmp_path / 'vocabulary.json'}, the vocabularies the model was trained with ")
    assert reason in message and message.endswith("; train again or pass --model of a complete run")
    assert "\n" not in message

def test_explain_on_a_model_without_attention_is_one_line(tmp_path):
    out = tmp_path / "plain"
    assert translate_en_ko.main([*TINY, "--epochs", "1", "--with-attention", "false", "--out", str(out)]) == 0
    result = predict(out, "--predict", "I see a cat.", "--explain", tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith("--explain: this model has no attention (trained with "
                                                           "--with-attention false): it aligns nothing")


# The data through the real loading code: a kor.txt in the Keras cache, as a user places it.

def test_a_placed_copy_is_used_as_it_is_only_when_asked(tmp_path, monkeypatch):
    folder = tmp_path / "datasets" / "kor-eng"
    folder.mkdir(parents=True)
    write_kor_txt(folder / "kor.txt", [("Hi.", "안녕."), ("Run!", "뛰어!")])
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("USE_CACHED_DATA_AS_IS", raising=False)
    with pytest.raises(translation.ScriptError, match="kor.txt in .* is kept: it is readable but not the release"):
        translation.load_pairs()
    monkeypatch.setenv("USE_CACHED_DATA_AS_IS", "1")
    assert translation.load_pairs() == [("Hi.", "안녕."), ("Run!", "뛰어!")]


def test_offline_the_message_names_the_file_and_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(translation, "URL", "http://127.0.0.1:9/kor-eng.zip")  # nothing listens: refused at once
    monkeypatch.setattr(translation, "FALLBACK_URL", "http://127.0.0.1:9/fallback.zip")
    with pytest.raises(translation.ScriptError) as raised:
        translation.load_pairs()
    message = str(raised.value)
    assert f"kor.txt is not in {tmp_path / 'datasets' / 'kor-eng'}" in message and "no network?" in message
    assert "\n" not in message


def test_the_download_says_it_is_a_browser(tmp_path, monkeypatch):
    """manythings.org refuses Python's own User-Agent: a local server that does the same serves
    the archive only to a browser's."""
    import http.server
    import threading
    import zipfile

    archive = tmp_path / "served.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("kor.txt", "Go.\t가.\tCC-BY 2.0 (France) Attribution: tatoeba.org\n")

    class Picky(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if "Mozilla" not in self.headers.get("User-Agent", ""):
                self.send_error(403)
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(archive.read_bytes())

        def log_message(self, *arguments):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Picky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (tmp_path / "home").mkdir()
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
        monkeypatch.setattr(translation, "URL", f"http://127.0.0.1:{server.server_port}/kor-eng.zip")
        monkeypatch.setattr(translation, "FALLBACK_URL", "http://127.0.0.1:9/fallback.zip")
        assert translation.load_pairs() == [("Go.", "가.")]  # another release than the README's: used, with a note
        assert (tmp_path / "home" / "datasets" / "kor-eng" / "kor-eng.zip").is_file()  # cached: the next run reads it
    finally:
        server.shutdown()
    import urllib.request

    assert urllib.request._opener is None  # the browser's name was for that download only


def test_help_lists_the_settings_before_keras_loads():
    result = run_script(REPO / "translate_en_ko.py", "--help", env={"PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0 and "--with-attention BOOL" in result.stdout and "--beam INT" in result.stdout
    assert os.path.basename("translate_en_ko.py") in result.stdout
