"""caption_shapes.py's world (common/pictures.py): the pictures say what their captions say, and
the combinations kept for the unseen test set never reach training."""
import numpy as np
import pytest

from common import pictures

# The held-out combinations as the captions write them (common/pictures.py: UNSEEN)
HELD_OUT_KO = ("왼쪽에 빨간 세모", "가운데에 파란 원", "오른쪽에 노란 네모", "가운데에 초록 세모")
HELD_OUT_EN = ("a red triangle on the left", "a blue circle in the middle", "a yellow square on the right",
               "a green triangle in the middle")
PURE = {"빨간": (1, 0, 0), "파란": (0, 0, 1), "초록": (0, 1, 0), "노란": (1, 1, 0)}  # the colour words' hues


def test_no_training_picture_holds_a_held_out_combination_and_every_unseen_one_does():
    _, training = pictures.pictures(2000, 48, seed=1)
    _, unseen = pictures.pictures(300, 48, seed=2, unseen=True)
    for language, held_out in (("ko", HELD_OUT_KO), ("en", HELD_OUT_EN)):
        parts = [{part.strip() for part in pictures.caption(scene, language).split(",")} for scene in training]
        assert not any(set(held_out) & found for found in parts)
        assert all(set(held_out) & {part.strip() for part in pictures.caption(scene, language).split(",")}
                   for scene in unseen)
    seen = {part for scene in training for part in pictures.caption(scene).split(", ")}
    assert len(seen) == 3 * 4 * 3 - len(HELD_OUT_KO)  # every other combination is trained on


def test_each_third_of_a_picture_shows_the_colour_its_caption_names_or_only_background():
    found, scenes = pictures.pictures(200, 48, seed=3)
    for picture, scene in zip(found, scenes):
        said = {part.split()[0]: part.split()[1] for part in pictures.caption(scene).split(", ")}
        for third, place in enumerate(("왼쪽에", "가운데에", "오른쪽에")):
            pixels = picture[:, 16 * third + 4:16 * third + 12].reshape(-1, 3)
            painted = pixels[np.abs(pixels - 0.96).max(axis=1) > 0.3]  # far from the light grey
            if place not in said:
                assert len(painted) == 0
                continue
            assert len(painted) > 10
            hue = np.round(painted.mean(axis=0))  # the pure colour the painted pixels are near
            assert tuple(hue) == PURE[said[place]], (pictures.caption(scene), third, painted.mean(axis=0))


@pytest.mark.parametrize("shape, filled", [("circle", np.pi / 4), ("square", 1.0), ("triangle", 0.5)])
def test_each_shape_fills_its_bounding_box_as_its_geometry_says(shape, filled):
    rng = np.random.default_rng(4)
    shares = []
    for _ in range(20):
        picture = pictures.draw((("middle", "blue", shape),), 64, rng)
        rows, columns = np.nonzero(np.abs(picture - 0.96).max(axis=2) > 0.3)
        box = (rows.max() - rows.min() + 1) * (columns.max() - columns.min() + 1)
        shares.append(len(rows) / box)
    assert np.mean(shares) == pytest.approx(filled, abs=0.08)


def test_the_same_seed_draws_the_same_pictures():
    first, scenes = pictures.pictures(5, 32, seed=7)
    again, scenes_again = pictures.pictures(5, 32, seed=7)
    other, _ = pictures.pictures(5, 32, seed=8)
    assert scenes == scenes_again and np.array_equal(first, again) and not np.array_equal(first, other)
    assert first.dtype == np.float32 and first.shape == (5, 32, 32, 3) and 0 <= first.min() and first.max() <= 1


def test_a_caption_names_the_shapes_from_left_to_right():
    scene = (("left", "red", "circle"), ("right", "blue", "triangle"))
    assert pictures.caption(scene, "ko") == "왼쪽에 빨간 원, 오른쪽에 파란 세모"  # the example
    assert pictures.caption(scene, "en") == "a red circle on the left, a blue triangle on the right"
