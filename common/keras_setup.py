"""Keras, loaded quietly and made ready: import this module before `import keras` (it loads Keras).

1. On import, Keras loads without TensorFlow's C++ start-up log on the terminal (below).
2. TensorFlow on a CPU is then set to run each op on one thread, before it runs anything: these
   models' matrices are small (100 x 400), so splitting an op over cores costs more than it
   gains, while independent ops still run side by side (docs/speed.md).
3. seed_everything(seed) seeds every run.

Importing TensorFlow 2.21 on a machine without a GPU writes seven lines to stderr before any
Python code can stop it, and listing the devices one more, marked E:

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 ... port.cc:153] oneDNN custom operations are on. ...      (once per TensorFlow library)
    I0000 ... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
    I0000 ... cpu_feature_guard.cc:227] This TensorFlow binary is optimized ... / To enable ...
    E0000 ... cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: ... (303)

They are written before absl's logging starts, so TF_CPP_MIN_LOG_LEVEL cannot hold them back.
load_keras() imports Keras and lists the devices with file descriptor 2 sent to a temporary
file, then passes on every line that is not one of these. A failing import, or a GPU that is
present but unusable, is still said, in one readable line. TF_CPP_MIN_LOG_LEVEL=0 (show
everything) gets TensorFlow's log untouched; any other level, the usual advice for a quiet
TensorFlow, is passed on to TensorFlow and the start-up lines stay held back as well.

Loading takes seconds, so a Ctrl-C often lands in it: the scripts call
signals.stop_quietly_on_signals() first, and a stop that comes while native code loads is
answered, in its one line, when the loading is done (signals.held_while_native_code_loads).
"""
import functools
import os
import re
import sys
import tempfile
from contextlib import contextmanager, nullcontext
from pathlib import Path

from common.signals import TerminalStderr, held_while_native_code_loads

# TensorFlow 2.21 writes these lines in absl's format (I0000 00:00:1795808570.443232  14079 file.cc:31]);
# 2.20 in its own older one (2026-12-01 19:29:29.668549: I path/to/file.cc:31]): both are matched.
START_UP_LINE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] .*"  # absl's information and warning lines
    r"|\d{4}-\d\d-\d\d [\d:.]+: [IW] [\w/.]+:\d+\] .*"  # the older format's
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.")
CUDA_PROBE_LINE = re.compile(r"(?:E\d{4} [\d:.]+\s+\d+ |\d{4}-\d\d-\d\d [\d:.]+: E [\w/.]*/)"
                             r"cuda_platform\.cc:\d+\] failed call to cuInit: (.*)")
# oneDNN's graph pass, the first time a graph holds a boolean op (Keras's masks), on any CPU: Eigen runs it
ONEDNN_BOOLEAN_LINE = re.compile(r"(?:E\d{4} [\d:.]+\s+\d+ |\d{4}-\d\d-\d\d [\d:.]+: E [\w/.]*/)"
                                 r"util\.cc:\d+\] oneDNN supports DT_BOOL only on platforms with AVX-512\..*")
SHOW_TENSORFLOW_LOG = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() == "0"  # the user asks to see it all
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's later information and warnings too
@contextmanager
def stderr_captured():
    """Send file descriptor 2 (C++ and Python alike) to a temporary file; yields a list that
    receives its lines afterwards. What runs inside loads native code: a stop waits for its end."""
    lines = []
    sys.stderr.flush()
    saved = os.dup(2)
    with held_while_native_code_loads(), tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        TerminalStderr.fd = saved
        try:
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            TerminalStderr.fd = 2
            os.close(saved)
            capture.seek(0)
            lines += capture.read().decode("utf-8", "replace").splitlines()


def report(lines, tensorflow_gpus, gpu_present):
    """Pass on what start-up said, less TensorFlow's start-up log; if the machine has a GPU that
    TensorFlow could not use, say so with the reason the CUDA probe gave."""
    probe_failures = [match.group(1) for line in lines if (match := CUDA_PROBE_LINE.fullmatch(line))]
    for line in lines:
        if not any(known.fullmatch(line) for known in (START_UP_LINE, CUDA_PROBE_LINE, ONEDNN_BOOLEAN_LINE)):
            print(line, file=sys.stderr)
    if tensorflow_gpus == [] and gpu_present:
        reason = probe_failures[0] if probe_failures else "TF_CPP_MIN_LOG_LEVEL=0 shows why"
        print(f"note: this machine has an NVIDIA GPU, but TensorFlow cannot use it ({reason}); "
              "training runs on the CPU", file=sys.stderr)


