"""The NumPy RNN and LSTM against references no one here wrote: calculus and Keras."""
import math

import keras
import numpy as np
import pytest

from common.notes.numpy_lstm import LSTM
from common.notes.numpy_rnn import RNN, cross_entropy

CELLS = {"rnn": (RNN, keras.layers.SimpleRNN), "lstm": (LSTM, keras.layers.LSTM)}
INPUT, HIDDEN, OUTPUT, STEPS = 4, 5, 4, 6


def sequence(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(STEPS, INPUT)).astype(dtype), rng.integers(0, OUTPUT, STEPS)


def model(cell, dtype=np.float64):
    net = CELLS[cell][0](INPUT, HIDDEN, OUTPUT, np.random.default_rng(1), dtype)
    for name in net.params:  # nonzero biases too, so that their gradients are tested
        net.params[name] += np.random.default_rng(2).normal(0, 0.3, net.params[name].shape)
    return net


def keras_twin(net, cell):
    """The same network in Keras: recurrent layer over the sequence, then a per-step Dense."""
    inputs = keras.Input(shape=(STEPS, INPUT))
    recurrent = CELLS[cell][1](HIDDEN, return_sequences=True)
    dense = keras.layers.Dense(OUTPUT)
    twin = keras.Model(inputs, dense(recurrent(inputs)))
    recurrent_weights, dense_weights = net.keras_weights()
    recurrent.set_weights(recurrent_weights)
    dense.set_weights(dense_weights)
    return twin, recurrent


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_match_centred_finite_differences(cell):
    net, (xs, targets) = model(cell), sequence()
    _, grads = net.loss_and_gradients(xs, targets)
    step = 1e-5
    for name, value in net.params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + step
            plus = net.loss_and_gradients(xs, targets)[0]
            value[index] = saved - step
            minus = net.loss_and_gradients(xs, targets)[0]
            value[index] = saved
            numeric[index] = (plus - minus) / (2 * step)
        error = np.abs(grads[name] - numeric).max() / max(np.abs(numeric).max(), 1e-12)
        assert error < 1e-6, f"{cell} {name}: relative error {error:.2e}"


@pytest.mark.parametrize("cell", CELLS)
def test_hidden_states_and_scores_equal_keras(cell):
    net, (xs, _) = model(cell), sequence(np.float32)
    twin, recurrent = keras_twin(net, cell)
    hidden = keras.Model(twin.inputs, recurrent.output)
    ours_hidden, ours_scores = net.forward(xs)
    if cell == "lstm":
        ours_hidden = np.array([step[-1] for step in ours_hidden])
    np.testing.assert_allclose(hidden.predict(xs[None], verbose=0)[0], ours_hidden, atol=1e-5)
    np.testing.assert_allclose(twin.predict(xs[None], verbose=0)[0], ours_scores, atol=1e-5)


