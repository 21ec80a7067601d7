"""Side-by-side training speed: our scripts' path against plain PyTorch, on the same CPU.

    pip install -r bench/requirements.txt
    python bench/benchmark.py                      # Reuters and IMDB, ours vs PyTorch, 2 rounds
    python bench/benchmark.py --paths ours pytorch keras-defaults keras-jax --rounds 3
    python bench/benchmark.py --paths ours ours-whole pytorch   # the second core's halves on and off
    python bench/benchmark.py --mode whole         # each default job, process start to exit (bench/whole.py)
    python bench/benchmark.py --models attention   # imdb_attention.py's model, the chapter's heaviest

Every path runs in its own fresh process (a Keras backend is fixed per process), and the
paths take turns, round after round, so that a noisy neighbour slows all of them alike.
Data are synthetic with the real shapes (Reuters: 8,982 x 100 ids < 1000, 46 classes;
IMDB: 25,000 x 100 ids < 5000, binary; attention: 2,000 x 500 ids < 5000, binary, a tenth of its
20,000 reviews trained on, so an epoch here is a tenth of the real one), so no download is needed.

Per path and model it reports: steady-state seconds per training epoch (median over the
epochs after a warm-up epoch), how much of the epoch lay outside its training steps (the epoch
less the sum of its steps' times), one pass over the test set once compiled (and the first
pass, which compiles), process start-up time (launch to model built), peak memory, the ratio
to PyTorch, and the arithmetic floor: FLOPs per epoch / this machine's measured float32 matmul
rate.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import whole  # bench/whole.py: the --mode whole job

REPO = Path(__file__).resolve().parent.parent
SHAPES = {  # train size, test size, vocabulary, classes
    "reuters": (8982, 2246, 1000, 46),
    "imdb": (25000, 25000, 5000, 2),
    "attention": (2000, 1000, 5000, 2),  # a tenth: its real epoch (20,000 reviews) takes minutes
}
MAXLEN = {"reuters": 100, "imdb": 100, "attention": 500}  # ids per example
BATCH_SIZE = {"reuters": 100, "imdb": 100, "attention": 40}  # the scripts' defaults
TEST_BATCH_SIZE = {"reuters": 500, "imdb": 500, "attention": 40}  # imdb_attention.py tests in its training batches (memory)
SCRIPTS = {"reuters": "reuters_lstm", "imdb": "imdb_cnn_lstm", "attention": "imdb_attention"}
PATHS = ("ours", "ours-whole", "ours-halves", "ours-bf16", "pytorch", "keras-defaults", "keras-jax")
# ours-whole: the scripts' path with no batch halves, in training or test passes (common/training.py);
# ours-halves: training in halves too for Reuters, which has no such setting;
# ours-bf16: the scripts' path with --precision mixed_bfloat16 (bfloat16 products, float32 weights)


def flops_per_epoch(model):
    """Multiply-adds x 2 of one training epoch; backward counted as twice the forward pass."""
    train = SHAPES[model][0]
    if model == "reuters":  # 100 steps of x@W (100x400) and h@U (100x400), then Dense(100 -> 46)
        forward = 100 * 2 * (100 * 400 + 100 * 400) + 2 * 100 * 46
    elif model == "attention":  # LSTM over 500 steps (500 -> 4x64, 64 -> 4x64); e[t, t'] (500 x 500 x 32); a @ h
        forward = 500 * 2 * (500 * 256 + 64 * 256) + 500 * 500 * 2 * 32 + 500 * 500 * 2 * 64 + 2 * 500 * 64
    else:  # Conv1D over 96 positions (5x100 -> 64), LSTM over 24 steps (64 -> 4x55, 55 -> 4x55)
        forward = 96 * 2 * 5 * 100 * 64 + 24 * 2 * (64 * 220 + 55 * 220) + 2 * 55
    return 3 * forward * train


def matmul_rate(size=1024, repeats=20):
    """This machine's float32 matrix-multiply rate in FLOP/s (best of several)."""
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - started)
    return 2 * size ** 3 / best


def synthetic(model):
    train, test, vocabulary, classes = SHAPES[model]
    rng = np.random.default_rng(0)
    return (rng.integers(0, vocabulary, (train, MAXLEN[model])), rng.integers(0, classes, train),
            rng.integers(0, vocabulary, (test, MAXLEN[model])), rng.integers(0, classes, test))


# One measurement, in a child process.

