"""benchmark.py --mode whole: what a user waits for, process start to exit, of each script's
default job, against a plain PyTorch program that does the same job.

The job: load the dataset from the Keras cache, pad to 100 ids, train the default epochs with a
pass over the test set after each, evaluate, save the model (ours also prints its example
predictions and draws its figure). The data are synthetic, written in Keras's own file format
with the real datasets' sizes and lengths, unless --keras-home names a filled Keras cache.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PATHS = ("ours", "ours-whole", "ours-bf16", "pytorch")  # ours-whole: --batch-halves false; ours-bf16: --precision mixed_bfloat16
SCRIPTS = {"reuters": "reuters_lstm.py", "imdb": "imdb_cnn_lstm.py"}
EPOCHS = {"reuters": 20, "imdb": 5}  # the scripts' defaults
NUM_WORDS = {"reuters": 1000, "imdb": 5000}
# wires or reviews, index size, mean length (the real datasets': Reuters 11,228 wires of about
# 145 words, IMDB 25,000 + 25,000 reviews of about 239)
REAL_SHAPES = {"reuters": (11228, 30979, 145), "imdb": (50000, 88584, 239)}


def flags(path, model_name):
    """The scripts' flags for a path: --precision, and --batch-halves for the script that has it
    (common/training.py), each given outright so that a changed default cannot blur a comparison."""
    chosen = ["--precision", "mixed_bfloat16" if path == "ours-bf16" else "float32"]
    if model_name in ("imdb", "attention"):
        chosen += ["--batch-halves", "false" if path == "ours-whole" else "true"]
    return chosen


def ragged(rng, count, vocabulary, mean_length):
    """Word ranks drawn as text has them, few words often and many rarely (Zipf)."""
    rows = np.empty(count, dtype=object)
    rows[:] = [np.minimum(rng.zipf(1.3, max(5, int(length))), vocabulary).tolist()
               for length in rng.exponential(mean_length, count)]
    return rows


def write_keras_cache(home, model_name):
    """The dataset and its word index in Keras's cache layout under `home`, at the real sizes."""
    folder = Path(home) / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    count, vocabulary, mean_length = REAL_SHAPES[model_name]
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 46 if model_name == "reuters" else 2, count)
    rows = ragged(rng, count, vocabulary, mean_length)
    if model_name == "reuters":
        np.savez(folder / "reuters.npz", x=rows, y=labels)
    else:
        half = count // 2
        np.savez(folder / "imdb.npz", x_train=rows[:half], y_train=labels[:half], x_test=rows[half:],
                 y_test=labels[half:])
    index = {f"word{i}": i for i in range(1, vocabulary + 1)}
    (folder / f"{model_name}_word_index.json").write_text(json.dumps(index))


def keras_layout(home, model_name):
    """(x_train, y_train), (x_test, y_test) as keras.datasets.<name>.load_data gives them
    (seed 113 shuffle, start mark 1, ids + 3, rarer words 2), read with NumPy alone."""
    num_words = NUM_WORDS[model_name]
    with np.load(Path(home) / "datasets" / f"{model_name}.npz", allow_pickle=True) as data:
        if model_name == "reuters":
            xs, labels = data["x"], data["y"]
        else:
            xs = np.concatenate([data["x_train"], data["x_test"]])
            labels = np.concatenate([data["y_train"], data["y_test"]])
    if model_name == "reuters":
        order = np.random.default_rng(113)  # Keras shuffles with its own generator; any fixed order does here
        permutation = order.permutation(len(xs))
        xs, labels = xs[permutation], labels[permutation]
        split = int(len(xs) * 0.8)
    else:
        split = len(xs) // 2
    encoded = [[1] + [w + 3 if w + 3 < num_words else 2 for w in row] for row in xs]
    return (encoded[:split], labels[:split]), (encoded[split:], labels[split:])


def pad(rows, length=100):
    """Keras's pad_sequences defaults: zeros in front, the last `length` ids kept."""
    out = np.zeros((len(rows), length), dtype=np.int64)
    for i, row in enumerate(rows):
        tail = row[-length:]
        out[i, length - len(tail):] = tail
    return out


def pytorch_job(model_name, home, out):
    """The whole job in plain PyTorch; run as a child process from its start."""
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import peers

    (x_train, y_train), (x_test, y_test) = keras_layout(home, model_name)
    x_train, x_test = torch.from_numpy(pad(x_train)), torch.from_numpy(pad(x_test))
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
    if model_name == "imdb":
        y_train, y_test = y_train.float(), y_test.float()
    model, loss, optimizer = peers.build(model_name)
    generator = torch.Generator().manual_seed(0)
    for _ in range(EPOCHS[model_name]):
        order = torch.randperm(len(x_train), generator=generator)  # shuffled, as Keras's fit does
        peers.train_epoch(model, loss, optimizer, x_train[order], y_train[order], 100, [], time.perf_counter)
        peers.evaluate(model, x_test, peers.TEST_BATCH_SIZE)  # the test-set pass after every epoch
    peers.evaluate(model, x_test, peers.TEST_BATCH_SIZE)
    torch.save(model.state_dict(), Path(out) / "model.pt")


def timed(command, environment):
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    seconds = time.perf_counter() - started
    if result.returncode:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return {"whole_seconds": seconds}


def measure(path, model_name, keras_home=None):
    """One whole job, `ours` or `pytorch`, timed from process start to exit."""
    with tempfile.TemporaryDirectory(prefix="bench_whole_") as scratch:
        home = keras_home or Path(scratch) / "keras_home"
        if not keras_home:
            write_keras_cache(home, model_name)
        out = Path(scratch) / "run"
        environment = {**os.environ, "KERAS_HOME": str(home), "USE_CACHED_DATA_AS_IS": "1"}
        if path.startswith("ours"):
            command = [sys.executable, str(REPO / SCRIPTS[model_name]), "--out", str(out), *flags(path, model_name)]
        else:
            out.mkdir()
            command = [sys.executable, str(Path(__file__).resolve().parent / "benchmark.py"), "--whole-child",
                       model_name, str(home), str(out)]
        return timed(command, environment)
