"""The ``population`` group of ``fastnn bench``: many networks at once, and a grid search.

Populations: ``M`` copies of a headline network (``tiny`` x 256, ``small`` x 64), each from its
own initial weights (fastnn's init with seeds 0..M-1), trained with plain SGD on the same batches
in the same order (no shuffle, as every headline run), by

``fastnn-population``  one ``fastnn.train_many`` call (the numba population kernel);
``fastnn-one-by-one``  a loop of ``Sequential.compile`` + ``fit``, one member after another;
``torch-func``         PyTorch's model ensembling: ``stack_module_state`` + ``vmap`` of
                       ``grad(functional_call)``, one SGD step per batch;
``jax-vmap``           JAX: a jitted ``vmap`` over the members of a ``lax.scan`` over the epoch's
                       batches (plus one step for a last partial batch).

The rate is in *model-samples/s*: members x samples x epochs per second of a whole run (for
fastnn everything a user's call does: building the members, training, gathering them).  Every
implementation's members end at the same weights (the check column: their mean float64 loss).

Grid search: 24 candidates x 3 folds of ``MLPClassifier(hidden_layer_sizes=(64,))`` on 2,000
spiral samples, fastnn's ``GridSearchCV`` against scikit-learn's ``GridSearchCV(MLPClassifier(),
n_jobs=-1)`` on the same grid, both searches with the same seeds; best scores side by side.
"""
from __future__ import annotations

import copy
import os
import time

import numpy as np

from . import data
from .workloads import MAIN

POPULATIONS = {"pop-tiny": ("tiny", 256), "pop-small": ("small", 64)}
IMPLS = ("fastnn-population", "fastnn-one-by-one", "torch-func", "jax-vmap")
GRID = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2], "learning_rate_init": [1e-3, 3e-3, 1e-2],
        "activation": ["relu", "tanh"]}
GRID_SAMPLES, GRID_FOLDS, GRID_HIDDEN, GRID_MAX_ITER = 2000, 3, 64, 100


