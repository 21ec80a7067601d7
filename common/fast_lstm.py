"""keras.layers.LSTM, faster on a CPU: a drop-in with the same weights and the same results.

Keras's CPU loop multiplies each time step's input by the kernel inside the recurrence.
That half of the work does not depend on the previous step, so this layer does it for
all time steps at once, as one large matrix product (PyTorch's CPU LSTM does the same),
and leaves only h_{t-1} @ recurrent_kernel inside the loop. On a GPU, or whenever Keras's
own conditions for its fused (cuDNN) kernel or for dropout and masking apply, it is
exactly keras.layers.LSTM.
"""
import keras
from keras import ops


def on_accelerator():
    """Whether the backend will run on a GPU, where Keras's cuDNN kernel is the fast path."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_logical_devices("GPU"))
    if backend == "jax":
        import jax

        return jax.default_backend() != "cpu"
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    return False


@keras.saving.register_keras_serializable(package="rnn_chapter")
class LSTM(keras.layers.LSTM):
    def inner_loop(self, sequences, initial_state, mask, training=False):
        if mask is not None or self.dropout or self.recurrent_dropout or on_accelerator():
            return super().inner_loop(sequences, initial_state, mask, training=training)
        cell = self.cell
        # The input's share of all four gates, for every time step, in one product.
        projected = ops.matmul(sequences, cell.kernel)
        if cell.use_bias:
            projected = projected + cell.bias

        def step(gates_from_input, states):
            h, c = states
            gates = gates_from_input + ops.matmul(h, cell.recurrent_kernel)
            i, f, g, o = ops.split(gates, 4, axis=-1)  # Keras's order: input, forget, cell, output
            c = cell.recurrent_activation(f) * c + cell.recurrent_activation(i) * cell.activation(g)
            h = cell.recurrent_activation(o) * cell.activation(c)
            return h, [h, c]

        return keras.src.backend.rnn(
            step, projected, list(initial_state), go_backwards=self.go_backwards, unroll=self.unroll,
            input_length=sequences.shape[1], return_all_outputs=self.return_sequences)
