"""Seconds per 1,000 steps of the character language model (char_rnn_text.py),
side by side with min-char-rnn's algorithm at the same sizes.

    python bench/char_lm_speed.py --text-file notes.txt            # hidden 100, 25 characters a chunk

"min-char-rnn" here is a loop written for this benchmark from the algorithm Karpathy's
min-char-rnn.py describes (not its code): one chunk of SEQ_LENGTH characters per step, column
vectors, a Python loop over the characters forward and back, gradients clipped to +-5, Adagrad.
Ours is common/notes/char_lm.py: the notes' cells (NumPy) or Keras's, with 1 stream (the same work
per step as min-char-rnn) and with several streams side by side. The paths take turns for
--rounds rounds; each figure is the median. A step of S streams reads S times the characters,
so the last column compares the work done: seconds per million characters.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common.notes import char_lm  # noqa: E402 (after the path is set)


class MinCharRnnLoop:
    """min-char-rnn's algorithm: one sequence, per-character loops, Adagrad."""

    def __init__(self, vocabulary_size, hidden_size, learning_rate=0.1, seed=0):
        rng = np.random.default_rng(seed)
        self.W_xh = rng.normal(0, 0.01, (hidden_size, vocabulary_size))
        self.W_hh = rng.normal(0, 0.01, (hidden_size, hidden_size))
        self.W_hy = rng.normal(0, 0.01, (vocabulary_size, hidden_size))
        self.b_h, self.b_y = np.zeros((hidden_size, 1)), np.zeros((vocabulary_size, 1))
        self.memory = [np.zeros_like(p) for p in self.parameters()]
        self.h = np.zeros((hidden_size, 1))
        self.vocabulary_size, self.learning_rate = vocabulary_size, learning_rate

    def parameters(self):
        return [self.W_xh, self.W_hh, self.W_hy, self.b_h, self.b_y]

    def step(self, inputs, targets, reset):
        if reset:
            self.h = np.zeros_like(self.h)
        xs, hs, ps, loss = {}, {-1: self.h}, {}, 0.0
        for t, (i, target) in enumerate(zip(inputs, targets)):
            xs[t] = np.zeros((self.vocabulary_size, 1))
            xs[t][i] = 1
            hs[t] = np.tanh(self.W_xh @ xs[t] + self.W_hh @ hs[t - 1] + self.b_h)
            y = self.W_hy @ hs[t] + self.b_y
            ps[t] = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
            loss -= np.log(ps[t][target, 0])
        grads = [np.zeros_like(p) for p in self.parameters()]
        d_W_xh, d_W_hh, d_W_hy, d_b_h, d_b_y = grads
        dh_next = np.zeros_like(self.h)
        for t in reversed(range(len(inputs))):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            d_W_hy += dy @ hs[t].T
            d_b_y += dy
            d_raw = (1 - hs[t] ** 2) * (self.W_hy.T @ dy + dh_next)
            d_b_h += d_raw
            d_W_xh += d_raw @ xs[t].T
            d_W_hh += d_raw @ hs[t - 1].T
            dh_next = self.W_hh.T @ d_raw
        for parameter, grad, memory in zip(self.parameters(), grads, self.memory):
            np.clip(grad, -5, 5, out=grad)
            memory += grad * grad
            parameter -= self.learning_rate * grad / np.sqrt(memory + 1e-8)
        self.h = hs[len(inputs) - 1]
        return loss / len(inputs)


def ours(impl, alphabet, hidden_size, streams):
    """The learner char_rnn_text.py trains, with its settings but these."""
    import char_rnn_text
    from common import cli

    if impl == "keras":
        from common import keras_setup

        keras_setup.seed_everything(0)  # as the script does: Keras loaded quietly, TensorFlow's one thread per op
    config, _ = cli.parse(char_rnn_text.SETTINGS, ["--impl", impl, "--hidden-size", str(hidden_size),
                                                   "--batch-size", str(streams)])
    return char_rnn_text.learner_for(config, alphabet)


def seconds_per_step(learner, streams, steps):
    chunks = [streams.next_chunk() for _ in range(steps)]
    if isinstance(learner, MinCharRnnLoop):  # one sequence: ids (steps,), not (steps, streams)
        chunks = [(inputs[:, 0], targets[:, 0], reset) for inputs, targets, reset in chunks]
    for chunk in chunks[:5]:  # warm-up: Keras compiles its step here
        learner.step(*chunk)
    started = time.perf_counter()
    for chunk in chunks:
        learner.step(*chunk)
    return (time.perf_counter() - started) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text-file", required=True, help="any UTF-8 text (measured with the notes' own text)")
    parser.add_argument("--hidden-size", type=int, default=100)
    parser.add_argument("--seq-length", type=int, default=25)
    parser.add_argument("--streams", type=int, default=8, help="streams side by side for the batched paths")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per path and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paths", nargs="+", default=["min-char-rnn", "numpy-1", "numpy-S", "keras-1", "keras-S"])
    args = parser.parse_args()
    text = char_lm.read_text(args.text_file)
    alphabet = "".join(dict.fromkeys(text))
    ids = np.array([alphabet.index(c) for c in text])
    count = {"min-char-rnn": 1, "numpy-1": 1, "numpy-S": args.streams, "keras-1": 1, "keras-S": args.streams}
    learners = {path: MinCharRnnLoop(len(alphabet), args.hidden_size) if path == "min-char-rnn"
                else ours(path.split("-")[0], alphabet, args.hidden_size, count[path]) for path in args.paths}
    times = {path: [] for path in args.paths}
    for _ in range(args.rounds):
        for path in args.paths:
            streams = char_lm.Streams(ids, count[path], args.seq_length)
            times[path].append(seconds_per_step(learners[path], streams, args.steps))
    print(f"{len(text)} characters, {len(alphabet)} different; hidden {args.hidden_size}, {args.seq_length} "
          f"characters a chunk; median of {args.rounds} rounds of {args.steps} steps")
    print(f"{'path':14s}{'streams':>8s}{'s/1k steps':>12s}{'s/M chars':>11s}{'/min-char-rnn':>15s}")
    reference = statistics.median(times["min-char-rnn"]) if "min-char-rnn" in times else None
    for path in args.paths:
        step = statistics.median(times[path])
        per_million = step / (count[path] * args.seq_length) * 1e6
        ratio = f"{per_million / (reference / args.seq_length * 1e6):.3f}" if reference else "-"
        print(f"{path:14s}{count[path]:8d}{1000 * step:12.2f}{per_million:11.1f}{ratio:>15s}")


if __name__ == "__main__":
    main()
