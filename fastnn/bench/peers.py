"""Peer implementations of the benchmark training loop: PyTorch, JAX and scikit-learn.

Every trainer has the same small interface, shared with :mod:`fastnn.bench.fastnn_runner`:

``unavailable() -> str | None`` (classmethod)
    Why it cannot run here (e.g. ``"torch not installed"``), or ``None``.
``Peer(workload, X, y, weights, threads)``
    Builds the network ``workload.sizes`` from ``weights`` ``[(W (fan_in, fan_out), b), ...]``
    float32, with plain SGD at ``workload.lr``; ``X`` float32 (n, n_in), ``y`` int64 (n,).
``epochs(k)``
    Trains ``k`` epochs over the batches ``X[i:i + batch_size]`` in order and returns only when the
    work is done (device work synchronised).
``weights() -> [(W, b), ...]``
    The current weights as NumPy arrays in the same layout, for the common float64 check.
``threads_used() -> dict``
    The thread counts the library reports.

Each peer is written the way its users write it, with the per-batch overhead removed where the
library allows: batches are sliced once up front (no DataLoader), JAX steps are jitted.
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np


def _batches(n, batch_size):
    """Slices of the in-order batches, the last partial batch kept."""
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def _missing(*modules):
    """``"<module> not installed"`` for the first module that cannot be imported, else ``None``."""
    for name in modules:
        if importlib.util.find_spec(name) is None:
            return f"{name} not installed (pip install {name})"
    return None


class TorchEager:
    """PyTorch eager on the CPU: ``nn.Sequential`` of ``nn.Linear``, ``optim.SGD``, ``CrossEntropyLoss``."""

    device = "cpu"

    @classmethod
    def unavailable(cls):
        return _missing("torch")

    def __init__(self, workload, X, y, weights, threads):
        import torch
        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[workload.activation]
        layers = []
        for i, (W, b) in enumerate(weights):
            linear = torch.nn.Linear(*W.shape)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                linear.bias.copy_(torch.from_numpy(b))
            layers += [linear] if i == len(weights) - 1 else [linear, act()]
        self.model = torch.nn.Sequential(*layers).to(self.device)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=workload.lr)
        self.loss = torch.nn.CrossEntropyLoss()
        Xt, yt = torch.from_numpy(X).to(self.device), torch.from_numpy(y).to(self.device)
        self.batches = [(Xt[s], yt[s]) for s in _batches(len(X), workload.batch_size)]

    def epochs(self, k):
        for _ in range(k):
            for xb, yb in self.batches:
                self.opt.zero_grad(set_to_none=True)
                self.loss(self.model(xb), yb).backward()
                self.opt.step()
        self._sync()

    def _sync(self):
        """Nothing to wait for on the CPU."""

    def weights(self):
        linears = [m for m in self.model if isinstance(m, self.torch.nn.Linear)]
        return [(m.weight.detach().cpu().numpy().T, m.bias.detach().cpu().numpy()) for m in linears]

    def threads_used(self):
        return {"torch": self.torch.get_num_threads()}


class TorchCuda(TorchEager):
    """PyTorch eager on the first CUDA GPU; each ``epochs`` call ends with ``cuda.synchronize``."""

    device = "cuda"

    @classmethod
    def unavailable(cls):
        missing = _missing("torch")
        if missing:
            return missing
        import torch
        return None if torch.cuda.is_available() else "no GPU (torch.cuda.is_available() is False)"

    def _sync(self):
        self.torch.cuda.synchronize()

    def threads_used(self):
        return {"torch": self.torch.get_num_threads(), "gpu": self.torch.cuda.get_device_name()}


def _jax_sgd_step(activation, lr):
    """``step(params, xb, yb) -> params``: one SGD step of the MLP under softmax cross-entropy."""
    import jax
    import jax.numpy as jnp
    act = {"tanh": jnp.tanh, "relu": jax.nn.relu}[activation]

    def loss(params, xb, yb):
        h = xb
        for W, b in params[:-1]:
            h = act(h @ W + b)
        W, b = params[-1]
        log_p = jax.nn.log_softmax(h @ W + b)
        return -jnp.mean(jnp.take_along_axis(log_p, yb[:, None], axis=1))

    def step(params, xb, yb):
        grads = jax.grad(loss)(params, xb, yb)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)

    return step


class JaxStep:
    """JAX on the CPU, one jitted SGD step per batch (a second compile for the last partial batch)."""

    @classmethod
    def unavailable(cls):
        return _missing("jax", "jaxlib")

    def __init__(self, workload, X, y, weights, threads):
        import jax
        jax.config.update("jax_platforms", "cpu")
        self.jax = jax
        self.params = [(jax.numpy.asarray(W), jax.numpy.asarray(b)) for W, b in weights]
        self.step = jax.jit(_jax_sgd_step(workload.activation, workload.lr))
        self._prepare(X, y.astype(np.int32), workload.batch_size)

    def _prepare(self, X, y, batch_size):
        self.batches = [(self.jax.numpy.asarray(X[s]), self.jax.numpy.asarray(y[s]))
                        for s in _batches(len(X), batch_size)]

    def epochs(self, k):
        for _ in range(k):
            for xb, yb in self.batches:
                self.params = self.step(self.params, xb, yb)
        self.jax.block_until_ready(self.params)

    def weights(self):
        return [(np.asarray(W), np.asarray(b)) for W, b in self.params]

    def threads_used(self):
        return {"xla_flags": os.environ.get("XLA_FLAGS", "")}


class JaxScan(JaxStep):
    """JAX on the CPU, the whole epoch's full batches in one jitted ``lax.scan``, then the tail step."""

    def _prepare(self, X, y, batch_size):
        jnp, lax = self.jax.numpy, self.jax.lax
        step = self.step
        n_full = len(X) // batch_size
        cut = n_full * batch_size
        self.Xs = jnp.asarray(X[:cut].reshape(n_full, batch_size, -1))
        self.ys = jnp.asarray(y[:cut].reshape(n_full, batch_size))
        self.tail = (jnp.asarray(X[cut:]), jnp.asarray(y[cut:])) if cut < len(X) else None

        def epoch(params, Xs, ys):
            return lax.scan(lambda p, xy: (step(p, *xy), None), params, (Xs, ys))[0]

        self.epoch = self.jax.jit(epoch)

    def epochs(self, k):
        for _ in range(k):
            self.params = self.epoch(self.params, self.Xs, self.ys)
            if self.tail is not None:
                self.params = self.step(self.params, *self.tail)
        self.jax.block_until_ready(self.params)


