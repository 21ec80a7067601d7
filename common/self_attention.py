"""SeqSelfAttention, the book's third-edition attention layer, on Keras 3's public API.

The book imports it from keras-self-attention (`pip install keras-self-attention`), whose last
release (0.51.0, January 2022) predates Keras 3. This is the same layer as the book's cell
uses it, `SeqSelfAttention(attention_activation='sigmoid')`: the package's defaults, additive
self-attention with 32 units and both biases. For the hidden states h_1 ... h_T of the layer
below it (an LSTM with return_sequences=True):

    e[t, t'] = sigmoid(W_a^T tanh(W_t^T h_t + W_x^T h_t' + b_h) + b_a)
    a[t, t'] = exp(e[t, t']) / sum_t' exp(e[t, t'])        (softmax over t', less its row's maximum)
    v_t      = sum_t' a[t, t'] h_t'                         (a sequence of the same shape as h)

common/notes/numpy_attention.py holds the same equations in NumPy, the reference this layer
is tested against (tests/test_attention.py: values and gradient). Registered as serializable,
so that model.keras loads it back wherever this module has been imported.

The tanh runs over batch x T x T x units numbers (40 x 500 x 500 x 32 in the book's model, 1.3 GB
in float32): the heaviest step of the chapter. Computed at once, each such tensor is a fresh
allocation the system maps page by page (300,000 page faults a step, most of its time on a
CPU); computed QUERY_BLOCK rows t at a time, each block is a few MB the allocator reuses, and a
training step runs about 3.5 times faster with the same numbers (bench/benchmark.py).
"""
import keras
from keras import ops

UNITS = 32  # keras-self-attention's default
QUERY_BLOCK = 5  # rows t of e[t, t'] computed together: 40 x 5 x 500 x 32 floats, 12.8 MB at the book's sizes


@keras.saving.register_keras_serializable(package="deeplearning_rnn")
class SeqSelfAttention(keras.layers.Layer):
    """Additive self-attention over a sequence (the equations above); returns v, shaped as its input."""

    def __init__(self, units=UNITS, attention_activation="sigmoid", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.attention_activation = keras.activations.get(attention_activation)

    def build(self, input_shape):
        features = input_shape[-1]
        # keras-self-attention's initialisers: Glorot normal for the matrices, zeros for the biases
        self.W_t = self.add_weight(shape=(features, self.units), initializer="glorot_normal", name="W_t")
        self.W_x = self.add_weight(shape=(features, self.units), initializer="glorot_normal", name="W_x")
        self.b_h = self.add_weight(shape=(self.units,), initializer="zeros", name="b_h")
        self.W_a = self.add_weight(shape=(self.units, 1), initializer="glorot_normal", name="W_a")
        self.b_a = self.add_weight(shape=(1,), initializer="zeros", name="b_a")

    def attention(self, h):
        """a[t, t']: for each position t, the weights it gives every position t' (rows sum to 1)."""
        query = ops.expand_dims(ops.matmul(h, self.W_t) + self.b_h, 2)  # (batch, T, 1, units)
        key = ops.expand_dims(ops.matmul(h, self.W_x), 1)  # (batch, 1, T', units)
        length = h.shape[1] or 0  # unknown only for a model built without its input length: one block
        blocks = []
        for start in range(0, length, QUERY_BLOCK) if length > QUERY_BLOCK else [None]:
            rows = query if start is None else query[:, start:start + QUERY_BLOCK]
            g = ops.tanh(rows + key)  # (batch, rows, T', units)
            blocks.append(ops.squeeze(ops.matmul(g, self.W_a), -1))
        e = self.attention_activation(ops.concatenate(blocks, axis=1) + self.b_a)  # (batch, T, T')
        return ops.softmax(e, axis=-1)  # Keras's softmax subtracts the row's maximum too

    def call(self, h):
        return ops.matmul(self.attention(h), h)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "attention_activation": keras.activations.serialize(self.attention_activation)}
