"""The notes' plain RNN, forward and backward through time, in NumPy alone.

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)     the same weights at every step
    y_t = W_hy h_t + b_y                          scores; softmax turns them into probabilities
    loss = mean over t of -log softmax(y_t)[target_t]

Vectors are columns, as in the notes: W_xh has shape (hidden, input). The code writes
W x as x @ W.T, which is the same product for one sequence (xs: T, input) and lets a batch of
sequences side by side (xs: T, batch, input) go through the same lines.
"""
import time

import numpy as np

from common.signals import signals_held


def softmax(scores):
    exp = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def cross_entropy(scores, targets):
    """Mean softmax cross-entropy over the time steps (and sequences), and its gradient with
    respect to the scores. targets holds class indices, shaped like scores without its last axis."""
    targets = np.asarray(targets)[..., None]
    probabilities = softmax(scores)
    loss = -np.log(np.take_along_axis(probabilities, targets, axis=-1)).mean()
    d_scores = probabilities
    np.put_along_axis(d_scores, targets, np.take_along_axis(d_scores, targets, axis=-1) - 1, axis=-1)
    return loss, d_scores / targets.size


def summed_outer(a, b):
    """The sum over steps (and sequences) of the outer products a_t b_t^T: a weight's gradient."""
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])


def summed(a):
    """The sum over steps (and sequences) of the vectors a_t: a bias's gradient."""
    return a.reshape(-1, a.shape[-1]).sum(axis=0)


def output_gradients(params, hs, d_scores):
    """Zeroed gradients for every parameter, with the output layer's (W_hy, b_y) filled in."""
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    grads["W_hy"], grads["b_y"] = summed_outer(d_scores, hs), summed(d_scores)
    return grads


def init_weights(shapes, rng, dtype):
    """Uniform in +-1/sqrt(fan_in) per matrix, zero biases."""
    return {name: (rng.uniform(-1, 1, shape) / np.sqrt(shape[-1]) if len(shape) == 2 else np.zeros(shape)).astype(dtype)
            for name, shape in shapes.items()}


class Network:
    """What the notes' RNN and LSTM share around their equations: the loss and its gradients,
    Keras's predict and save."""

    def loss_and_gradients(self, xs, targets, state=()):
        """Backpropagation through time: the loss and d loss / d parameter for every parameter,
        starting from `state` (default zeros; the RNN's state is (h,), the LSTM's (h, c))."""
        return self.loss_gradients_and_state(xs, targets, state)[:2]

    def loss_gradients_and_state(self, xs, targets, state=()):
        """loss_and_gradients, and the state after the last step: truncated backpropagation
        through time carries it into the next chunk of a long text, without its gradient."""
        states, scores = self.forward(xs, *state)
        loss, d_scores = cross_entropy(scores, targets)
        return loss, self.backward(xs, states, d_scores, *state)[0], self.last_state(states)

    def probabilities(self, xs):
        """Per step, the softmax of the output scores for one sequence xs (T, input)."""
        return softmax(self.forward(xs)[1])

    def predict_on_batch(self, batch):
        """Probabilities for a batch of sequences (N, T, input), as keras.Model.predict_on_batch gives them."""
        return np.array([self.probabilities(xs) for xs in batch])

    def save(self, path):
        np.savez(path, **self.params)


class RNN(Network):
    def __init__(self, input_size, hidden_size, output_size, rng=None, dtype=np.float64):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.hidden_size = hidden_size
        self.params = init_weights({
            "W_xh": (hidden_size, input_size), "W_hh": (hidden_size, hidden_size), "b_h": (hidden_size,),
            "W_hy": (output_size, hidden_size), "b_y": (output_size,),
        }, rng, dtype)

    def forward(self, xs, h0=None):
        """Hidden states (T, hidden) and output scores (T, output) for inputs xs (T, input),
        from the state h0 (default 0); with a batch axis after T when xs has one."""
        p = self.params
        h = np.zeros(xs.shape[1:-1] + (self.hidden_size,), p["W_hh"].dtype) if h0 is None else h0
        hs = []
        for x in xs:
            h = np.tanh(x @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"])
            hs.append(h)
        hs = np.array(hs)
        return hs, hs @ p["W_hy"].T + p["b_y"]

    def backward(self, xs, hs, d_scores, h0=None):
        """Backpropagation through time from d loss / d scores (T, output): d loss / d parameter
        for every parameter, and d loss / d h_t for every step t (T, hidden)."""
        p = self.params
        grads = output_gradients(p, hs, d_scores)
        h_previous = np.concatenate([np.zeros_like(hs[:1]) if h0 is None else h0[None], hs[:-1]])
        dh_next, dhs = np.zeros_like(hs[0]), np.zeros_like(hs)
        for t in reversed(range(len(xs))):
            dh = dhs[t] = d_scores[t] @ p["W_hy"] + dh_next  # from this step's output and from step t+1
            d_raw = (1 - hs[t] ** 2) * dh  # through tanh
            grads["b_h"] += summed(d_raw)
            grads["W_xh"] += summed_outer(d_raw, xs[t])
            grads["W_hh"] += summed_outer(d_raw, h_previous[t])
            dh_next = d_raw @ p["W_hh"]  # W_hh^T d_raw: the gradient that flows into h_{t-1}
        return grads, dhs

    def last_state(self, hs):
        return (hs[-1],)

    def keras_weights(self):
        """[SimpleRNN weights], [Dense weights]: Keras stores x @ kernel, so its matrices are ours transposed."""
        p = self.params
        return [p["W_xh"].T, p["W_hh"].T, p["b_h"]], [p["W_hy"].T, p["b_y"]]


def clip(grads, limit):
    """Each gradient's elements cut to [-limit, limit] in place (min-char-rnn's +-5), so that one
    exploding step cannot throw the weights far."""
    for grad in grads.values():
        np.clip(grad, -limit, limit, out=grad)
    return grads


class Adam:
    """The Adam update (Kingma & Ba), with Keras's default constants."""

    def __init__(self, params, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.params, self.learning_rate, self.betas, self.epsilon = params, learning_rate, (beta_1, beta_2), epsilon
        self.moments = {name: (np.zeros_like(v), np.zeros_like(v)) for name, v in params.items()}
        self.steps = 0

    def step(self, grads):
        self.steps += 1
        beta_1, beta_2 = self.betas
        rate = self.learning_rate * np.sqrt(1 - beta_2 ** self.steps) / (1 - beta_1 ** self.steps)
        for name, grad in grads.items():
            m, v = self.moments[name]
            m += (1 - beta_1) * (grad - m)
            v += (1 - beta_2) * (grad * grad - v)
            self.params[name] -= rate * m / (np.sqrt(v) + self.epsilon)


def fit(network, xs, targets, learning_rate, epochs, outcome, on_epoch_end=None):
    """Adam on one sequence, one step per epoch, recording each epoch in `outcome`
    (common/runs/outcome.py); stops at a NaN loss or once the outcome is interrupted, as Keras's fit would."""
    optimizer = Adam(network.params, learning_rate)
    for epoch in range(epochs):
        started = time.perf_counter()
        loss, grads = network.loss_and_gradients(xs, targets)
        if not outcome.loss_is_finite(loss):
            break
        with signals_held():  # a second Ctrl-C never leaves the weights half-updated
            optimizer.step(grads)
        accuracy = float((network.probabilities(xs).argmax(axis=1) == targets).mean())
        outcome.record({"loss": float(loss), "accuracy": accuracy}, time.perf_counter() - started)
        if on_epoch_end:
            on_epoch_end(epoch, loss)
