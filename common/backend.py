"""Load Keras quietly (common/startup.py) and ready its backend: import this before `import keras`.

On import, TensorFlow on a CPU is set to run each op on one thread, before it runs anything:
these models' matrices are small (100 x 400), so splitting an op over cores costs more than it
gains, while independent ops still run side by side (bench/benchmark.py: the Reuters epoch about
a third faster on 2 cores). Then prepare(seed) seeds every run.
"""
from common.startup import load_keras, tensorflow_log_held_back

keras = load_keras()
ON_TENSORFLOW = keras.backend.backend() == "tensorflow"

TENSORFLOW_ON_CPU = False  # TensorFlow with no GPU: one thread per op here, batch halves in common/halves.py
if ON_TENSORFLOW:
    import tensorflow as tf

    TENSORFLOW_ON_CPU = not tf.config.list_physical_devices("GPU")
    if TENSORFLOW_ON_CPU and tf.config.threading.get_intra_op_parallelism_threads() != 1:
        tf.config.threading.set_intra_op_parallelism_threads(1)  # raises if TensorFlow already ran an op


def prepare(seed):
    """Seed Python, NumPy and the backend; on TensorFlow also make ops deterministic."""
    if ON_TENSORFLOW:
        # Without this, multi-threaded reductions may sum in a different order per run.
        tf.config.experimental.enable_op_determinism()
    with tensorflow_log_held_back():  # on JAX and PyTorch, this seeds (and so imports) an installed TensorFlow too
        keras.utils.set_random_seed(seed)