def measure_keras(path, model_name, epochs):
    import keras

    sys.path.insert(0, str(REPO))
    from common import cli, keras_setup, runs, training

    as_scripts_do = path.startswith("ours")
    script = __import__(SCRIPTS[model_name])
    config = cli.parse(script.SETTINGS, whole.flags(path, model_name))[0]
    if as_scripts_do:
        keras_setup.seed_everything(config.seed)
    model = script.build_model(config)
    if path == "ours-halves":
        trainer = training.SideBySide(model, training_in_halves=True)
    elif path == "ours-whole" or not as_scripts_do:
        trainer = model
    else:
        trainer = training.side_by_side(model, training_in_halves=getattr(config, "batch_halves", None))
    x, y, x_test, y_test = synthetic(model_name)
    if model_name == "reuters":
        y, y_test = keras.utils.to_categorical(y, 46), keras.utils.to_categorical(y_test, 46)
    steps, epoch_seconds = [], []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.began = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            steps.append(time.perf_counter() - self.began)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_began = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.epoch_began)

    ready = time.time()
    if as_scripts_do:  # the scripts' own model.fit: their batches, clean stops and TensorBoard logging
        import tempfile
        from types import SimpleNamespace

        out = Path(tempfile.mkdtemp(prefix="bench_run_")) / "run"
        run = runs.Run(SimpleNamespace(script=script.__name__, out=str(out), dry_run=True), config)
        with run.training():
            trainer.fit(training.batches(x, y, config.batch_size, shuffle=True), epochs=epochs,
                      callbacks=[*training.callbacks(run), Clock()], verbose=0)
        test = {"x": training.batches(x_test, y_test, TEST_BATCH_SIZE[model_name])}
    else:
        model.fit(x, y, batch_size=config.batch_size, epochs=epochs, callbacks=[Clock()], verbose=0)
        test = {"x": x_test, "y": y_test, "batch_size": config.batch_size}
    return ready, epoch_seconds, steps, test_passes(lambda: trainer.evaluate(**test, verbose=0)), keras.backend.backend()


def measure_pytorch(model_name, epochs):
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import peers

    model, loss, optimizer = peers.build(model_name)
    x, y, x_test, _ = (torch.from_numpy(a) for a in synthetic(model_name))
    y = y if model_name == "reuters" else y.float()
    ready, steps, epoch_seconds = time.time(), [], []
    for _ in range(epochs):
        began = time.perf_counter()
        peers.train_epoch(model, loss, optimizer, x, y, BATCH_SIZE[model_name], steps, time.perf_counter)
        epoch_seconds.append(time.perf_counter() - began)
    return ready, epoch_seconds, steps, test_passes(lambda: peers.evaluate(model, x_test, TEST_BATCH_SIZE[model_name])), f"torch {torch.__version__}"


def test_passes(evaluate):
    """Seconds of the first pass over the test set (Keras compiles its test step in it) and of
    the second, as every epoch's test-set pass after the first costs."""
    seconds = []
    for _ in range(2):
        began = time.perf_counter()
        evaluate()
        seconds.append(time.perf_counter() - began)
    return seconds


