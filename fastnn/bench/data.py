"""Benchmark data, initial weights and the common float64 check of a trained network.

Everything here is deterministic for a given seed, so every worker process (one per
implementation) rebuilds exactly the same arrays.  The data are shuffled once; training then
visits the batches ``X[i:i + batch_size]`` in order every epoch (the last partial batch kept),
which every implementation can reproduce.
"""
from __future__ import annotations

import numpy as np

DATA_SEED = 0
WEIGHT_SEED = 1


def _circle(n, rng):
    """TF-Playground "circle": class 1 inside radius 0.5, class 0 on the ring 0.7..1 (2 features)."""
    y = np.arange(n) % 2
    r = np.where(y == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    t = rng.uniform(0.0, 2 * np.pi, n)
    return np.column_stack([r * np.cos(t), r * np.sin(t)]), y


def _spiral(n, rng, n_classes=3):
    """CS231n three-arm spiral in the unit disc (2 features), arm index = label."""
    y = np.arange(n) % n_classes
    r = rng.uniform(0.0, 1.0, n)
    t = y * (2 * np.pi / n_classes) + 4.0 * r + rng.normal(0.0, 0.2, n)
    return np.column_stack([r * np.sin(t), r * np.cos(t)]), y


def _clusters(n, rng, n_in, n_classes):
    """Gaussian class clusters: unit-variance noise, centres about 3 noise std apart."""
    centres = rng.normal(0.0, 3.0 / np.sqrt(2 * n_in), (n_classes, n_in))
    y = np.arange(n) % n_classes
    return centres[y] + rng.normal(0.0, 1.0, (n, n_in)), y


def _mnist(n, mnist_path):
    """The first ``n`` MNIST images (flattened, scaled to [0, 1]) via ``fastnn.datasets.load_mnist``
    (``mnist_path`` None: the library's one lookup, :func:`fastnn.datasets.mnist_search_dirs`)."""
    from fastnn.datasets import load_mnist
    X, y = load_mnist(mnist_path)
    if len(X) < n:
        raise ValueError(f"MNIST at {mnist_path!r} has {len(X)} images; the workload needs {n}")
    return np.asarray(X[:n]).reshape(n, -1), np.asarray(y[:n])


def make_data(workload, mnist_path=None):
    """``(X, y)``: ``X`` float32 (n, n_in) C-contiguous, ``y`` int64 labels (n,), shuffled once."""
    rng = np.random.default_rng(DATA_SEED)
    n, n_in, n_out = workload.n_samples, workload.sizes[0], workload.sizes[-1]
    if workload.dataset == "circle":
        X, y = _circle(n, rng)
    elif workload.dataset == "spiral":
        X, y = _spiral(n, rng, n_out)
    elif workload.dataset == "clusters":
        X, y = _clusters(n, rng, n_in, n_out)
    elif workload.dataset == "mnist":
        X, y = _mnist(n, mnist_path)
    else:
        raise ValueError(f"unknown dataset {workload.dataset!r}; expected circle, spiral, clusters or mnist")
    if X.shape[1] != n_in:
        raise ValueError(f"{workload.name}: data has {X.shape[1]} features, the network expects {n_in}")
    perm = rng.permutation(n)
    return np.ascontiguousarray(X[perm], dtype=np.float32), np.ascontiguousarray(y[perm], dtype=np.int64)


def init_weights(sizes, seed=WEIGHT_SEED):
    """Glorot-uniform ``[(W, b), ...]``, ``W`` float32 (fan_in, fan_out), ``b`` zeros (fan_out,)."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)
        weights.append((W, np.zeros(fan_out, dtype=np.float32)))
    return weights


_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def check(weights, activation, X, y):
    """Mean softmax cross-entropy and accuracy of ``weights`` on ``(X, y)``, computed in float64.

    The same NumPy code scores every implementation, so a fast but wrong trainer shows up here.
    """
    act = _ACTIVATIONS[activation]
    h = np.asarray(X, dtype=np.float64)
    for i, (W, b) in enumerate(weights):
        z = h @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
        h = z if i == len(weights) - 1 else act(z)
    z = h - h.max(axis=1, keepdims=True)  # subtract the row max so exp never overflows
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(len(y)), y].mean()
    return float(loss), float((h.argmax(axis=1) == y).mean())
