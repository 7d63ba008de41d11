"""Kernel back ends, chosen in one place.

Every back end is a module with the same functions and the same meaning (the contract).  Arrays
are C-contiguous and of the parameter dtype (float32 or float64); the model layer validates and
converts them once per call, so kernels trust their inputs.  ``X`` may also be a ``scipy.sparse``
CSR matrix of that dtype (sorted indices, no duplicates): the CPU back ends then read it only as
its rows (never densified), the CUDA back end densifies it a batch at a time.  ``sample_weight``
is None or a float64 (n,) array of non-negative weights, one per row of ``X``: every mean loss
(of a batch, or of all rows) becomes ``sum w_i l_i / sum w_i`` and its gradient follows (see
:mod:`fastnn._spec` for the penalty); accuracies stay unweighted.

``forward(spec, params, X, out)``
    Network outputs for ``X`` (n, n_in) into ``out`` (n, n_out): the last layer's activation
    (raw logits for the cross-entropy and hinge losses, whose output layer is linear).
``evaluate(spec, params, X, Y, sample_weight=None) -> (loss, accuracy)``
    Mean loss over the rows plus the L1/L2 penalty, without dropout and without a gradient, and
    the accuracy (the fraction of output units classified right, argmax for softmax; 0 for mse).
``layer_outputs(spec, params, X) -> list``
    The activations ``A`` of every layer on ``X``, as (n, width) arrays; the last is ``forward``'s.
``loss_and_grad(spec, params, X, Y, grad, sample_weight=None) -> float``
    Mean loss over the rows plus the L1/L2 penalty, without dropout; the gradient with respect
    to every parameter is written into ``grad`` (same layout as ``params``).
``train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed, sample_weight=None)``
    One whole epoch in one call: for every batch ``order[k:k+batch_size]`` the forward pass,
    the loss, the backward pass, the penalty and the optimizer update.  Batch ``b`` is optimizer
    step ``t = step + b + 1`` (Adam's bias correction, AdaGrad's decay, the dropout hash use it).
    ``state`` is the optimizer state, shape (2, n_params); ``opt`` the float64 hyper-parameter
    vector (slots ``fastnn._spec.OPT_*``); ``seed`` an unsigned 64-bit dropout seed.  Returns
    ``(loss, accuracy)``: the mean over samples of each batch's loss (with penalty) and the
    running training accuracy.
``train_epochs(spec, params, state, X, Y, orders, batch_size, opts, step, seed, older, ...)``
    Optional (numba; the other CPU back ends' engines call ``train_epoch`` per epoch instead):
    several epochs in one call, epoch ``e`` over ``orders[e]`` with ``opts[e]``
    and steps from ``step + e * batches``; it writes the weights and optimizer state before the
    last epoch into ``older`` (params then state, flat) and stops after an epoch whose loss is
    not finite.  Returns the per-epoch ``(loss, accuracy)`` rows, NaN for epochs not trained.
``Engine(spec, params, state, X, Y, batch_size, sample_weight=None)``
    The back end's side of a training run: holds ``params``, ``state`` and the training set where
    the kernels want them (host memory, or the GPU) and every work buffer, allocated once.
    ``epoch(order, opt, step, seed)`` trains one epoch (or any list of rows: one batch is an
    ``order`` of ``batch_size`` rows); ``epochs(orders, opts, step, seed)`` trains whole epochs
    in one call, row ``e`` of ``orders`` (E, n) with ``opts[e]`` (E, OPT_SIZE), and returns their
    ``(losses, accuracies)``, or None with everything as before the call if a loss or weight
    stopped being finite (None instead of a method where the engine has no such call: cuda);
    ``params_finite()``, ``snapshot()``/``restore(older)``
    (the last good weights and optimizer state, or with ``older=True`` the snapshot before it),
    ``set_spec(spec)`` (train on with new activations, penalties or dropout rates of the same
    shapes), ``evaluate()`` (``evaluate`` on the training set at the current weights, from the
    data where the engine keeps it) and ``sync()`` (make ``params`` and ``state`` on the host
    current; training may go on after it; a no-op for CPU back ends).

``spec`` is a :class:`fastnn._spec.NetSpec`.  Dropout masks come from a counter-based hash of
(seed, step, sample index, layer, unit), so every back end draws the same masks and results can be
compared exactly.  Selection order: the ``backend=`` argument, then ``$FASTNN_BACKEND``, then
``auto`` (numba, then cython, then numpy).
"""
from __future__ import annotations

