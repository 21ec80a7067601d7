"""One seed for every source of randomness, so that a rerun repeats a run exactly."""
import keras


def seed_everything(seed):
    """Seed Python, NumPy and the backend; make TensorFlow's ops deterministic too."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # Without this, multi-threaded CPU reductions may sum in a different order per run.
        tf.config.experimental.enable_op_determinism()
