"""Seconds for --explain on one 200-word review, after Keras has loaded: the IMDB model at the
book's settings (its weights do not change the work), the review's occlusion variants in one
batched predict, as `imdb_cnn_lstm.py --predict TEXT --explain` runs them.

    python bench/explain_speed.py            # the first call, then the median of 7
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import cli, keras_setup  # noqa: E402 (after the path is set)
from common.predict import explain  # noqa: E402
from common.text import Vocabulary  # noqa: E402

import imdb_cnn_lstm  # noqa: E402

WORDS = 200


def main():
    keras_setup.seed_everything(0)
    config = cli.parse(imdb_cnn_lstm.SETTINGS, [])[0]
    model = imdb_cnn_lstm.build_model(config)
    vocabulary = Vocabulary({f"word{rank}": rank for rank in range(1, 5000)}, config.num_words)
    review = " ".join(f"word{(7 * k) % 4000 + 1}" for k in range(WORDS))
    began = time.perf_counter()
    explain.explain(model, vocabulary, [review], config.maxlen, imdb_cnn_lstm.positive)  # Keras compiles its predict
    first = time.perf_counter() - began
    seconds = []
    for _ in range(7):
        began = time.perf_counter()
        explain.explain(model, vocabulary, [review], config.maxlen, imdb_cnn_lstm.positive)
        seconds.append(time.perf_counter() - began)
    print(f"--explain, one {WORDS}-word review ({min(WORDS, config.maxlen)} words seen, "
          f"{min(WORDS, config.maxlen) + 1} texts in one predict): the first call {first:.3f} s (Keras compiles "
          f"its predict step, as in every --explain run), then median {statistics.median(seconds):.3f} s; "
          f"{keras_setup.keras.backend.backend()}")


if __name__ == "__main__":
    main()