import importlib
import os

NAMES = ("numba", "cython", "cuda", "numpy")
AUTO_ORDER = ("numba", "cython", "numpy")
_MODULES = {"numba": "numba_cpu", "cython": "cython_cpu", "cuda": "numba_cuda", "numpy": "numpy_ref"}
_HOW_TO_GET = {
    "numba": 'pip install numba',
    "cython": 'reinstall fastnn on a machine with a C compiler (pip install --force-reinstall fastnn)',
    "cuda": 'pip install "fastnn[cuda]" on a machine with an NVIDIA GPU and driver',
    "numpy": 'pip install numpy',
}
CONTRACT = ("forward", "evaluate", "layer_outputs", "loss_and_grad", "train_epoch", "Engine")
_cache: dict = {}


def _load(name: str):
    """Import a back end once; return ``(module or None, reason it is unavailable or '')``."""
    if name not in _cache:
        try:
            module = importlib.import_module(f".{_MODULES[name]}", __name__)
            check = getattr(module, "availability", None)
            ok, reason = check() if check else (True, "")
            _cache[name] = (module if ok else None, reason)
        except ImportError as exc:
            _cache[name] = (None, f"{exc}")
        except (OSError, RuntimeError) as exc:     # e.g. llvmlite's shared library fails to load
            _cache[name] = (None, f"its import failed, so the installation looks broken "
                                  f"({type(exc).__name__}: {exc})")
    return _cache[name]


def status() -> dict:
    """``{name: (available, reason)}`` for every back-end name (reason is '' when available)."""
    return {name: (_load(name)[0] is not None, _load(name)[1]) for name in NAMES}


def available() -> list:
    """Names of the back ends that work on this machine, fastest first."""
    return [name for name in NAMES if _load(name)[0] is not None]


def resolve(name=None) -> str:
    """The back-end name to use for ``name`` (None or 'auto' picks the first available)."""
    if name is None:        # an empty or blank variable means unset
        name = os.environ.get("FASTNN_BACKEND", "").strip() or "auto"
    if not isinstance(name, str):
        raise TypeError(f"backend must be a string, got {type(name).__name__}")
    name = name.lower()
    if name == "auto":
        return next(n for n in AUTO_ORDER if _load(n)[0] is not None)
    if name not in _MODULES:
        raise ValueError(f"unknown backend {name!r}; expected one of {list(NAMES) + ['auto']}")
    module, reason = _load(name)
    if module is None:
        raise RuntimeError(f"backend {name!r} is not available on this machine: {reason}. "
                           f"To get it: {_HOW_TO_GET[name]}. Available here: {available()}")
    return name


def get_backend(name=None):
    """The back-end module for ``name`` (see :func:`resolve`)."""
    return _load(resolve(name))[0]


def population_engine(name, specs, params, states, X, Y, rows, batch_size, weights=None):
    """The population engine of back end ``name`` (see :mod:`fastnn.backends._member_loop` for
    its contract): numba's kernel that trains every member at once, or for the other back ends
    their own ``Engine`` run member by member.  ``weights`` (None, or per member None or the
    sample weights of its rows) are trained member by member on every back end."""
    module = get_backend(name)
    if resolve(name) == "numba":
        from .. import _threads
        from . import numba_population as NP
        setting = _threads.get_num_threads()
        cores = _threads.available_cores() if setting == _threads.AUTO else setting
        n_rows = max(X.shape[0] if r is None else len(r) for r in rows)
        lanes = NP.lanes_for(specs, batch_size, weights, params.dtype.itemsize)
        blocks = NP.blocks_for(specs[0], len(specs), n_rows, cores, lanes)
        if blocks > 1:
            return NP.BlockedEngine(blocks, specs, params, states, X, Y, rows, batch_size,
                                    weights, lanes)
        return NP.PopulationEngine(specs, params, states, X, Y, rows, batch_size, weights)
    from ._member_loop import PopulationEngine
    return PopulationEngine(module, specs, params, states, X, Y, rows, batch_size, weights)
