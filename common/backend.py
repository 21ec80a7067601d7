"""Load Keras quietly (common/startup.py), then ready the backend once, before anything runs on
it: CPU threads, determinism, seeds. Import this before `import keras`."""
from common.startup import load_keras

keras = load_keras()


def prepare(seed):
    """Seed Python, NumPy and the backend; on TensorFlow also make ops deterministic and,
    on a CPU, run each op on one thread (see below)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU") and tf.config.threading.get_intra_op_parallelism_threads() != 1:
            # These models' matrices are small (100 x 400): splitting each op over cores costs
            # more than it gains, while independent ops still run side by side. Measured by
            # bench/benchmark.py: the Reuters epoch about a third faster on 2 cores.
            try:
                tf.config.threading.set_intra_op_parallelism_threads(1)
            except RuntimeError:
                pass  # TensorFlow is already running (a second run in one process): keep its threads
        # Without this, multi-threaded reductions may sum in a different order per run.
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)
