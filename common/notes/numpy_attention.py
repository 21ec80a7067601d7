"""The book's third-edition attention (keras-self-attention's SeqSelfAttention, as its defaults
set it), forward and backward, in NumPy alone: the independent reference the Keras layer
(common/self_attention.py) is checked against.

For a sequence h_1 ... h_T (the LSTM's hidden states, each of `features` numbers):

    g[t, t'] = tanh(W_t^T h_t + W_x^T h_t' + b_h)          (units numbers: the additive score's
    e[t, t'] = sigmoid(W_a^T g[t, t'] + b_a)               hidden layer, then one number)
    a[t, t'] = exp(e[t, t']) / sum_t' exp(e[t, t'])        (each row t sums to 1)
    v_t     = sum_t' a[t, t'] h_t'                         (same shape as h)

Row t of `a` is where position t looks. The softmax subtracts the row's maximum first, as
keras-self-attention does; it changes no value.
"""
import numpy as np

PARAMETERS = ("W_t", "W_x", "b_h", "W_a", "b_a")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def init_weights(features, units, rng, dtype=np.float64):
    """Random weights of every parameter (biases too, so that a check sees them work)."""
    shapes = {"W_t": (features, units), "W_x": (features, units), "b_h": (units,), "W_a": (units, 1), "b_a": (1,)}
    return {name: rng.normal(0, 0.5, shape).astype(dtype) for name, shape in shapes.items()}


def forward(h, p):
    """(v, cache) for h of shape (batch, T, features); cache["a"] holds the weights a[t, t']."""
    g = np.tanh((h @ p["W_t"])[:, :, None, :] + (h @ p["W_x"])[:, None, :, :] + p["b_h"])  # (batch, T, T', units)
    e = sigmoid((g @ p["W_a"])[..., 0] + p["b_a"])  # (batch, T, T')
    exp = np.exp(e - e.max(axis=-1, keepdims=True))
    a = exp / exp.sum(axis=-1, keepdims=True)
    return a @ h, {"h": h, "g": g, "e": e, "a": a}


def backward(d_v, cache, p):
    """(d loss / d h, {parameter: d loss / d parameter}) from d loss / d v."""
    h, g, e, a = cache["h"], cache["g"], cache["e"], cache["a"]
    d_a = d_v @ h.transpose(0, 2, 1)  # v = a h
    d_h = a.transpose(0, 2, 1) @ d_v
    d_e = a * (d_a - (d_a * a).sum(axis=-1, keepdims=True))  # through the softmax of each row
    d_score = d_e * e * (1 - e)  # through the sigmoid
    grads = {"W_a": np.einsum("bst,bstu->u", d_score, g)[:, None], "b_a": np.array([d_score.sum()])}
    d_pre = d_score[..., None] * p["W_a"][:, 0] * (1 - g ** 2)  # through the tanh
    d_query, d_key = d_pre.sum(axis=2), d_pre.sum(axis=1)  # h_t's part and h_t''s part
    grads["b_h"] = d_pre.sum(axis=(0, 1, 2))
    grads["W_t"] = np.einsum("btf,btu->fu", h, d_query)
    grads["W_x"] = np.einsum("btf,btu->fu", h, d_key)
    d_h += d_query @ p["W_t"].T + d_key @ p["W_x"].T
    return d_h, grads
