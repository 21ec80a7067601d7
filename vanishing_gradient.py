"""Why the LSTM exists: the notes' vanishing gradient, measured on their own RNN and LSTM cells.

The notes claim, without showing it, that a plain RNN loses its ability to learn when the
information and the place that uses it are far apart, because the gradient shrinks on its way
back through the steps (the vanishing gradient problem), and that the LSTM's cell state works
as a conveyor belt along which the gradient flows well even after many steps. This script
measures both claims on the notes' equations (common/notes/numpy_rnn.py, common/notes/numpy_lstm.py,
whose backward passes the tests check against finite differences), with NumPy alone:

1. Gradient flow: for a loss at the last of LENGTH steps, how large d loss / d h_t is at every
   earlier step t, for the RNN and the LSTM as initialised, and for the RNN with its recurrent
   weights scaled below, near and above 1 (vanishing, holding, exploding), with clipping.
2. Learning across distance: each cell learns to repeat the first letter of a random string,
   DISTANCE letters later; its accuracy on new strings after the same number of updates.

Writes vanishing.png in the run folder; what it shows: docs/vanishing-gradient.md.

    python vanishing_gradient.py
    python vanishing_gradient.py --forget-bias 1      # the LSTM as Keras starts it
"""
import math

from common import cli

# Seed (the book sets it first)
SEED = 0  # the same seed repeats the same run

# Cells
HIDDEN_SIZE = 16  # size of h_t (and of the LSTM's c_t)
FORGET_BIAS = 3.0  # the LSTM starts with its forget gate nearly open, sigmoid(3) = 0.95 (Keras: 1, 0.73)

# Gradient flow
LENGTH = 100  # steps T; the loss is at the last one and its gradient flows back to the first
SEQUENCES = 64  # random letter sequences the gradient norms are averaged over
CLIP_NORM = 1.0  # gradient clipping (Pascanu et al. 2013): the whole gradient rescaled to at most this norm

# Learning across distance
LETTERS = 4  # letters in the alphabet; guessing is right 1 time in LETTERS
DISTANCES = "2,5,10,15,20,25,30,40"  # steps between the first letter and the answer
REPEATS = 3  # networks per cell and distance, from seeds SEED, SEED+1, ...
STEPS = 600  # Adam updates per network, each on BATCH_SIZE new strings
BATCH_SIZE = 32
LEARNING_RATE = 0.01  # Adam's step size


def parse_distances(text):
    return [int(part) for part in text.split(",")]


def are_distances(text):
    try:
        return all(distance >= 1 for distance in parse_distances(text))
    except ValueError:
        return False


# Every constant above is a setting (--forget-bias 1 ...); an int or float not named here must be positive.
SETTINGS = cli.settings(globals(), rules={
    "SEED": cli.NON_NEGATIVE,
    "FORGET_BIAS": cli.rule(math.isfinite, "must be a number"),
    "LETTERS": cli.rule(lambda n: n >= 2, "must be at least 2"),
    "DISTANCES": cli.rule(are_distances, "must be whole numbers >= 1 separated by commas, e.g. 2,10,30"),
})

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before anything heavy loads.
import time

import numpy as np

from common import start
from common.notes.numpy_lstm import LSTM
from common.notes.numpy_rnn import RNN, Adam, cross_entropy

RECURRENT_SCALES = (0.8, 1.0, 2.0)  # the RNN's W_hh made orthogonal times this: every singular value equals it
LEARNED = 0.9  # the accuracy that counts as having learned the task
TEST_STRINGS = 1000


def random_strings(rng, length, count, letters):
    """count random strings of `length` letters, one-hot as the notes write them: (length, count, letters)."""
    string = rng.integers(0, letters, (length, count))
    return np.eye(letters)[string], string


def new_cell(cell, config, rng):
    """The notes' RNN or LSTM, reading and answering letters."""
    if cell == "rnn":
        return RNN(config.letters, config.hidden_size, config.letters, rng)
    network = LSTM(config.letters, config.hidden_size, config.letters, rng)
    network.params["b_h"][config.hidden_size:2 * config.hidden_size] = config.forget_bias  # rows of f (i, f, o, g)
    return network


def last_step_gradients(network, xs, answers):
    """Backpropagation through time of the loss at the last step only: the parameters' gradients,
    and d loss / d h_t (the LSTM adds d loss / d c_t) for every step t, each (T, sequences, hidden)."""
    states, scores = network.forward(xs)
    d_scores = np.zeros_like(scores)
    _, d_scores[-1] = cross_entropy(scores[-1], answers)
    grads, *state_gradients = network.backward(xs, states, d_scores)
    return grads, state_gradients


def by_distance(state_gradient):
    """The mean norm over the sequences of d loss / d state at each step, indexed by the
    distance T - t from the loss: [0] is the last step."""
    return np.linalg.norm(state_gradient, axis=-1).mean(axis=1)[::-1]


def orthogonal(size, rng):
    q, r = np.linalg.qr(rng.normal(size=(size, size)))
    return q * np.sign(np.diag(r))


