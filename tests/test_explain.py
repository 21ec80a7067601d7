"""--explain: occlusion finds the word that decides, and says what the model never saw or knew."""
import io

import numpy as np
import pytest

from common import keras_setup
from common.predict import explain
from common.text import START, Vocabulary

import keras

WORDS = {f"w{rank}": rank for rank in range(1, 47)}  # ids 4..49
VOCABULARY = Vocabulary(WORDS, 50)
PLANTED = "w7"  # a text is positive exactly when it holds this word


@pytest.fixture(scope="module")
def planted_model():
    keras_setup.seed_everything(0)
    rng = np.random.default_rng(0)
    texts = [[f"w{rank}" for rank in rng.choice([r for r in range(1, 47) if r != 7], 12)] for _ in range(600)]
    labels = rng.integers(0, 2, len(texts))
    for words, label in zip(texts, labels):
        if label:
            words[rng.integers(0, len(words))] = PLANTED
    x = keras.utils.pad_sequences([VOCABULARY.encode(" ".join(words)) for words in texts], maxlen=16)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Embedding(50, 8), keras.layers.LSTM(8),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.02))
    model.fit(x, labels.astype("float32"), epochs=15, batch_size=50, verbose=0)
    return model


def positive(probabilities, _whole):
    return float(probabilities[0])


def test_the_planted_word_changes_the_answer_most_by_far(planted_model):
    text = "w3 w12 w7 w30 w41 w9"
    [explained] = explain.explain(planted_model, VOCABULARY, [text], 16, positive)
    assert explained.padding == 16 - 7  # the start mark and six words: nine padding ids before them
    changes = {word.text: word.change for word in explained.words}
    others = max(abs(change) for word, change in changes.items() if word != PLANTED)
    assert changes[PLANTED] > 0.5 and changes[PLANTED] > 5 * others, changes


def test_only_the_last_maxlen_ids_are_seen_and_variants_drop_one_word_each():
    ids = [START, 10, 11, 12, 13]
    positions, without = explain.variants(ids, maxlen=3)
    assert positions == [2, 3, 4]  # the model reads 11, 12, 13
    assert without == [[START, 10, 12, 13], [START, 10, 11, 13], [START, 10, 11, 12]]


def test_unknown_and_unseen_words_are_said_as_such(planted_model):
    text = " ".join(["w5"] * 20 + ["zebra", "w7"])  # 22 words: the model reads the last 16 ids, 6 words never
    [explained] = explain.explain(planted_model, VOCABULARY, [text], 16, positive)
    lines = explain.tab_lines(explained)
    assert len(lines) == 22 and all(line.endswith("\tunseen") for line in lines[:6])
    assert not lines[6].endswith("unseen")
    assert lines[20].startswith("zebra\t") and lines[20].endswith("\tunknown")
    assert lines[21].startswith("w7\t") and lines[21].count("\t") == 1
    word, change = lines[21].split("\t")
    assert len(change.split(".")[1]) == 4  # signed, four decimals


def test_not_a_terminal_gets_tab_lines_after_each_answer(planted_model):
    explained = explain.explain(planted_model, VOCABULARY, ["w7 w3", "w3 w4"], 16, positive)
    out = io.StringIO()
    explain.print_explained(explained, ["0.9\tpositive\tw7 w3", "0.1\tnegative\tw3 w4"], "positive", out)
    assert out.getvalue().splitlines()[0] == "0.9\tpositive\tw7 w3"
    assert [line.split("\t")[0] for line in out.getvalue().splitlines()] == ["0.9", "w7", "w3", "0.1", "w3", "w4"]


def test_the_page_shades_every_word_and_keeps_hangul():
    explained = explain.Explained("이 영화 정말 재미있어요", 0.9, [
        explain.Word("이", True, True, 0.01), explain.Word("영화", True, True, -0.2),
        explain.Word("재미있어요", True, True, 0.6), explain.Word("zzz", False, False, 0.0)])
    page = explain.page([explained], ["0.9000 positive"], "nsmc_cnn_lstm --explain")
    assert page.count('class="word') == 4 and "재미있어요" in page and 'charset="utf-8"' in page
    assert "rgba(0, 160, 60, 1.00)" in page and 'class="word unseen"' in page and "padding)" not in page
    explained.padding = 30
    assert '<span class="padding">(30 padding)</span>' in explain.page([explained], ["0.9000 positive"], "t")


def test_the_page_renders_in_a_real_browser_with_its_shading(tmp_path):
    """A real headless Chromium draws the page (docs: look at the screenshot too): its strongest
    word's green is on the screen."""
    import shutil
    import subprocess

    import matplotlib.image

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian: apt install chromium)")
    explained = explain.Explained("이 영화 정말 재미있어요", 0.9, [
        explain.Word("이", True, True, 0.01), explain.Word("영화", True, True, -0.2),
        explain.Word("재미있어요", True, True, 0.6)])
    page = tmp_path / "page.html"
    page.write_text(explain.page([explained], ["0.9000 positive"], "nsmc_cnn_lstm --explain"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=800,400", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    pixels = matplotlib.image.imread(shot)[..., :3] * 255
    strongest_green = np.all(np.abs(pixels - [0, 160, 60]) < 12, axis=-1)
    assert strongest_green.sum() > 200, "the strongest word's shading is not on the screenshot"
