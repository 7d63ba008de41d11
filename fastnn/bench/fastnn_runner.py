"""fastnn as a benchmark trainer, one implementation per back end (``fastnn-numba``, ``fastnn-numpy``, ...).

It drives the public API exactly as a user would (``Sequential`` / ``compile`` / ``set_weights`` /
``fit``), so the numbers include ``fit``'s validation and per-epoch bookkeeping.  The interface is
the one documented in :mod:`fastnn.bench.peers`.
"""
from __future__ import annotations

PREFIX = "fastnn-"


def implementation_names():
    """``["fastnn-numba", ..., "fastnn-numpy"]``, the available back ends first."""
    from fastnn import backends
    available = backends.available()
    return [PREFIX + b for b in available] + [PREFIX + b for b in backends.NAMES if b not in available]


def implementation(name):
    """The implementation object for ``fastnn-<backend>`` (see :class:`FastnnImplementation`)."""
    return FastnnImplementation(name[len(PREFIX):])


class FastnnImplementation:
    """Builds :class:`FastnnSequential` objects for one back end; same interface as a peer class."""

    def __init__(self, backend):
        self.backend = backend

    def unavailable(self):
        """Why this back end cannot run here, or ``None`` (loads only this back end)."""
        from fastnn import backends
        try:
            backends.resolve(self.backend)
        except (RuntimeError, ValueError) as exc:
            return f"fastnn back end {self.backend!r} unavailable: {exc}"
        return None

    def __call__(self, workload, X, y, weights, threads):
        return FastnnSequential(self.backend, workload, X, y, weights, threads)


class FastnnSequential:
    """``fastnn.Sequential`` on back end ``backend``, trained by ``fit(shuffle=False)``."""

    def __init__(self, backend, workload, X, y, weights, threads):
        import fastnn
        fastnn.set_num_threads(threads or "auto")
        self.X, self.y, self.batch_size = X, y, workload.batch_size
        layers = [fastnn.Dense(h, activation=workload.activation) for h in workload.sizes[1:-1]]
        self.net = fastnn.Sequential(layers + [fastnn.Dense(workload.sizes[-1])], input_dim=workload.sizes[0])
        self.net.compile(loss="softmax_cross_entropy", optimizer=fastnn.optim.SGD(lr=workload.lr),
                         backend=backend, dtype="float32", seed=0)
        self.net.set_weights([(W.copy(), b.copy()) for W, b in weights])

    def epochs(self, k):
        self.net.fit(self.X, self.y, epochs=k, batch_size=self.batch_size, shuffle=False, verbose=0)

    def weights(self):
        return self.net.get_weights()

    def threads_used(self):
        from fastnn import _threads
        return {"fastnn": _threads.threads_for(self.net._spec(), self.batch_size)}