def gradient_flow(config):
    """The gradient's mean norm at each distance from the loss: for the RNN and LSTM as
    initialised, and for the RNN with W_hh scaled. Norms, not ratios, so that clipping (which
    rescales the whole gradient) shows."""
    rng = np.random.default_rng(config.seed)
    xs, string = random_strings(rng, config.length, config.sequences, config.letters)
    answers = string[0]  # any answers do: the gradient's path back is what is measured
    rnn = new_cell("rnn", config, np.random.default_rng(config.seed))
    lstm_dhs, lstm_dcs = last_step_gradients(new_cell("lstm", config, np.random.default_rng(config.seed)), xs, answers)[1]
    cells = {"RNN, d loss / d h_t": by_distance(last_step_gradients(rnn, xs, answers)[1][0]),
             "LSTM, d loss / d c_t (the conveyor belt)": by_distance(lstm_dcs),
             "LSTM, d loss / d h_t": by_distance(lstm_dhs)}
    scales = {}
    for scale in RECURRENT_SCALES:
        rnn.params["W_hh"] = scale * orthogonal(config.hidden_size, rng)
        grads, (dhs,) = last_step_gradients(rnn, xs, answers)
        scales[f"singular values of W_hh = {scale:g}"] = by_distance(dhs)
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))  # the largest scale's whole gradient
    scales[f"= {RECURRENT_SCALES[-1]:g}, clipped to norm {config.clip_norm:g} (Pascanu)"] = (
        by_distance(dhs) * min(1.0, config.clip_norm / norm))
    return cells, scales


def train_to_remember(cell, distance, seed, config):
    """A new network learns to answer, after `distance` more letters, the first letter of the
    string; returns its accuracy on new strings."""
    rng = np.random.default_rng(seed)
    network = new_cell(cell, config, rng)
    optimizer = Adam(network.params, config.learning_rate)
    for _ in range(config.steps):
        xs, string = random_strings(rng, distance + 1, config.batch_size, config.letters)
        optimizer.step(last_step_gradients(network, xs, string[0])[0])
    xs, string = random_strings(np.random.default_rng((seed, 1)), distance + 1, TEST_STRINGS, config.letters)
    return float((network.forward(xs)[1][-1].argmax(axis=-1) == string[0]).mean())


def learning_across_distance(config, run, accuracies):
    """Fills accuracies (cell -> distance -> list) with REPEATS networks per cell at each distance;
    stops after the network in hand on Ctrl-C, at once on a second one, keeping exactly the
    distances done for both cells."""
    try:
        learn_distances(config, run, accuracies)
    finally:
        done = run.history.get("distance", [])
        for cell_accuracies in accuracies.values():
            for distance in [d for d in cell_accuracies if d not in done]:
                cell_accuracies.pop(distance)


def learn_distances(config, run, accuracies):
    for distance in parse_distances(config.distances):
        started = time.perf_counter()
        for cell in accuracies:
            accuracies[cell][distance] = [train_to_remember(cell, distance, config.seed + repeat, config)
                                          for repeat in range(config.repeats) if run.completed]
        if not run.completed:
            break
        means = {cell: float(np.mean(accuracies[cell][distance])) for cell in accuracies}
        run.outcome.record({"distance": distance, "rnn_accuracy": means["rnn"], "lstm_accuracy": means["lstm"]},
                                 time.perf_counter() - started)
        print(f"distance {distance:3d}: accuracy RNN {means['rnn']:.2f}, LSTM {means['lstm']:.2f} "
              f"(mean of {config.repeats}; guessing {1 / config.letters:.2f})")


def longest_learned(accuracies):
    """The longest distance up to which every network learned the task, or 0."""
    longest = 0
    for distance, values in sorted(accuracies.items()):
        if min(values) < LEARNED:
            break
        longest = distance
    return longest


def summary(cells, accuracies, config):
    if not cells:
        return "Stopped before the gradient flow was measured."
    at = min(50, config.length - 1)
    rnn, belt = cells["RNN, d loss / d h_t"], cells["LSTM, d loss / d c_t (the conveyor belt)"]
    lines = [f"Gradient at distance {at}, relative to distance 1: RNN {rnn[at] / rnn[1]:.1e}; "
             f"LSTM through c_t {belt[at] / belt[1]:.1e}."]
    if accuracies["rnn"]:
        lines.append(f"Learned (every network >= {LEARNED:.0%} right) up to distance: "
                     f"RNN {longest_learned(accuracies['rnn'])}, LSTM {longest_learned(accuracies['lstm'])}.")
    return "\n".join(lines)


def main(argv=None):
    return start.main(SETTINGS, train, argv, unit="distance")


def train(config, args, run):
    """Both measurements, the figure, and the run folder. Returns the exit code."""
    if args.dry_run:  # the whole script, smaller, in a second or two
        config.length, config.distances, config.steps, config.repeats = 20, "2,5", 30, 1
    cells, scales, accuracies = {}, {}, {"rnn": {}, "lstm": {}}  # what is done, whenever a Ctrl-C comes
    with run.training():  # Ctrl-C stops after the network in hand; the distances done are kept
        cells, scales = gradient_flow(config)
        print(f"Gradient flow over {config.length} steps, {config.sequences} random sequences: measured.")
        learning_across_distance(config, run, accuracies)
    said = summary(cells, accuracies, config)
    print(said)

    from common import plots

    figure = plots.vanishing_figure(cells, scales, accuracies, 1 / config.letters,
                                    f"{run.script}: the notes' cells, {config.hidden_size} hidden units, "
                                    f"LSTM forget bias {config.forget_bias:g}", show=args.show)
    extra = {"gradient_by_distance": {name: [float(f"{v:.4g}") for v in curve]
                                      for name, curve in {**cells, **{"RNN, " + k: v for k, v in scales.items()}}.items()},
             "accuracy_by_distance": accuracies, "summary": said}
    return run.finish(None, figure, extra=extra, figure_file="vanishing.png")


if __name__ == "__main__":
    cli.main_guard(main)
