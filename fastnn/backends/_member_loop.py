"""A population engine for any back end: every member trained by the back end's own ``Engine``,
one member after another within each epoch.

This is the population contract's plain implementation: the NumPy reference (the oracle the
numba population kernel is tested against), and the first version for the Cython and CUDA back
ends.  Members share nothing but the training set, so each member's epoch is exactly what ``fit``
runs for it.

The population engine contract (also kept by :mod:`fastnn.backends.numba_population`)
----------------------------------------------------------------------------------------
``PopulationEngine(module, specs, params, states, X, Y, rows, batch_size, weights=None)``
    ``specs`` one NetSpec per member (same shapes; penalties and dropout rates may differ),
    ``params`` (n_members, n_params) and ``states`` (n_members, 2, n_params) host arrays in the
    flat layout of :mod:`fastnn._spec`, ``rows`` each member's training rows of ``X``/``Y`` (None:
    all), ``batch_size`` shared; ``weights`` None or, per member, None or the sample weights of
    its rows (``fit``'s ``sample_weight``).
``epoch(orders, opts, steps, seeds) -> (loss, accuracy)``
    One epoch of every member whose ``orders[m]`` is not None (an order of its own rows, as
    ``fit`` passes its engine); ``opts`` (n_members, OPT_SIZE), ``steps`` and ``seeds`` per
    member.  Returns arrays over the members (NaN for members not trained).
``epochs(orders, opts, steps, seeds) -> (loss, accuracy)`` or None (optional; None where absent)
    Several whole epochs in one call: ``orders[m]`` None, (E, n) one order per epoch, or (n,)
    the same order every epoch; ``opts`` (E, n_members, OPT_SIZE), ``steps`` (E, n_members);
    ``(loss, accuracy)`` (E, n_members) when every trained member's losses and weights stayed
    finite, else None with every member back at its weights and state before the call (the
    caller trains those epochs again one at a time, which tells where a member failed).
``finite()``, ``snapshot()``, ``restore(m)``, ``get(m) -> (params, state)``, ``put(m, params)``
    Per member: weights finite, remember every member's weights and optimizer state, go back to
    them for member ``m``, copies of member ``m``'s arrays, new weights for member ``m``.
``rollback()``
    Every member back at the snapshot: after a successful ``epochs`` call, to before it (how
    blocks of members on threads undo a call that failed in another block).
``evaluate(X, Y) -> (loss, accuracy)`` and ``forward(X) -> (n_members, n, n_out)``
    Every member on the same rows, without dropout.
"""
from __future__ import annotations

import numpy as np


class PopulationEngine:
    """Per-member ``Engine`` objects of one back end (see the module docstring)."""

    def __init__(self, module, specs, params, states, X, Y, rows, batch_size, weights=None):
        self._module, self._specs = module, list(specs)
        weights = [None] * len(self._specs) if weights is None else list(weights)
        self._data = [(X, Y, w) if r is None else (X[r], Y[r], w) for r, w in zip(rows, weights)]
        self._batch_size = batch_size
        self._params = [np.array(p) for p in params]
        self._states = [np.array(s) for s in states]
        self._engines = [self._engine(m) for m in range(len(self._specs))]
        if any(getattr(engine, "epochs", None) is None for engine in self._engines):
            self.epochs = None          # see epochs()

    def _engine(self, m):
        X, Y, weights = self._data[m]
        return self._module.Engine(self._specs[m], self._params[m], self._states[m], X, Y,
                                   self._batch_size, weights)

    @property
    def n_members(self) -> int:
        return len(self._specs)

    def epoch(self, orders, opts, steps, seeds):
        loss = np.full(self.n_members, np.nan)
        accuracy = np.full(self.n_members, np.nan)
        for m, order in enumerate(orders):
            if order is not None:
                loss[m], accuracy[m] = self._engines[m].epoch(order, opts[m], int(steps[m]),
                                                              int(seeds[m]))
        return loss, accuracy

    def epochs(self, orders, opts, steps, seeds):
        """Whole epochs per member, each member's in one call of its engine's ``epochs`` (see
        :meth:`fastnn.backends.numba_population.PopulationEngine.epochs` for the arguments and
        the result); None, with every member as before the call, when one of them failed, or
        when a member's engine trains one epoch per call only (CUDA)."""
        n_epochs = opts.shape[0]
        loss = np.full((n_epochs, self.n_members), np.nan)
        accuracy = np.full((n_epochs, self.n_members), np.nan)
        trained = []
        try:
            for m, order in enumerate(orders):
                if order is None:
                    continue
                engine = self._engines[m]
                if getattr(engine, "epochs", None) is None:
                    return self._rolled_back(trained)
                trained.append((m, (engine.params.copy(), engine.state.copy())))
                rows = order if order.ndim == 2 else \
                    np.broadcast_to(order, (n_epochs, order.shape[0]))
                result = engine.epochs(np.ascontiguousarray(rows, np.int64),
                                       np.ascontiguousarray(opts[:, m], np.float64),
                                       int(steps[0, m]), int(seeds[m]))
                if result is None:
                    return self._rolled_back(trained)
                loss[:, m], accuracy[:, m] = result
        except BaseException:       # Ctrl-C between members: none has trained these epochs
            self._rolled_back(trained)
            raise
        for m, before in trained:   # the snapshot is left as before the call, as the lanes' is
            self._engines[m].set_snapshot(*before)
        return loss, accuracy

    def _rolled_back(self, trained):
        """None, with the members of ``trained`` ((member, (params, state)) before the call)
        back at those arrays, their snapshot too."""
        for m, (params, state) in trained:
            engine = self._engines[m]
            np.copyto(engine.params, params)
            np.copyto(engine.state, state)
            engine.snapshot()
        return None

    def rollback(self):
        for m in range(self.n_members):
            self.restore(m)

    def finite(self):
        return np.array([engine.params_finite() for engine in self._engines])

    def snapshot(self):
        for engine in self._engines:
            engine.snapshot()

    def restore(self, m):
        self._engines[m].restore()

    def get(self, m):
        self._engines[m].sync()
        return self._params[m].copy(), self._states[m].copy()

    def put(self, m, params):
        self._engines[m].sync()
        self._params[m] = np.array(params, dtype=self._params[m].dtype)
        self._states[m] = self._states[m].copy()
        self._engines[m] = self._engine(m)

    def _synced(self):
        for engine in self._engines:
            engine.sync()
        return self._params

    def evaluate(self, X, Y):
        results = [self._module.evaluate(spec, p, X, Y)
                   for spec, p in zip(self._specs, self._synced())]
        return tuple(np.array(column, dtype=np.float64) for column in zip(*results))

    def forward(self, X):
        params = self._synced()
        out = np.empty((self.n_members, X.shape[0], self._specs[0].n_out), params[0].dtype)
        for m, (spec, p) in enumerate(zip(self._specs, params)):
            self._module.forward(spec, p, X, out[m])
        return out