def _cpus():
    """How many CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _net(wl, backend="numba", seed=None, fastnn=None):
    """The workload's network compiled as the bench trains it; ``fastnn`` another copy of the
    package to build it with (benchmarks/ab_revision.py), else this one."""
    if fastnn is None:
        import fastnn
    net = fastnn.Sequential([fastnn.Dense(s, activation=wl.activation) for s in wl.sizes[1:-1]]
                            + [fastnn.Dense(wl.sizes[-1])], input_dim=wl.sizes[0])
    net.compile("softmax_cross_entropy", fastnn.optim.SGD(lr=wl.lr), backend=backend,
                dtype="float32", seed=seed)
    return net


def initial_weights(wl, n_members):
    """Every member's initial ``[(W, b), ...]``: fastnn's initialisation with seed ``m``."""
    return [_net(wl, "numpy", seed=m).get_weights() for m in range(n_members)]


class FastnnPopulation:
    """One ``train_many`` call per run."""

    def __init__(self, wl, X, y, weights):
        import fastnn
        self.fastnn, self.wl, self.X, self.y = fastnn, wl, X, y
        self.template = _net(wl)
        self.configs = [{"seed": m} for m in range(len(weights))]
        self.pop = None

    def run(self, epochs):
        self.pop = self.fastnn.train_many(self.template, self.X, self.y, self.configs,
                                          epochs=epochs, batch_size=self.wl.batch_size,
                                          shuffle=False)

    def weights(self):
        return [m.get_weights() for m in self.pop]


class FastnnOneByOne:
    """A loop over the members: build, compile (the same seeded init), ``fit``."""

    def __init__(self, wl, X, y, weights):
        self.wl, self.X, self.y, self.n = wl, X, y, len(weights)
        self.models = []

    def run(self, epochs):
        self.models = []
        for m in range(self.n):
            net = _net(self.wl, seed=m)
            net.fit(self.X, self.y, epochs=epochs, batch_size=self.wl.batch_size, shuffle=False)
            self.models.append(net)

    def weights(self):
        return [m.get_weights() for m in self.models]


class TorchFunc:
    """``torch.func`` model ensembling (PyTorch's tutorial), plain SGD per batch."""

    def __init__(self, wl, X, y, weights):
        import torch
        from torch.func import functional_call, grad, stack_module_state, vmap
        torch.set_num_threads(_cpus())   # the CPUs this worker is pinned to (--threads)
        self.torch, self.wl, self.start = torch, wl, weights
        act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[wl.activation]

        def model(ws):
            layers = []
            for i, (W, b) in enumerate(ws):
                linear = torch.nn.Linear(*W.shape)
                with torch.no_grad():
                    linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                    linear.bias.copy_(torch.from_numpy(b))
                layers += [linear] if i == len(ws) - 1 else [linear, act()]
            return torch.nn.Sequential(*layers)

        self.make = lambda: stack_module_state([model(ws) for ws in weights])
        base = copy.deepcopy(model(weights[0])).to("meta")

        def loss(params, buffers, xb, yb):
            out = functional_call(base, (params, buffers), (xb,))
            return torch.nn.functional.cross_entropy(out, yb)

        self.grads = vmap(grad(loss), in_dims=(0, 0, None, None))
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        self.batches = [(Xt[i:i + wl.batch_size], yt[i:i + wl.batch_size])
                        for i in range(0, len(X), wl.batch_size)]
        self.params = None

    def run(self, epochs):
        params, buffers = self.make()
        with self.torch.no_grad():
            for _ in range(epochs):
                for xb, yb in self.batches:
                    grads = self.grads(params, buffers, xb, yb)
                    for key in params:
                        params[key] -= self.wl.lr * grads[key]
        self.params = params

    def weights(self):
        keys = list(self.params)
        n = self.params[keys[0]].shape[0]
        pairs = [(keys[i], keys[i + 1]) for i in range(0, len(keys), 2)]
        return [[(self.params[w][m].detach().numpy().T, self.params[b][m].detach().numpy()) for w, b in pairs]
                for m in range(n)]


class JaxVmap:
    """JAX: ``jit(vmap(epoch))`` where an epoch is a ``lax.scan`` over the full batches."""

    def __init__(self, wl, X, y, weights):
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_platforms", "cpu")
        from .peers import _jax_sgd_step
        self.jax, self.wl = jax, wl
        step = _jax_sgd_step(wl.activation, wl.lr)
        n_full = len(X) // wl.batch_size
        cut = n_full * wl.batch_size
        Xs = jnp.asarray(X[:cut].reshape(n_full, wl.batch_size, -1))
        ys = jnp.asarray(y[:cut].astype(np.int32).reshape(n_full, wl.batch_size))
        tail = (jnp.asarray(X[cut:]), jnp.asarray(y[cut:].astype(np.int32))) if cut < len(X) \
            else None

        def epoch(params):
            params = jax.lax.scan(lambda p, xy: (step(p, *xy), None), params, (Xs, ys))[0]
            return step(params, *tail) if tail is not None else params

        self.epoch = jax.jit(jax.vmap(epoch))
        self.start = [tuple((jnp.asarray(np.stack([ws[i][0] for ws in weights])),
                             jnp.asarray(np.stack([ws[i][1] for ws in weights])))
                      for i in range(len(weights[0])))]
        self.params = None

    def run(self, epochs):
        params = self.start[0]
        for _ in range(epochs):
            params = self.epoch(params)
        self.params = self.jax.block_until_ready(params)

    def weights(self):
        n = self.params[0][0].shape[0]
        return [[(np.asarray(W[m]), np.asarray(b[m])) for W, b in self.params] for m in range(n)]


TRAINERS = {"fastnn-population": FastnnPopulation, "fastnn-one-by-one": FastnnOneByOne,
            "torch-func": TorchFunc, "jax-vmap": JaxVmap}
MISSING = {"torch-func": "torch", "jax-vmap": "jax"}


def measure_population(impl, name, repeats=3, members=None):
    """One row: ``impl`` on population workload ``name`` (see the module docstring).

    Every implementation trains the workload's check epochs (tiny 20, small 3) per run: the same
    work, so the rates compare and the members end at the same weights.  A first run of one epoch
    compiles (numba, XLA...); the median of ``repeats`` runs is reported.
    """
    import importlib.util
    wl_name, n_members = POPULATIONS[name]
    n_members = members or n_members
    wl = MAIN[wl_name]
    row = {"impl": impl, "workload": name, "members": n_members, "network": wl.label,
           "group": "population"}
    if impl in MISSING and importlib.util.find_spec(MISSING[impl]) is None:
        return {**row, "status": "skipped", "reason": f"{MISSING[impl]} not installed"}
    X, y = data.make_data(wl)
    trainer = TRAINERS[impl](wl, X, y, initial_weights(wl, n_members))
    t0 = time.perf_counter()
    trainer.run(1)
    first = time.perf_counter() - t0
    epochs = wl.check_epochs
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        trainer.run(epochs)
        times.append(time.perf_counter() - t0)
    rate = n_members * len(X) * epochs / float(np.median(times))
    losses = [data.check(w, wl.activation, X, y)[0] for w in trainer.weights()]
    return {**row, "status": "ok", "epochs": epochs, "first_run_s": first,
            "run_s": sorted(times), "model_samples_per_s": rate,
            "gflops": rate * wl.flop_per_sample / 1e9,
            "check": {"epochs": epochs, "mean_loss": float(np.mean(losses)),
                      "member0_loss": float(losses[0])}}


def _grid_data():
    from dataclasses import replace
    wl = replace(MAIN["small"], n_samples=GRID_SAMPLES, sizes=(2, GRID_HIDDEN, 3))
    X, y = data.make_data(wl)
    return X.astype(np.float64), y


def measure_grid_search(impl):
    """One row: fastnn's or scikit-learn's GridSearchCV on the grid of the module docstring
    (the search run twice: the first includes compiling; the second is reported)."""
    import warnings
    X, y = _grid_data()
    params = dict(hidden_layer_sizes=(GRID_HIDDEN,), max_iter=GRID_MAX_ITER, random_state=0)
    if impl == "fastnn":
        import fastnn
        from fastnn.model_selection import GridSearchCV
        make = lambda: GridSearchCV(fastnn.MLPClassifier(**params), GRID, cv=GRID_FOLDS)  # noqa: E731
    else:
        from sklearn.model_selection import GridSearchCV
        from sklearn.neural_network import MLPClassifier
        make = lambda: GridSearchCV(MLPClassifier(**params), GRID, cv=GRID_FOLDS, n_jobs=-1)  # noqa: E731
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            search = make()
            t0 = time.perf_counter()
            search.fit(X, y)
            times.append(time.perf_counter() - t0)
    return {"impl": f"{impl}-gridsearch", "workload": "grid-24x3", "group": "population",
            "status": "ok", "first_s": times[0], "seconds": times[1],
            "best_score": float(search.best_score_), "best_params": search.best_params_,
            "candidates": len(search.cv_results_["params"]), "folds": GRID_FOLDS}
