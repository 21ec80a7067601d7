"""caption_shapes.py: a tiny model tells two shapes apart, the page end to end on its dry run,
--predict on a picture it did not draw, and bad pictures. (The pictures and the held-out
combinations themselves: tests/test_pictures.py.)"""
import json
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import REPO, run_script

from common import pictures

import caption_shapes  # noqa: E402 (loads Keras)
import keras  # noqa: E402
from common import keras_setup, training  # noqa: E402
from common.errors import ScriptError, UsageError  # noqa: E402
from common.text import Vocabulary  # noqa: E402

TINY = ["--dry-run", "--epochs", "1", "--units", "16", "--filters", "4", "--embedding-dim", "8"]


def test_a_tiny_model_captions_a_circle_and_a_triangle_apart():
    keras_setup.seed_everything(0)
    rng = np.random.default_rng(0)
    scenes = [(("middle", "red", shape),) for shape in rng.choice(["circle", "triangle"], 240)]
    drawn = np.stack([pictures.draw(scene, 48, rng) for scene in scenes])
    captions = [pictures.caption(scene) for scene in scenes]
    vocabulary = Vocabulary.counted([caption_shapes.WORDS.split(caption) for caption in captions], None,
                                    caption_shapes.WORDS.split)
    config = SimpleNamespace(image_size=48, filters=16, embedding_dim=8, units=32, with_attention=True, state_dropout=0.5)
    model = caption_shapes.build_model(config, vocabulary.num_words)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.003),  # seconds, not minutes
                  weighted_metrics=["accuracy"])
    words_in, targets, weights = caption_shapes.arrays(captions, vocabulary)
    model.fit(training.batches({"picture": drawn, "words_in": words_in}, targets, 16, shuffle=True,
                               sample_weight=weights), epochs=20, verbose=0)
    fresh = [(("middle", "red", "circle"),), (("middle", "red", "triangle"),)] * 10
    written = caption_shapes.captions_of(model, vocabulary, np.stack([pictures.draw(scene, 48, rng) for scene in fresh]), 6)
    assert np.mean([found == truth for found, truth in zip(written, ["가운데에 빨간 원", "가운데에 빨간 세모"] * 10)]) >= 0.9


def test_scores_count_whole_captions_and_words_in_their_place():
    exact, words = caption_shapes.scores(["왼쪽에 빨간 원", "왼쪽에 파란 원, 가운데에"], ["왼쪽에 빨간 원", "왼쪽에 빨간 원"])
    assert exact == 0.5 and words == pytest.approx(6 / 8, abs=1e-4)  # 4 of 4, then 왼쪽에 and 원 of 4 (the end missed)


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("caption") / "run"
    assert caption_shapes.main([*TINY, "--out", str(out)]) == 0
    return out


def test_a_dry_run_scores_both_test_sets_and_saves_the_captions_figure(dry_run):
    metrics = json.loads((dry_run / "metrics.json").read_text())
    assert sorted(p.name for p in dry_run.iterdir() if p.is_file()) == [
        "captions.png", "history.csv", "loss.png", "metrics.json", "model.keras", "vocabulary.json"]
    for score in ("test_exact", "test_exact_unseen", "test_word_accuracy", "test_word_accuracy_unseen"):
        assert 0 <= metrics[score] <= 1
    assert metrics["unseen_test_size"] == metrics["test_size"] > 0 and metrics["settings"]["language"] == "ko"


def a_picture_drawn_elsewhere(path, size=(64, 64)):
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", size, "white")
    ImageDraw.Draw(picture).ellipse((4, 20, 20, 36), fill="red")
    picture.save(path)
    return path


def test_predict_captions_a_picture_it_did_not_draw_and_a_folder(dry_run, tmp_path, capsys):
    mine = a_picture_drawn_elsewhere(tmp_path / "mine.png")
    a_picture_drawn_elsewhere(tmp_path / "wide.jpg", size=(90, 50))
    (tmp_path / "notes.txt").write_text("not a picture")  # a folder's other files are not pictures to caption
    assert caption_shapes.main(["--predict", str(mine), "--model", str(dry_run)]) == 0
    caption, path = capsys.readouterr().out.rstrip("\n").split("\t")
    assert path == str(mine) and all(word in caption_shapes.WORDS.split("왼쪽에 가운데에 오른쪽에 빨간 파란 초록 노란 원 "
                                                                        "네모 세모 ,") for word in caption_shapes.WORDS.split(caption))
    assert caption_shapes.main(["--predict-file", str(tmp_path), "--model", str(dry_run)]) == 0
    said = capsys.readouterr()
    assert [line.split("\t")[1] for line in said.out.splitlines()] == [str(mine), str(tmp_path / "wide.jpg")]
    assert "note: wide.jpg is 90 x 50: resized to 48 x 48, the size the model was trained on (stretched" in said.err


@pytest.mark.parametrize("given, error, message", [
    ("missing.png", ScriptError, "--predict: {folder}/missing.png does not exist"),
    ("text.png", ScriptError, "--predict: {folder}/text.png is not a picture (PNG, JPEG, BMP, GIF or WebP)"),
    ("dot.png", ScriptError, "--predict: {folder}/dot.png is 1 x 1 pixels: too small to show a shape (at least 16 a side)"),
    (" ", UsageError, "--predict: give a picture's path"),
])
def test_bad_pictures_are_refused_before_the_model_loads(tmp_path, given, error, message):
    from PIL import Image

    (tmp_path / "text.png").write_text("hello")
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    argument = given if given == " " else str(tmp_path / given)
    with pytest.raises(error) as raised:  # --model names no file: reaching it would be another error
        caption_shapes.main(["--predict", argument, "--model", str(tmp_path / "never_read.keras")])
    assert str(raised.value) == message.format(folder=tmp_path)


def test_a_bad_picture_is_one_line_and_exit_1(tmp_path):
    from PIL import Image

    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    result = run_script(REPO / "caption_shapes.py", "--predict", "dot.png", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ("caption_shapes.py: error: --predict: dot.png is 1 x 1 pixels: "
                                                        "too small to show a shape (at least 16 a side)\n")


@pytest.mark.parametrize("record, reason", [(None, "(No such file or directory)"), ("{ half", "(JSONDecodeError: "),
                                             ('{"words": ["원"], "max_words": 5}', "(KeyError: 'image_size')")])
def test_a_missing_or_damaged_vocabulary_is_one_line(tmp_path, record, reason):
    if record is not None:
        (tmp_path / "vocabulary.json").write_text(record, encoding="utf-8")
    with pytest.raises(ScriptError) as raised:
        caption_shapes.saved_vocabulary(tmp_path / "model.keras")
    message = str(raised.value)
    assert message.startswith(f"cannot read {tmp_path / 'vocabulary.json'}, the vocabulary the model was trained with ")
    assert reason in message and message.endswith("; train again or pass --model of a complete run")
    assert "\n" not in message
