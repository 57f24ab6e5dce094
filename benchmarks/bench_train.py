"""Training speed of fnnlab's trainers against the floor and their peers.

Run by hand (never by the test suite), from the repository root:

    .venv/bin/python benchmarks/bench_train.py              # ~5-10 minutes
    .venv/bin/python benchmarks/bench_train.py --quick      # ~1-2 minutes
    .venv/bin/python benchmarks/bench_train.py --threads 1 2

Where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (older OpenBLAS builds
need them on some processors), they hold a current NumPy to a slower
kernel; to measure it fairly unset both in this one command:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        .venv/bin/python benchmarks/bench_train.py

The script prints which BLAS library, kernel and thread count each run
used (threadpoolctl). Contenders, each one epoch of mini-batch SGD (batch
128, ReLU hidden layers, softmax output with cross-entropy, learning rate
0.05), from the same starting weights (``fnnlab.FNN(widths, seed=0)``):

* floor: only the matrix products of each step (3 forward, 3 weight
  gradients, 2 input gradients) into preallocated arrays, for the same
  batch sizes: the same arithmetic with nothing else, a lower bound;
* fnnlab.train: the default trainer (on NumPy, :mod:`fnnlab.fast`);
* fnnlab.train(fast=False): the book's loop,
  :func:`fnnlab.training.sgd_epoch`;
* reverse-mode engine: :func:`fnnlab.autodiff.nn.train`;
* NumPy by hand: a minimal hand-written loop (samples as rows);
* PyTorch CPU (eager) and HIPS autograd: skipped when not installed.

The fnnlab trainers run two epochs per round and the second is timed (the
time between the two epoch callbacks), so the one-time argument checks of
a ``train`` call are left out, as the other contenders' setup is. Every
contender shuffles and gathers its own batches inside the timed epoch.
Runs are interleaved (A B C ... A B C ...) in one process, after a
warm-up round; each figure is the median over the rounds of the seconds
per epoch, and the ratio divides it by the floor's median.

Before timing, every contender trains one epoch on the same shuffled
order and its weights are compared with the book's loop (largest absolute
difference), so all of them are known to compute the same thing.

Then the peak memory of one MNIST-sized epoch is measured with
tracemalloc (NumPy reports its array memory to it), against the data set
plus one batch's activations and the parameters.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from typing import Any, Callable

import numpy as np
import scipy.linalg.blas  # noqa: F401  (loaded now, so the limits reach it)
from threadpoolctl import threadpool_info, threadpool_limits

import fnnlab
from fnnlab.backend import to_numpy

LR = 0.05
BATCH = 128
SEED = 0

try:                                       # optional benchmark contenders
    import torch
except ImportError:                        # pragma: no cover
    torch = None
try:
    import autograd
    import autograd.numpy as anp
except ImportError:                        # pragma: no cover
    autograd = None
try:
    from fnnlab.autodiff import nn as engine
except ImportError as exc:                 # pragma: no cover
    engine = None
    ENGINE_MISSING = f"{type(exc).__name__}: {exc}"


# --- workloads -------------------------------------------------------------

def digits(dtype: str) -> dict:
    data = fnnlab.load_digits()
    X = np.ascontiguousarray(to_numpy(data.X_train), dtype=dtype)
    y = to_numpy(data.y_train).astype(np.int64)
    return dict(name=f"digits 64-128-64-10 {dtype}", widths=[64, 128, 64, 10],
                X=X, y=y, dtype=dtype)


def mnist_sized(N: int = 60_000) -> dict:
    """Synthetic MNIST-sized data: N images of 784 pixels in [0, 1], labels
    from a fixed random linear teacher (so there is something to learn)."""
    rng = np.random.default_rng(1)
    X = rng.random((N, 784), dtype=np.float32)
    teacher = rng.standard_normal((784, 10)).astype(np.float32)
    y = np.argmax((X - 0.5) @ teacher, axis=1).astype(np.int64)
    return dict(name=f"MNIST-sized 784-256-128-10 float32 ({N} samples)",
                widths=[784, 256, 128, 10], X=X, y=y, dtype="float32")


def start_weights(w: dict) -> list:
    """``[W1, b1, W2, b2, ...]`` of ``FNN(widths, seed=0)``, host arrays."""
    net = fnnlab.FNN(w["widths"], seed=0, dtype=w["dtype"], backend="numpy")
    out = []
    for W, b in zip(net.W, net.b):
        out += [to_numpy(W).copy(), to_numpy(b).copy()]
    return out


def batch_sizes(N: int) -> list:
    return [min(BATCH, N - s) for s in range(0, N, BATCH)]


# --- contenders: make(w) -> (epoch(order or None) -> seconds, weights()) -----

def floor(w: dict) -> tuple:
    """The products of every step, into preallocated arrays."""
    dt, M = np.dtype(w["dtype"]), w["widths"]
    Ws = [p for p in start_weights(w)[0::2]]
    sets = {}
    for n in set(batch_sizes(len(w["y"]))):
        A = [np.ones((m, n), dt) for m in M]           # a^(0..L)
        D = [np.ones((m, n), dt) for m in M[1:]]       # delta^(1..L)
        G = [np.empty_like(W) for W in Ws]             # dR/dW
        sets[n] = (A, D, G)
    sizes = batch_sizes(len(w["y"]))
    L = len(Ws)

    def epoch(order: Any = None) -> tuple:
        t, c = time.perf_counter(), time.process_time()
        for n in sizes:
            A, D, G = sets[n]
            for l in range(L):                          # 3 forward
                np.matmul(Ws[l], A[l], out=A[l + 1])
            for l in range(L - 1, -1, -1):
                np.matmul(D[l], A[l].T, out=G[l])       # 3 weight gradients
                if l:
                    np.matmul(Ws[l].T, D[l], out=A[l])  # 2 input gradients
        return time.perf_counter() - t, time.process_time() - c

    return epoch, None


def fnnlab_trainer(fast: bool | None) -> Callable:
    def make(w: dict) -> tuple:
        net = fnnlab.FNN(w["widths"], seed=0, dtype=w["dtype"],
                         backend="numpy")
        return _callback_timed(fnnlab.train, net, w, fast=fast)
    return make


def engine_trainer(w: dict) -> tuple:
    net = fnnlab.FNN(w["widths"], seed=0, dtype=w["dtype"], backend="numpy")
    return _callback_timed(engine.train, net, w)


def _callback_timed(train: Callable, net: Any, w: dict, **extra) -> tuple:
    """Time the second of two epochs, between the epoch callbacks; with an
    ``order``, run one epoch on exactly that order instead (the check)."""
    X, y = w["X"], w["y"]
    rounds = iter(range(1, 10**6))

    def epoch(order: Any = None) -> tuple:
        if order is not None:       # seed SEED gives order = permutation
            train(net, X, y, epochs=1, lr=LR, batch_size=BATCH, seed=SEED,
                  progress=False, **extra)
            return 0.0, 0.0
        stamps = []
        train(net, X, y, epochs=2, lr=LR, batch_size=BATCH,
              seed=SEED + next(rounds), progress=False,
              callback=lambda e, h: stamps.append(
                  (time.perf_counter(), time.process_time())),
              **extra)
        return (stamps[1][0] - stamps[0][0], stamps[1][1] - stamps[0][1])

    def weights() -> list:
        out = []
        for W, b in zip(net.W, net.b):
            out += [to_numpy(W), to_numpy(b)]
        return out

    return epoch, weights


def numpy_by_hand(w: dict) -> tuple:
    """A minimal hand-written loop, samples as rows, nothing preallocated."""
    X, y = w["X"], w["y"]
    params = start_weights(w)
    N, L = len(y), len(params) // 2
    rng = np.random.default_rng(SEED + 1)

    def epoch(order: Any = None) -> tuple:
        t, c = time.perf_counter(), time.process_time()
        if order is None:
            order = rng.permutation(N)
        for s in range(0, N, BATCH):
            idx = order[s:s + BATCH]
            x, lab = X[idx], y[idx]
            n = len(idx)
            acts, zs = [x], []
            for l in range(L):
                z = acts[-1] @ params[2 * l].T + params[2 * l + 1]
                zs.append(z)
                acts.append(np.maximum(z, 0) if l < L - 1 else z)
            z = acts[-1]
            e = np.exp(z - z.max(axis=1, keepdims=True))
            d = e / e.sum(axis=1, keepdims=True)
            d[np.arange(n), lab] -= 1
            d /= n
            for l in range(L - 1, -1, -1):
                gW, gb = d.T @ acts[l], d.sum(axis=0)
                if l:
                    d = (d @ params[2 * l]) * (zs[l - 1] > 0)
                params[2 * l] -= LR * gW
                params[2 * l + 1] -= LR * gb
        return time.perf_counter() - t, time.process_time() - c

    return epoch, lambda: params


def pytorch(w: dict) -> tuple:
    """Eager PyTorch on the CPU: F.linear, cross_entropy, backward, update
    under no_grad."""
    F = torch.nn.functional
    X, y = torch.from_numpy(w["X"]), torch.from_numpy(w["y"])
    params = [torch.tensor(p, requires_grad=True) for p in start_weights(w)]
    N, L = len(w["y"]), len(params) // 2
    gen = torch.Generator().manual_seed(SEED + 1)

    def epoch(order: Any = None) -> tuple:
        t, c = time.perf_counter(), time.process_time()
        order = (torch.randperm(N, generator=gen) if order is None
                 else torch.from_numpy(order))
        for s in range(0, N, BATCH):
            idx = order[s:s + BATCH]
            h = X[idx]
            for l in range(L):
                h = F.linear(h, params[2 * l], params[2 * l + 1])
                if l < L - 1:
                    h = torch.relu(h)
            F.cross_entropy(h, y[idx]).backward()
            with torch.no_grad():
                for p in params:
                    p.sub_(LR * p.grad)
                    p.grad = None
        return time.perf_counter() - t, time.process_time() - c

    return epoch, lambda: [p.detach().numpy() for p in params]


def hips_autograd(w: dict) -> tuple:
    """HIPS autograd: grad of the same risk written in autograd.numpy."""
    X, y = w["X"], w["y"]
    C = w["widths"][-1]
    onehot = np.eye(C, dtype=w["dtype"])[y]                 # (N, C)
    params = start_weights(w)
    N, L = len(y), len(params) // 2
    rng = np.random.default_rng(SEED + 1)

    def risk(ps: list, x: Any, t: Any) -> Any:
        h = x
        for l in range(L):
            h = anp.dot(h, ps[2 * l].T) + ps[2 * l + 1]
            if l < L - 1:
                h = anp.maximum(h, 0.0)
        h = h - anp.max(h, axis=1, keepdims=True)
        logp = h - anp.log(anp.sum(anp.exp(h), axis=1, keepdims=True))
        return -anp.sum(t * logp) / x.shape[0]

    gradient = autograd.grad(risk)

    def epoch(order: Any = None) -> tuple:
        nonlocal params
        t, c = time.perf_counter(), time.process_time()
        if order is None:
            order = rng.permutation(N)
        for s in range(0, N, BATCH):
            idx = order[s:s + BATCH]
            gs = gradient(params, X[idx], onehot[idx])
            params = [p - LR * g for p, g in zip(params, gs)]
        return time.perf_counter() - t, time.process_time() - c

    return epoch, lambda: params


CONTENDERS = [
    ("floor", floor, True),
    ("fnnlab.train", fnnlab_trainer(None), True),
    ("fnnlab.train(fast=False)", fnnlab_trainer(False), True),
    ("reverse-mode engine", engine_trainer, engine is not None),
    ("NumPy by hand", numpy_by_hand, True),
    ("PyTorch CPU", pytorch, torch is not None),
    ("HIPS autograd", hips_autograd, autograd is not None),
]


# --- running ---------------------------------------------------------------

def run_workload(w: dict, rounds: int) -> list:
    """Check, warm up, then time ``rounds`` interleaved rounds; rows of
    ``(contender, median wall seconds per epoch or None, its ratio to the
    floor's, the same ratio of CPU seconds, note)``."""
    made = {}
    for name, make, available in CONTENDERS:
        if available:
            made[name] = make(w)
    order = np.random.default_rng(SEED).permutation(len(w["y"]))
    reference = None
    notes = {}
    for name in ("fnnlab.train(fast=False)",) + tuple(made):
        epoch, weights = made[name]
        if weights is None or (name in notes):
            continue
        epoch(order)
        got = [np.asarray(p, dtype=np.float64) for p in weights()]
        if reference is None:
            reference = got
            notes[name] = "reference"
            continue
        diff = max(float(np.max(np.abs(a - b))) for a, b in
                   zip(got, reference))
        notes[name] = f"weights after the check epoch differ by {diff:.1e}"
    times = {name: [] for name in made}
    for r in range(rounds + 1):                      # round 0: warm-up
        for name, (epoch, _) in made.items():
            gc.collect()
            seconds = epoch()
            if r:
                times[name].append(seconds)
    rows = []
    wall0 = statistics.median(t[0] for t in times["floor"])
    cpu0 = statistics.median(t[1] for t in times["floor"])
    for name, _, available in CONTENDERS:
        if not available:
            why = ENGINE_MISSING if name == "reverse-mode engine" else (
                "not installed")
            rows.append((name, None, None, None, f"not available ({why})"))
            continue
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        rows.append((name, wall, wall / wall0, cpu / cpu0,
                     notes.get(name, "")))
    return rows


def blas_report() -> str:
    lines = []
    for lib in threadpool_info():
        lines.append(
            f"  {lib['user_api']}: {lib['internal_api']} {lib['version']} "
            f"kernel={lib.get('architecture')} threads={lib['num_threads']} "
            f"({os.path.basename(lib['filepath'])})"
        )
    if torch is not None:
        lines.append(f"  torch {torch.__version__}: "
                     f"{torch.get_num_threads()} threads")
    return "\n".join(lines)


def peak_memory(w: dict) -> None:
    """Peak NumPy memory of one epoch on the MNIST-sized net (a whole
    ``train`` call, checks included), above the data set that existed
    before the call, from tracemalloc."""
    X, y = w["X"], w["y"]
    N, C, itemsize = len(y), w["widths"][-1], X.itemsize
    data = X.nbytes + y.nbytes
    batch = BATCH * sum(w["widths"]) * itemsize       # a^(0..L) of a batch
    params = sum(p.nbytes for p in start_weights(w))
    onehot = C * N * itemsize                         # targets(net, y)
    print(f"\nPeak memory of one epoch of the MNIST-sized net "
          f"(tracemalloc), above the data set (X and y, "
          f"{data / 2**20:.1f} MiB). One batch's activations a^(0..L): "
          f"{batch / 2**10:.0f} KiB; the parameters: {params / 2**20:.2f} "
          f"MiB; the one-hot targets (C x N): {onehot / 2**20:.2f} MiB.")
    print("| trainer | peak above the data set | (peak - parameters - one-hot"
          " targets) / one batch's activations |")
    print("|---|---|---|")
    runs = [("fnnlab.train", lambda net: fnnlab.train(
                net, X, y, epochs=1, lr=LR, batch_size=BATCH,
                progress=False)),
            ("fnnlab.train(fast=False)", lambda net: fnnlab.train(
                net, X, y, epochs=1, lr=LR, batch_size=BATCH,
                progress=False, fast=False))]
    if engine is not None:
        runs.append(("reverse-mode engine", lambda net: engine.train(
            net, X, y, epochs=1, lr=LR, batch_size=BATCH, progress=False)))
    hand = numpy_by_hand(w)[0]
    runs.append(("NumPy by hand", lambda net: hand()))
    for name, run in runs:
        net = fnnlab.FNN(w["widths"], seed=0, dtype=w["dtype"],
                         backend="numpy")
        gc.collect()
        tracemalloc.start()
        run(net)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        extra = peak - params - (0 if name == "NumPy by hand" else onehot)
        print(f"| {name} | {peak / 2**20:.1f} MiB | {extra / batch:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds, one thread count")
    parser.add_argument("--threads", type=int, nargs="+", default=None,
                        help="BLAS (and PyTorch) thread counts, default 1 2")
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds per workload")
    args = parser.parse_args()
    threads = args.threads or ([1] if args.quick else [1, 2])
    small = args.rounds or (7 if args.quick else 21)
    big = args.rounds or (3 if args.quick else 5)

    print(f"bench_train.py, {datetime.date.today().isoformat()}")
    import scipy

    print(f"{platform.machine()}, {os.cpu_count()} CPUs, {_cpu_model()}; "
          f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"SciPy {scipy.__version__}"
          + (f", PyTorch {torch.__version__}" if torch else "")
          + (f", autograd {_version('autograd')}" if autograd else ""))
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        print(f"{var}={os.environ.get(var, '(unset)')}")
    if engine is None:
        print(f"reverse-mode engine not available: {ENGINE_MISSING}")

    workloads = [digits("float64"), digits("float32"), mnist_sized()]
    table = []
    for t in threads:
        with threadpool_limits(limits=t):
            if torch is not None:
                torch.set_num_threads(t)
            print(f"BLAS and PyTorch limited to {t} thread(s):\n"
                  f"{blas_report()}")
            for w in workloads:
                rounds = big if w["name"].startswith("MNIST") else small
                print(f"  running {w['name']}, {rounds} rounds ...",
                      file=sys.stderr, flush=True)
                for row in run_workload(w, rounds):
                    table.append((t, w["name"]) + row)
    print("\n| threads | network | contender | median s/epoch | ratio to "
          "floor | CPU-time ratio | note |")
    print("|---|---|---|---|---|---|---|")
    for t, network, name, wall, ratio, cpu, note in table:
        if wall is None:
            print(f"| {t} | {network} | {name} | - | - | - | {note} |")
        else:
            print(f"| {t} | {network} | {name} | {wall:.5f} | {ratio:.2f} "
                  f"| {cpu:.2f} | {note} |")
    sys.stdout.flush()
    with threadpool_limits(limits=threads[0]):
        peak_memory(workloads[-1])


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:                               # pragma: no cover
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