class SklearnMLP:
    """scikit-learn ``MLPClassifier(solver="sgd")``, one ``partial_fit`` per epoch.

    Starts from the common weights (overwritten after a first ``partial_fit`` that only builds the
    layers).  With 2 classes sklearn has one logistic output; it gets the equivalent head
    ``w1 - w0`` (same function), but its gradient steps then differ from the softmax peers'.
    """

    @classmethod
    def unavailable(cls):
        return _missing("sklearn")

    def __init__(self, workload, X, y, weights, threads):
        from sklearn.neural_network import MLPClassifier
        self.X, self.y, self.n_out = X, y, workload.sizes[-1]
        self.clf = MLPClassifier(
            hidden_layer_sizes=tuple(workload.sizes[1:-1]), activation=workload.activation,
            solver="sgd", alpha=0.0, batch_size=workload.batch_size, learning_rate="constant",
            learning_rate_init=workload.lr, momentum=0.0, nesterovs_momentum=False, shuffle=False)
        self.clf.partial_fit(X[:workload.batch_size], y[:workload.batch_size], classes=np.arange(self.n_out))
        coefs = [W.copy() for W, _ in weights]
        intercepts = [b.copy() for _, b in weights]
        if self.n_out == 2:
            coefs[-1] = coefs[-1][:, 1:] - coefs[-1][:, :1]
            intercepts[-1] = intercepts[-1][1:] - intercepts[-1][:1]
        self.clf.coefs_, self.clf.intercepts_ = coefs, intercepts

    def epochs(self, k):
        for _ in range(k):
            self.clf.partial_fit(self.X, self.y)

    def weights(self):
        pairs = list(zip(self.clf.coefs_, self.clf.intercepts_))
        if self.n_out == 2:  # logits (0, z) give softmax probability sigmoid(z) for class 1
            W, b = pairs[-1]
            pairs[-1] = (np.hstack([np.zeros_like(W), W]), np.concatenate([np.zeros_like(b), b]))
        return pairs

    def threads_used(self):
        return {}


PEERS = {
    "torch-eager": TorchEager,
    "torch-cuda": TorchCuda,
    "jax-step": JaxStep,
    "jax-scan": JaxScan,
    "sklearn": SklearnMLP,
}
"""Peer name -> trainer class."""
