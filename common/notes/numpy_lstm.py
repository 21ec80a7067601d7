"""The notes' LSTM, forward and backward through time, in NumPy alone.

The four gates come from one matrix product, split by rows into four blocks in the
notes' order i, f, o, g:

    H_t = W_xh x_t + W_hh h_{t-1} + b_h              (4*hidden rows: i, f, o, g)
    i, f, o = sigmoid(H_t blocks 1-3);  g = tanh(H_t block 4)
    c_t = f * c_{t-1} + i * g                        (* is the Hadamard product)
    h_t = o * tanh(c_t)
    y_t = W_hy h_t + b_y

Backward, the four gate gradients di, df, do, dg are merged into dH_t, which then
flows to W_xh, W_hh, b_h and back into h_{t-1}.
"""
import numpy as np

from common.notes.numpy_rnn import Network, init_weights, output_gradients, summed, summed_outer

NOTES_ORDER = "ifog"
KERAS_ORDER = "ifgo"  # Keras stacks the same blocks as i, f, c (our g), o


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reordered(matrix, order_from, order_to):
    """The matrix's four row blocks, stacked in one gate order, restacked in another ("ifog" -> "ifgo")."""
    blocks = np.split(matrix, 4)
    return np.concatenate([blocks[order_from.index(gate)] for gate in order_to])


class LSTM(Network):
    def __init__(self, input_size, hidden_size, output_size, rng=None, dtype=np.float64):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.hidden_size = hidden_size
        self.params = init_weights({
            "W_xh": (4 * hidden_size, input_size), "W_hh": (4 * hidden_size, hidden_size),
            "b_h": (4 * hidden_size,), "W_hy": (output_size, hidden_size), "b_y": (output_size,),
        }, rng, dtype)

    def forward(self, xs, h0=None, c0=None):
        """Per step: gates (i, f, o, g), cell c_t and hidden h_t; and the output scores. The state
        starts at h0, c0 (default 0)."""
        p = self.params
        zeros = np.zeros(xs.shape[1:-1] + (self.hidden_size,), p["W_hh"].dtype)
        h, c = zeros if h0 is None else h0, zeros if c0 is None else c0
        steps = []
        for x in xs:
            H = x @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"]
            i, f, o, g = np.split(H, 4, axis=-1)
            i, f, o, g = sigmoid(i), sigmoid(f), sigmoid(o), np.tanh(g)
            c = f * c + i * g
            h = o * np.tanh(c)
            steps.append((i, f, o, g, c, h))
        hs = np.array([step[-1] for step in steps])
        return steps, hs @ p["W_hy"].T + p["b_y"]

    def backward(self, xs, steps, d_scores, h0=None, c0=None):
        """Backpropagation through time from d loss / d scores (T, output): d loss / d parameter
        for every parameter, and d loss / d h_t and d loss / d c_t for every step t (T, hidden each)."""
        p = self.params
        hs = np.array([step[-1] for step in steps])
        grads = output_gradients(p, hs, d_scores)
        zeros = np.zeros_like(hs[0])
        dh_next, dc_next, dhs, dcs = zeros, zeros, np.zeros_like(hs), np.zeros_like(hs)
        for t in reversed(range(len(xs))):
            i, f, o, g, c, h = steps[t]
            c_previous, h_previous = (steps[t - 1][4], steps[t - 1][5]) if t else (
                zeros if c0 is None else c0, zeros if h0 is None else h0)
            dh = dhs[t] = d_scores[t] @ p["W_hy"] + dh_next
            tanh_c = np.tanh(c)
            do = dh * tanh_c
            dc = dcs[t] = dh * o * (1 - tanh_c ** 2) + dc_next
            di, df, dg = dc * g, dc * c_previous, dc * i
            # Each gate's local gradient (sigmoid for i, f, o; tanh for g), merged into dH_t.
            dH = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)], axis=-1)
            grads["W_xh"] += summed_outer(dH, xs[t])
            grads["W_hh"] += summed_outer(dH, h_previous)
            grads["b_h"] += summed(dH)
            dh_next, dc_next = dH @ p["W_hh"], dc * f
        return grads, dhs, dcs

    def last_state(self, steps):
        i, f, o, g, c, h = steps[-1]
        return h, c

    def keras_weights(self):
        """[LSTM weights], [Dense weights] for Keras: blocks reordered i,f,o,g -> i,f,c,o, matrices transposed."""
        p = self.params
        keras_order = [reordered(p[name], NOTES_ORDER, KERAS_ORDER) for name in ("W_xh", "W_hh", "b_h")]
        return [keras_order[0].T, keras_order[1].T, keras_order[2]], [p["W_hy"].T, p["b_y"]]

    @classmethod
    def from_keras(cls, kernel, recurrent_kernel, bias):
        """The notes' LSTM with a trained keras.layers.LSTM's weights (keras_weights, backwards):
        matrices transposed, blocks reordered i,f,c,o -> i,f,o,g. No output layer (W_hy is 0)."""
        units = recurrent_kernel.shape[0]
        lstm = cls(kernel.shape[0], units, 1)

        def notes_order(matrix):
            return reordered(np.asarray(matrix, np.float64), KERAS_ORDER, NOTES_ORDER)

        lstm.params.update(W_xh=notes_order(np.asarray(kernel).T), W_hh=notes_order(np.asarray(recurrent_kernel).T),
                           b_h=notes_order(bias), W_hy=np.zeros((1, units)), b_y=np.zeros(1))
        return lstm
