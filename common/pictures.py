"""The small world of the notes' second shape, one picture in and a sentence out: pictures of
coloured shapes that the program draws itself, each with its caption, in Korean or English.

A picture is SIZE x SIZE RGB, values in [0, 1]: a light, slightly noisy background and one to
three shapes, each in its own third of the width (left, middle, right) at a random height and
size, its colour a little off the pure one. Its caption names them from left to right:

    왼쪽에 빨간 원, 오른쪽에 파란 세모
    a red circle on the left, a blue triangle on the right

UNSEEN names four (place, colour, shape) combinations that no training picture holds, so that a
test set of pictures each holding one of them measures composition (a red triangle is known,
and the left place, but never a red triangle on the left), not memory. Everything is drawn from
a seeded generator: the same seed, the same pictures. NumPy only: nothing here loads Keras.
"""
import numpy as np

PLACES = ("left", "middle", "right")
COLOURS = {"red": (0.90, 0.12, 0.12), "blue": (0.12, 0.30, 0.95), "green": (0.10, 0.70, 0.20),
           "yellow": (0.95, 0.82, 0.10)}
SHAPES = ("circle", "square", "triangle")
UNSEEN = (("left", "red", "triangle"), ("middle", "blue", "circle"), ("right", "yellow", "square"),
          ("middle", "green", "triangle"))
BACKGROUND = 0.96
LANGUAGES = ("ko", "en")
KOREAN = {"left": "왼쪽에", "middle": "가운데에", "right": "오른쪽에", "red": "빨간", "blue": "파란", "green": "초록",
          "yellow": "노란", "circle": "원", "square": "네모", "triangle": "세모"}
ENGLISH_PLACE = {"left": "on the left", "middle": "in the middle", "right": "on the right"}


def caption(scene, language="ko"):
    """The scene's objects from left to right, joined by commas."""
    if language == "ko":
        parts = (f"{KOREAN[place]} {KOREAN[colour]} {KOREAN[shape]}" for place, colour, shape in scene)
    else:
        parts = (f"a {colour} {shape} {ENGLISH_PLACE[place]}" for place, colour, shape in scene)
    return ", ".join(parts)


def random_scene(rng, unseen=False):
    """One to three (place, colour, shape), one per place, left to right; unseen=True: at least
    one of them is an UNSEEN combination, False: none is."""
    while True:
        places = sorted(rng.choice(len(PLACES), size=rng.integers(1, len(PLACES) + 1), replace=False))
        scene = tuple((PLACES[place], str(rng.choice(list(COLOURS))), str(rng.choice(SHAPES))) for place in places)
        if any(found in UNSEEN for found in scene) == unseen:
            return scene


def draw(scene, size, rng):
    """The scene as a (size, size, 3) float32 picture."""
    picture = BACKGROUND + rng.normal(0, 0.02, (size, size, 3))
    y, x = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    for place, colour, shape in scene:
        third = size / len(PLACES)
        centre_x = (PLACES.index(place) + 0.5) * third + rng.uniform(-0.04, 0.04) * size
        radius = rng.uniform(size / 12, size / 8)
        centre_y = rng.uniform(radius + 1, size - radius - 1)
        if shape == "circle":
            inside = (x - centre_x) ** 2 + (y - centre_y) ** 2 <= radius ** 2
        elif shape == "square":
            inside = (abs(x - centre_x) <= 0.85 * radius) & (abs(y - centre_y) <= 0.85 * radius)
        else:  # a triangle pointing up, its base below the centre
            top, bottom = centre_y - radius, centre_y + 0.8 * radius
            inside = (y >= top) & (y <= bottom) & (abs(x - centre_x) <= (y - top) / (bottom - top) * 1.1 * radius)
        picture[inside] = np.array(COLOURS[colour]) + rng.normal(0, 0.03, 3)
    return np.clip(picture, 0, 1).astype("float32")


def pictures(count, size, seed, unseen=False):
    """(pictures (count, size, size, 3), their scenes), drawn from `seed`."""
    rng = np.random.default_rng(seed)
    scenes = [random_scene(rng, unseen) for _ in range(count)]
    return np.stack([draw(scene, size, rng) for scene in scenes]), scenes