def automatic_gradients(twin, xs, targets):
    """The loss and its gradient for each of the twin's weights, by the backend's own automatic
    differentiation: TensorFlow's GradientTape, jax.grad or torch.autograd."""
    def loss_of(scores):
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(targets, scores, from_logits=True))

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_of(twin(xs[None])[0])
        grads = tape.gradient(loss, twin.trainable_weights)
    elif backend == "jax":
        import jax

        def loss_from(values):
            scores, _ = twin.stateless_call(values, [v.value for v in twin.non_trainable_variables], xs[None])
            return loss_of(scores[0])

        loss, grads = jax.value_and_grad(loss_from)([v.value for v in twin.trainable_variables])
    else:
        assert backend == "torch", backend
        loss = loss_of(twin(xs[None])[0])
        loss.backward()
        grads = [w.value.grad for w in twin.trainable_weights]
    return float(keras.ops.convert_to_numpy(loss)), [keras.ops.convert_to_numpy(g) for g in grads]


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_equal_automatic_differentiation(cell):
    net, (xs, targets) = model(cell, np.float32), sequence(np.float32)
    twin, _ = keras_twin(net, cell)
    loss, automatic = automatic_gradients(twin, xs, targets)
    ours_loss, grads = net.loss_and_gradients(xs, targets)
    net.params = grads  # reuse the weight mapping to lay our gradients out like Keras's
    expected = [w for group in net.keras_weights() for w in group]
    assert loss == pytest.approx(ours_loss, abs=1e-5)
    for ours, theirs in zip(expected, automatic, strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_float32_stays_float32(cell):
    net, (xs, targets) = model(cell, np.float32), sequence(np.float32)
    loss, grads = net.loss_and_gradients(xs, targets)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert math.isfinite(loss)


@pytest.mark.parametrize("cell", CELLS)
def test_loss_at_initialisation_is_ln_4(cell):
    net = CELLS[cell][0](4, 8, 4, np.random.default_rng(0))
    xs = np.eye(4)[[0, 1, 2, 2]]  # h, e, l, l
    loss, _ = net.loss_and_gradients(xs, np.array([1, 2, 2, 3]))
    assert loss == pytest.approx(math.log(4), abs=0.15)


def last_step_loss(net, xs, target, **initial_state):
    _, scores = net.forward(xs, **initial_state)
    return cross_entropy(scores[-1:], np.array([target]))


@pytest.mark.parametrize("cell", CELLS)
def test_per_step_state_gradients_match_finite_differences_from_a_carried_state(cell):
    """backward's d loss / d h_t (and d c_t) for a loss at the last step only, against finite
    differences of the same loss run on from step t's state, passed in as the initial state."""
    net, (xs, targets) = model(cell), sequence()
    states, scores = net.forward(xs)
    loss, d_last = last_step_loss(net, xs, targets[-1])
    d_scores = np.zeros_like(scores)
    d_scores[-1] = d_last[0]
    _, dhs, *dcs = net.backward(xs, states, d_scores)
    step = 1e-6
    for t in range(STEPS - 1):
        h_t = states[t] if cell == "rnn" else states[t][5]

        def loss_from(h, c=None):
            initial = {"h0": h} if cell == "rnn" else {"h0": h, "c0": c}
            return last_step_loss(net, xs[t + 1:], targets[-1], **initial)[0]

        def numeric(function, point):
            return np.array([(function(point + step * e) - function(point - step * e)) / (2 * step)
                             for e in np.eye(HIDDEN)])

        c_t, o_t = (None, None) if cell == "rnn" else (states[t][4], states[t][2])
        np.testing.assert_allclose(dhs[t], numeric(lambda h: loss_from(h, c_t), h_t), atol=1e-8)
        if cell == "lstm":  # the total derivative: c_t reaches the loss through h_t = o_t tanh(c_t) too
            np.testing.assert_allclose(dcs[0][t], numeric(lambda c: loss_from(o_t * np.tanh(c), c), c_t), atol=1e-8)


@pytest.mark.parametrize("cell", CELLS)
def test_a_batch_side_by_side_equals_its_sequences_one_at_a_time(cell):
    """xs (T, batch, input): the same states and scores as each sequence alone, and gradients
    that are the mean of the single sequences' gradients (the loss is the mean over all steps)."""
    net = model(cell)
    pairs = [sequence(seed=seed) for seed in range(3)]
    batch_xs, batch_targets = np.stack([xs for xs, _ in pairs], axis=1), np.stack([t for _, t in pairs], axis=1)
    batch_loss, batch_grads = net.loss_and_gradients(batch_xs, batch_targets)
    singles = [net.loss_and_gradients(xs, targets) for xs, targets in pairs]
    assert batch_loss == pytest.approx(np.mean([loss for loss, _ in singles]), rel=1e-12)
    for name in net.params:
        np.testing.assert_allclose(batch_grads[name], np.mean([grads[name] for _, grads in singles], axis=0),
                                   rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(net.forward(batch_xs)[1][:, 1], net.forward(pairs[1][0])[1], rtol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_from_a_carried_state_match_finite_differences_and_the_state_carries_on(cell):
    """Truncated BPTT: a chunk starts from the state the previous chunk ended in. The weights'
    gradients from that state are checked as above; the state handed on equals running both
    chunks as one sequence."""
    net, (xs, targets) = model(cell), sequence()
    _, _, state = net.loss_gradients_and_state(xs[:3], targets[:3])
    _, grads = net.loss_and_gradients(xs[3:], targets[3:], state)
    step = 1e-5
    for name, value in net.params.items():
        index = tuple(s // 2 for s in value.shape)  # one element per parameter keeps this fast
        saved = value[index]
        value[index] = saved + step
        plus = net.loss_and_gradients(xs[3:], targets[3:], state)[0]
        value[index] = saved - step
        minus = net.loss_and_gradients(xs[3:], targets[3:], state)[0]
        value[index] = saved
        assert grads[name][index] == pytest.approx((plus - minus) / (2 * step), rel=1e-5, abs=1e-9), name
    _, _, whole = net.loss_gradients_and_state(xs, targets)
    _, _, carried = net.loss_gradients_and_state(xs[3:], targets[3:], state)
    for a, b in zip(whole, carried, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
