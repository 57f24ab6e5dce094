"""Training speed of the reverse-mode engine against its peers.

Run by hand (never by the test suite), from the repository root:

    .venv/bin/python benchmarks/bench_autodiff.py            # everything
    .venv/bin/python benchmarks/bench_autodiff.py --quick    # fewer rounds
    .venv/bin/python benchmarks/bench_autodiff.py --threads 1

Contenders, each doing SGD steps (ReLU hidden layers, softmax output with
cross-entropy, mini-batches of 128, learning rate 0.05, the same starting
weights and the same pre-shuffled batches):

* floor: only the matrix products of a training step (3 forward, 3 weight
  gradients, 2 input gradients) into preallocated arrays; a lower bound;
* engine: :func:`fnnlab.autodiff.nn.sgd_step` (graph, backward, update);
* engine (train): a whole :func:`fnnlab.autodiff.nn.train` epoch, with
  its shuffling, loss and accuracy bookkeeping;
* backprop: the core's hand-written backpropagation step
  (``propagate`` + ``gradients_from`` + update);
* backprop (train): a whole :func:`fnnlab.train` epoch;
* HIPS autograd and PyTorch (CPU, eager), skipped if not installed.

Runs are interleaved (A B C ... A B C ...) in one process, so slow phases
of the machine hit every contender alike; each figure is the median over
the rounds of the seconds per epoch, and its ratio to the floor's median.

Networks: the digits net 64-128-64-10 on the 1437 training images of
``fnnlab.load_digits`` (float64 and float32), and an MNIST-sized
784-256-128-10 in float32 on synthetic data. To keep that one short, its
"epoch" is a subset of 4096 samples (32 steps); the per-step cost is what
matters, and the ratios do not depend on the epoch's length.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time


def _threads_from_argv() -> str | None:
    """``--threads N`` must reach BLAS before NumPy is imported."""
    for k, arg in enumerate(sys.argv[:-1]):
        if arg == "--threads":
            return sys.argv[k + 1]
    return None


if _threads_from_argv():
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = _threads_from_argv()

import numpy as np  # noqa: E402

import fnnlab  # noqa: E402
from fnnlab.autodiff import nn  # noqa: E402
from fnnlab.backprop import gradients_from  # noqa: E402
from fnnlab.losses import get_loss  # noqa: E402

LR = 0.05
BATCH = 128


def batches(X, y, C, dtype, seed=0):
    """Pre-shuffled batches of columns ``(M_0, B)`` and one-hot ``(C, B)``."""
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order].astype(dtype), y[order]
    out = []
    for start in range(0, len(y), BATCH):
        a0 = np.ascontiguousarray(X[start:start + BATCH].T)
        Y = np.zeros((C, a0.shape[1]), dtype=dtype)
        Y[y[start:start + BATCH], np.arange(a0.shape[1])] = 1.0
        out.append((a0, Y))
    return out


# --- contenders: each returns a function that runs one epoch ---------------

def floor(net, data, X, y):
    """The products of each step into buffers made once per batch width."""
    Ws = [W.copy() for W in net.W]
    dtype, L = Ws[0].dtype, net.L
    rng = np.random.default_rng(1)
    dW = [np.empty_like(W) for W in Ws]
    buffers = {}
    for a0, _ in data:
        B = a0.shape[1]
        if B not in buffers:
            buffers[B] = (
                [np.empty((m, B), dtype) for m in net.widths[1:]],   # a^(l)
                [(rng.standard_normal((m, B)) * 0.01).astype(dtype)
                 for m in net.widths[1:]],                       # delta^(l)
                [np.empty((m, B), dtype) for m in net.widths[1:-1]],  # W^T d
            )

    def epoch():
        for a0, _ in data:
            A, D, G = buffers[a0.shape[1]]
            inputs = [a0] + A
            for l in range(L):
                np.matmul(Ws[l], inputs[l], out=A[l])
            for l in range(L - 1, -1, -1):
                np.matmul(D[l], inputs[l].T, out=dW[l])
                if l:
                    np.matmul(Ws[l].T, D[l], out=G[l - 1])
    return epoch


def engine(net, data, X, y):
    net = net.copy()
    loss = get_loss(None, "softmax")

    def epoch():
        for a0, Y in data:
            nn.sgd_step(net, a0, Y, LR, loss)
    epoch.weights = lambda: _pairs(net.W, net.b)
    return epoch


def _pairs(Ws, bs):
    return [np.asarray(p) for pair in zip(Ws, bs) for p in pair]


def engine_train(net, data, X, y):
    net = net.copy()
    return lambda: nn.train(net, X, y, epochs=1, lr=LR, batch_size=BATCH,
                            progress=False)


def backprop(net, data, X, y):
    net = net.copy()
    loss = get_loss(None, "softmax")

    def epoch():
        for a0, Y in data:
            fp = net.propagate(a0, keep=True)
            grads = gradients_from(net, fp, Y, loss, 0.0)
            for l in range(1, net.L + 1):
                net.W[l - 1] -= LR * grads[f"W{l}"]
                net.b[l - 1] -= LR * grads[f"b{l}"]
    epoch.weights = lambda: _pairs(net.W, net.b)
    return epoch


def backprop_train(net, data, X, y):
    net = net.copy()
    return lambda: fnnlab.train(net, X, y, epochs=1, lr=LR,
                                batch_size=BATCH, progress=False)


def hips_autograd(net, data, X, y):
    import autograd.numpy as anp
    from autograd import grad

    params = [p.copy() for pair in zip(net.W, net.b) for p in pair]

    def risk(params, a, Y):
        for l in range(0, len(params), 2):
            z = anp.dot(params[l], a) + params[l + 1][:, None]
            a = anp.maximum(z, 0.0) if l + 2 < len(params) else z
        shifted = z - anp.max(z, axis=0, keepdims=True)
        logp = shifted - anp.log(anp.sum(anp.exp(shifted), axis=0,
                                         keepdims=True))
        return -anp.sum(Y * logp) / z.shape[1]

    gradient = grad(risk)

    def epoch():
        for a0, Y in data:
            for p, g in zip(params, gradient(params, a0, Y)):
                p -= LR * g
    epoch.weights = lambda: params
    return epoch


def pytorch(net, data, X, y):
    import torch

    params = [torch.tensor(p, requires_grad=True)
              for pair in zip(net.W, net.b) for p in pair]
    tdata = [(torch.from_numpy(a0), torch.from_numpy(Y)) for a0, Y in data]

    def epoch():
        for a0, Y in tdata:
            a = a0
            for l in range(0, len(params), 2):
                z = params[l] @ a + params[l + 1][:, None]
                a = torch.relu(z) if l + 2 < len(params) else z
            R = -(Y * torch.log_softmax(z, dim=0)).sum() / z.shape[1]
            R.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
                    p.grad = None
    epoch.weights = lambda: [p.detach().numpy() for p in params]
    return epoch


CONTENDERS = [
    ("floor", floor, None),
    ("engine", engine, None),
    ("engine (train)", engine_train, None),
    ("backprop", backprop, None),
    ("backprop (train)", backprop_train, None),
    ("HIPS autograd", hips_autograd, "autograd"),
    ("PyTorch CPU", pytorch, "torch"),
]


def available(module):
    if module is None:
        return True
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def run(name, widths, dtype, X, y, rounds):
    """Time every contender on one network; returns table rows."""
    net = fnnlab.FNN(widths, activation="relu", seed=0, dtype=dtype)
    data = batches(X, y, widths[-1], dtype)
    X_cols, y_all = X.astype(dtype), y
    epochs = {}
    for label, make, module in CONTENDERS:
        if available(module):
            epochs[label] = make(net, data, X_cols, y_all)
        else:
            print(f"  ({label}: {module} not installed, skipped)")
    times = {label: [] for label in epochs}
    for r in range(rounds + 1):
        for label, epoch in epochs.items():
            start = time.perf_counter()
            epoch()
            if r:                                 # round 0 warms up
                times[label].append(time.perf_counter() - start)
    reference = epochs["backprop"].weights()
    for label, epoch in epochs.items():         # all took the same steps
        if hasattr(epoch, "weights"):
            gap = max(float(np.max(np.abs(a - b))) for a, b in
                      zip(epoch.weights(), reference))
            print(f"  {name}: {label} ends {gap:.1e} from backprop's weights")
    base = statistics.median(times["floor"])
    return [(name, label, statistics.median(t), statistics.median(t) / base)
            for label, t in times.items()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds (a smoke test, not a measure)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and PyTorch threads (default: theirs)")
    args = parser.parse_args(argv)
    if args.threads and available("torch"):
        import torch
        torch.set_num_threads(args.threads)
    digits_rounds, mnist_rounds = (3, 2) if args.quick else (30, 9)

    import numpy
    print(f"date: {datetime.date.today().isoformat()}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.system()}; Python "
          f"{sys.version.split()[0]}, NumPy {numpy.__version__}, BLAS "
          f"threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}",
          end="")
    if available("torch"):
        import torch
        print(f", PyTorch {torch.__version__} "
              f"({torch.get_num_threads()} threads)", end="")
    if available("autograd"):
        from importlib.metadata import version
        print(f", autograd {version('autograd')}", end="")
    print()

    with fnnlab.use_backend("numpy"):
        digits = fnnlab.load_digits()
        Xd = fnnlab.to_numpy(digits.X_train)
        yd = fnnlab.to_numpy(digits.y_train).astype(np.int64)
    rng = np.random.default_rng(0)
    Xm = rng.random((4096, 784))
    ym = rng.integers(0, 10, 4096)

    rows = []
    for dtype in ("float64", "float32"):
        rows += run(f"digits 64-128-64-10 {dtype}", [64, 128, 64, 10],
                    dtype, Xd, yd, digits_rounds)
    rows += run("MNIST-sized 784-256-128-10 float32 (4096 samples)",
                [784, 256, 128, 10], "float32", Xm, ym, mnist_rounds)

    print()
    print("| network | contender | median s/epoch | ratio to floor |")
    print("|---|---|---|---|")
    for name, label, seconds, ratio in rows:
        print(f"| {name} | {label} | {seconds:.5f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
