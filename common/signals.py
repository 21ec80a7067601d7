"""Ctrl-C and SIGTERM, answered quietly: one line and exit code 130 or 143 from the moment the
command line is read, and blocks that a stop at once must not cut. Standard library only, so
the command line (common/cli.py) and the notes' NumPy cells use it before anything loads."""
import io
import os
import signal
import sys
from contextlib import contextmanager


class TerminalStderr:
    """The file descriptor of the user's stderr: 2, except while Keras loads with descriptor 2
    captured (common/keras_setup.py), when it is a saved copy of it."""

    fd = 2


def run_by_ipython():
    """Whether IPython runs the script (`%run script.py` in Jupyter, on Colab, or in its terminal):
    its shell answers Ctrl-C (a KeyboardInterrupt, which cli.main_guard makes one line), owns
    sys.stdout and lives on after the script, so the script changes neither."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


def stop_quietly_on_signals():
    """From now on Ctrl-C or SIGTERM ends the script with one line and exit code 130 or 143, even
    while Keras loads. A run's training and saving take the signals over (common/runs/outcome.py: SignalStops)
    and give them back."""
    if run_by_ipython():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_quietly)
    if sys.unraisablehook is not ends_a_stop_that_python_could_not_raise:
        sys.unraisablehook = ends_a_stop_that_python_could_not_raise


def ends_a_stop_that_python_could_not_raise(unraisable, python_s_hook=sys.unraisablehook):
    """A stop (stop_quietly's SystemExit) that lands while a garbage-collection callback runs
    (JAX registers one, while Keras loads) cannot leave the callback: Python would print
    "Exception ignored in: <function _xla_gc_callback ...>" with a traceback, and go on as if
    no Ctrl-C had come. Its line is already said and nothing is computed yet: end here."""
    if issubclass(unraisable.exc_type, SystemExit):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, RuntimeError):  # a closed pipe, or a write the signal cut
                pass
        os._exit(unraisable.exc_value.code)
    python_s_hook(unraisable)


def say_interrupted(signum):
    """The one line, written at once. No pathlib here: this module loads in the first milliseconds
    of a script, before which a Ctrl-C is Python's traceback (common/__init__.py)."""
    os.write(TerminalStderr.fd, f"{os.path.basename(sys.argv[0])}: interrupted ({signal.Signals(signum).name})\n".encode())


def stop_quietly(signum, frame):
    if signum != signal.SIGPIPE:  # a closed pipe ends a Unix tool without a word
        say_interrupted(signum)
    raise SystemExit(128 + signum)


@contextmanager
def held_while_native_code_loads():
    """A block that imports native code (Keras's backend, TensorFlow beside it). A stop raised
    inside such an import cannot unwind through its C++: pybind11 aborts the process (exit 134,
    its message lost; seen with JAX and TensorFlow installed together). So a Ctrl-C or SIGTERM
    that comes inside waits for the block's end, a second or two, and is answered then by
    whichever handler was in charge; a second one ends the script at once, with its one line."""
    held = []

    def hold(signum, frame):
        if held:
            say_interrupted(signum)
            os._exit(128 + signum)
        held.append(signum)

    stops = (signal.SIGINT, signal.SIGTERM)
    before = {signum: signal.getsignal(signum) for signum in stops}
    for signum in stops:
        signal.signal(signum, hold)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        if held:
            signal.raise_signal(held[0])


class StdoutWhileRead(io.TextIOBase):
    """Standard output that, once its reader has gone (`script | head -3`), writes nowhere and
    tells whoever handles Ctrl-C now, as SIGPIPE: before training the script ends quietly, exit
    141; while training, the run stops after the step and is saved, as on Ctrl-C, quietly."""

    def __init__(self, stream):
        super().__init__()
        self.stream, self.reader_gone = stream, False

    def write(self, text):
        if not self.reader_gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self.lost_reader()
        return len(text)

    def flush(self):
        if not self.reader_gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.lost_reader()

    def lost_reader(self):
        self.reader_gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.stream.fileno())  # Python's own flush at exit finds a reader too
        os.close(devnull)
        in_charge = signal.getsignal(signal.SIGINT)  # stop_quietly, or a run's SignalStops
        if not callable(in_charge) or in_charge is signal.default_int_handler:  # before either is set
            in_charge = stop_quietly
        in_charge(signal.SIGPIPE, None)

    def isatty(self):  # Keras's progress bar asks
        return self.stream.isatty()

    def fileno(self):
        return self.stream.fileno()

    @property
    def encoding(self):
        return self.stream.encoding


def stop_quietly_when_stdout_closes():
    if not isinstance(sys.stdout, StdoutWhileRead) and not run_by_ipython():
        sys.stdout = StdoutWhileRead(sys.stdout)


class Hold:
    """Whether a block that must not be cut (signals_held) is running, and whether a stop at once
    (a second Ctrl-C) waits for its end."""

    depth = 0
    stop_waiting = False


@contextmanager
def signals_held():
    """A second Ctrl-C that comes inside this block stops training when the block is done, not in
    its middle: the NumPy networks' parameter updates are never left half-applied."""
    Hold.depth += 1
    try:
        yield
    finally:
        Hold.depth -= 1
        if not Hold.depth and Hold.stop_waiting:
            Hold.stop_waiting = False
            raise KeyboardInterrupt


def quiet_about_interrupts(hook):
    """Python's hook for exceptions it cannot raise, less the second Ctrl-C's KeyboardInterrupt.

    A second Ctrl-C that lands while a garbage-collection callback runs (JAX registers one, and
    it is imported beside PyTorch too) cannot leave that callback: Python prints it as
    "Exception ignored ..." with a traceback and goes on. Training stops after the step anyway,
    because the first Ctrl-C asked for that, so there is nothing to say."""
    def hook_without_interrupts(unraisable):
        if not issubclass(unraisable.exc_type, KeyboardInterrupt):
            hook(unraisable)
    return hook_without_interrupts