@contextmanager
def tensorflow_log_held_back():
    """For code that may import TensorFlow later, on another backend (keras.utils.set_random_seed
    does, to seed it too): its start-up log is held back as in load_keras()."""
    if "tensorflow" in sys.modules or SHOW_TENSORFLOW_LOG:
        yield
        return
    with stderr_captured() as lines:
        yield
    report(lines, tensorflow_gpus=None, gpu_present=False)


@functools.cache  # once: the devices are settled then
def tensorflow_beside_the_backend():
    """TensorFlow installed beside the backend in use (Colab ships it with JAX and PyTorch), for
    what only it does: Keras's TensorBoard logs write through tf.summary. Imported, and its
    devices settled, inside the held-back window: else its CUDA probe's E line (cuInit) comes
    with the first log written, mid-training. It gets no GPU: the backend in use owns that, and
    TensorFlow would take the GPU's memory."""
    # TensorFlow is often imported already (seed_everything), but not yet probed
    with nullcontext([]) if SHOW_TENSORFLOW_LOG else stderr_captured() as lines:
        import tensorflow as tf

        tf.config.set_visible_devices([], "GPU")  # lists the devices: the CUDA probe runs here, in the window
    report(lines, tensorflow_gpus=None, gpu_present=False)
    return tf


def has_nvidia_gpu():
    return Path("/proc/driver/nvidia/version").exists() or any(Path("/dev").glob("nvidia[0-9]*"))


def load_keras():
    """Import Keras and its backend, and list the devices, keeping TensorFlow's start-up log off
    the terminal. A failed import exits with one line (code 1) after whatever else was said."""
    if "keras" in sys.modules or SHOW_TENSORFLOW_LOG:
        import keras

        return keras
    tensorflow_gpus, failure = None, None
    with stderr_captured() as lines:
        try:
            import keras

            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                tensorflow_gpus = tf.config.list_physical_devices("GPU")  # the CUDA probe runs here, in the window
        except ImportError as error:
            failure = error
    report(lines, tensorflow_gpus, has_nvidia_gpu())
    if failure:
        sys.exit(f"{Path(sys.argv[0]).name}: error: Keras could not start "
                 f"({os.environ.get('KERAS_BACKEND', 'tensorflow')} backend): {failure}. Reinstall with "
                 "`pip install -r requirements.txt`; TF_CPP_MIN_LOG_LEVEL=0 shows TensorFlow's whole log")
    return keras


keras = load_keras()
ON_TENSORFLOW = keras.backend.backend() == "tensorflow"

TENSORFLOW_ON_CPU = False  # TensorFlow with no GPU: one thread per op here, batch halves in common/training.py
if ON_TENSORFLOW:
    import tensorflow as tf

    TENSORFLOW_ON_CPU = not tf.config.list_physical_devices("GPU")
    if TENSORFLOW_ON_CPU and tf.config.threading.get_intra_op_parallelism_threads() != 1:
        tf.config.threading.set_intra_op_parallelism_threads(1)  # raises if TensorFlow already ran an op


def spend_onednns_boolean_warning():
    """TensorFlow's oneDNN graph pass says "oneDNN supports DT_BOOL only on platforms with
    AVX-512", marked E, the first time a graph holds a boolean op it could rewrite: mid-way
    through the first epoch of every model with a mask (translate_en_ko.py), on every CPU,
    AVX-512 or not, and nothing changes (Eigen runs the op). It says it once per process, for
    whichever type comes first: one such graph, run here in the held-back window, spends it."""
    with stderr_captured() as lines:
        tf.function(tf.transpose)(tf.constant([[True, False]] * 2))  # a graph the pass rewrites (a 1 x 1 is optimised away)
    report(lines, tensorflow_gpus=None, gpu_present=False)


if TENSORFLOW_ON_CPU and not SHOW_TENSORFLOW_LOG:
    spend_onednns_boolean_warning()


def seed_everything(seed):
    """Seed Python, NumPy and the backend; on TensorFlow also make ops deterministic (the book:
    numpy.random.seed(seed); tf.set_random_seed(seed))."""
    if ON_TENSORFLOW:
        # Without this, multi-threaded reductions may sum in a different order per run.
        tf.config.experimental.enable_op_determinism()
    with tensorflow_log_held_back():  # on JAX and PyTorch, this seeds (and so imports) an installed TensorFlow too
        keras.utils.set_random_seed(seed)