def child(path, model_name, epochs):
    if path == "pytorch":
        ready, epoch_seconds, steps, evaluation, backend = measure_pytorch(model_name, epochs)
    else:
        ready, epoch_seconds, steps, evaluation, backend = measure_keras(path, model_name, epochs)
    steps_per_epoch = len(steps) // epochs
    # Each epoch after the warm-up: its seconds, and those of its steps added up.
    steps_seconds = [sum(steps[epoch * steps_per_epoch:(epoch + 1) * steps_per_epoch]) for epoch in range(1, epochs)]
    print(json.dumps({
        "ready": ready, "backend": backend,
        "epoch_seconds": statistics.median(epoch_seconds[1:]),  # the first epoch is the warm-up
        "outside_steps_seconds": statistics.median(e - s for e, s in zip(epoch_seconds[1:], steps_seconds)),
        "evaluation_seconds": evaluation[1],
        "first_evaluation_seconds": evaluation[0],
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


# The parent: alternate the paths, collect, report.

def run_child(path, model_name, epochs):
    environment = {**os.environ, "KERAS_BACKEND": "jax" if path == "keras-jax" else
                   os.environ.get("KERAS_BACKEND", "tensorflow"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    launched = time.time()
    result = subprocess.run([sys.executable, __file__, "--child", path, model_name, str(epochs)],
                            capture_output=True, text=True, env=environment)
    if result.returncode:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last}
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    measured["startup_seconds"] = measured.pop("ready") - launched
    return measured


def report(results, rate):
    print(f"\nfloat32 matmul rate: {rate / 1e9:.1f} GFLOP/s; {os.cpu_count()} CPU cores\n")
    header = (f"{'model':8} {'path':15} {'s/epoch':>8} {'outside':>8} {'test s':>7} {'1st test':>8} {'start s':>7} "
              f"{'peak MiB':>8} {'/torch':>7} {'/floor':>7}")
    print(header + "\n" + "-" * len(header))
    rows = []
    for (model_name, path), runs in results.items():
        good = [r for r in runs if "error" not in r]
        if not good:
            print(f"{model_name:8} {path:15} skipped: {runs[0]['error']}")
            continue
        row = {"model": model_name, "path": path, "backend": good[0]["backend"], "rounds": len(good)}
        for key in ("epoch_seconds", "outside_steps_seconds", "evaluation_seconds", "first_evaluation_seconds",
                    "startup_seconds", "peak_memory_mib"):
            row[key] = round(statistics.median(r[key] for r in good), 3)
        row["floor_seconds"] = round(flops_per_epoch(model_name) / rate, 3)
        row["times_floor"] = round(row["epoch_seconds"] / row["floor_seconds"], 2)
        rows.append(row)
    for row in rows:
        torch_row = next((r for r in rows if r["model"] == row["model"] and r["path"] == "pytorch"), None)
        row["ratio_to_pytorch"] = round(row["epoch_seconds"] / torch_row["epoch_seconds"], 3) if torch_row else None
        print(f"{row['model']:8} {row['path']:15} {row['epoch_seconds']:8.2f} {row['outside_steps_seconds']:8.2f} "
              f"{row['evaluation_seconds']:7.2f} {row['first_evaluation_seconds']:8.2f} {row['startup_seconds']:7.2f} "
              f"{row['peak_memory_mib']:8.0f} "
              f"{row['ratio_to_pytorch'] if row['ratio_to_pytorch'] is not None else '-':>7} {row['times_floor']:7.2f}")
    print()
    for row in rows:
        print(json.dumps(row))


def report_whole(results):
    print(f"\nWhole default job, process start to exit; {os.cpu_count()} CPU cores\n")
    header = f"{'model':8} {'path':10} {'epochs':>6} {'seconds':>8} {'/torch':>7}"
    print(header + "\n" + "-" * len(header))
    medians = {}
    for (model_name, path), runs in results.items():
        good = [r["whole_seconds"] for r in runs if "error" not in r]
        if not good:
            print(f"{model_name:8} {path:10} skipped: {runs[0]['error']}")
            continue
        medians[model_name, path] = statistics.median(good)
    for (model_name, path), seconds in medians.items():
        torch_seconds = medians.get((model_name, "pytorch"))
        ratio = f"{seconds / torch_seconds:.3f}" if torch_seconds else "-"
        print(f"{model_name:8} {path:10} {whole.EPOCHS[model_name]:6d} {seconds:8.1f} {ratio:>7}")


def main_whole(args):
    if "attention" in args.models:
        sys.exit("benchmark.py: error: --mode whole times the Reuters and IMDB jobs; the attention model is "
                 "measured per epoch (--mode steady)")
    paths = [p for p in args.paths if p in whole.PATHS]
    results = {(m, p): [] for m in args.models for p in paths}
    for round_number in range(args.rounds):
        for (model_name, path), runs in results.items():
            print(f"round {round_number + 1}/{args.rounds}: whole {model_name} job, {path} ...", flush=True)
            runs.append(whole.measure(path, model_name, args.keras_home))
    report_whole(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["steady", "whole"], default="steady",
                        help="steady: seconds per epoch after a warm-up; whole: each script's default job, "
                             "process start to exit, against PyTorch doing the same job")
    parser.add_argument("--keras-home", help="--mode whole: a filled Keras cache to use instead of synthetic data")
    parser.add_argument("--whole-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--models", nargs="+", choices=list(SHAPES), default=["reuters", "imdb"],
                        help="attention: imdb_attention.py's model, on a tenth of its epoch")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=["ours", "pytorch"],
                        help="--mode whole runs ours, ours-whole, ours-bf16 and pytorch only")
    parser.add_argument("--epochs", type=int, default=3, help="per process, the first one a warm-up (default 3)")
    parser.add_argument("--rounds", type=int, default=2, help="times each path runs, taking turns (default 2)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], args.child[1], int(args.child[2]))
    if args.whole_child:
        return whole.pytorch_job(*args.whole_child)
    if args.mode == "whole":
        return main_whole(args)
    if args.epochs < 2 or args.rounds < 1:
        parser.error("--epochs must be at least 2 (one warm-up) and --rounds at least 1")
    rate = matmul_rate()
    results = {(m, p): [] for m in args.models for p in args.paths}
    for round_number in range(args.rounds):
        for model_name in args.models:
            for path in args.paths:
                print(f"round {round_number + 1}/{args.rounds}: {model_name} {path} ...", flush=True)
                results[model_name, path].append(run_child(path, model_name, args.epochs))
    report(results, rate)


if __name__ == "__main__":
    main()
