"""The Numba CPU back end: a whole training epoch in one compiled call, specialised per network.

Twin of :mod:`fastnn.backends.numpy_ref` (same contract, same maths; that module has the
formulas).  Design, from the measurements in ``benchmarks/results`` and ``shared/notes``:

* the Python interpreter is off the per-batch path: gather, forward, loss, backward, penalty
  and optimizer update of every mini-batch run inside one compiled call per epoch;
* one compiled kernel per network *specialisation* (its activations, loss, dropout and penalty;
  :mod:`fastnn.backends._numba_kernels`): the code for everything else is pruned before
  compilation, every inner loop is branch-free, and the same kernel also computes outputs,
  losses and gradients, so a first ``fit`` compiles once and ``predict``/``evaluate`` after it
  compile nothing.  Kernels are cached on disk;
* every matrix product is a BLAS call, made by symbol (:mod:`._numba_blas`), not through
  ``np.dot`` (whose overloads alone cost seconds of compile time and microseconds per call);
* one flat workspace per :class:`~._host_engine.HostEngine`, carved by offsets (:func:`plan`);
  nothing is allocated inside the batch loop.
"""
from __future__ import annotations

import numpy as np

from .. import activations as acts
from . import _host_engine, _jit
from . import _numba_blas as blas
from . import _numba_kernels as K
from ._host_engine import HostEngine

NAME = "numba"
PREDICT_CHUNK = 4096   # rows per forward pass in forward() and evaluate()
_NO_OPT = np.zeros((1, 16))   # one row of hyper-parameters, for the modes that update nothing
_NO_HISTORY = np.zeros((0, 2))  # per-epoch results, for the modes that train no epoch
_NO_WEIGHTS = np.zeros(0)     # "no sample weights" (always float64, so it types like weights)
IN, MASK, Z, A = range(4)     # columns of plan()'s offsets (the kernel's table has them last)


def plan(spec, rows, training=True, sparse_input=False):
    """Offsets of every buffer in the flat workspace for batches of ``rows`` rows.

    Returns ``(layers, y_off, d_off, d_len, length)``: ``layers`` (n_layers, 4) int64 holds the
    IN (layer input after dropout), MASK (its dropout scale mask), Z and A offsets of every layer
    (identity layers share A with Z; layers without dropout read the previous A); then come the
    gathered targets, two gradient ping-pong buffers of ``d_len`` values each (the widest layer
    output; no gradient of X is ever computed), the kernel's ``K.SCALARS`` scratch values, and
    the length.
    A ``sparse_input`` (a ``scipy.sparse`` X) is never staged: the first layer's IN is empty
    unless dropout on it needs the batch as a dense block.
    """
    n_layers = spec.n_layers
    layers = np.full((n_layers, 4), -1, np.int64)
    offset = 0
    for layer in range(n_layers):
        fan_in, fan_out = int(spec.sizes[layer]), int(spec.sizes[layer + 1])
        dropped = training and spec.drop[layer] > 0
        if layer == 0 or dropped:
            layers[layer, IN] = offset
            if dropped or not (layer == 0 and sparse_input):
                offset += rows * fan_in
        else:
            layers[layer, IN] = layers[layer - 1, A]
        if dropped:
            layers[layer, MASK] = offset
            offset += rows * fan_in
        layers[layer, Z] = offset
        offset += rows * fan_out
        if spec.act[layer] == acts.IDENTITY:
            layers[layer, A] = layers[layer, Z]
        else:
            layers[layer, A] = offset
            offset += rows * fan_out
    y_off = offset
    offset += rows * spec.n_out
    # the gradients are of layer outputs and of the inputs of layers 1.., never of X itself
    d_off, d_len = offset, rows * int(spec.sizes[1:].max())
    return layers, y_off, d_off, d_len, d_off + 2 * d_len + K.SCALARS


def layer_tables(spec, layers):
    """The kernel's per-layer tables: ``net`` (n_layers, 10) int64 (fan_in, fan_out, activation
    code, W/b/PReLU offsets in the flat buffer, then the workspace offsets ``layers`` of
    :func:`plan`) and ``netf`` (n_layers, 5) float64 (activation alpha, l1, l2, dropout rate,
    1 if the bias is trained)."""
    net = np.column_stack([spec.sizes[:-1], spec.sizes[1:], spec.act, spec.w_off, spec.b_off,
                           spec.p_off, layers]).astype(np.int64)
    netf = np.column_stack([spec.act_alpha, spec.l1, spec.l2, spec.drop,
                            spec.train_bias]).astype(np.float64)
    return np.ascontiguousarray(net), np.ascontiguousarray(netf)


class _Workspace:
    """The work buffer of one batch size, its plan and the network's kernel."""

    def __init__(self, spec, rows, dtype, training, sparse_input=False):
        layers, y_off, d_off, d_len, length = plan(spec, rows, training, sparse_input)
        self.work = np.empty(length, dtype)
        self.grad = np.empty(spec.n_params, dtype)
        self.blas_args = blas.arguments(dtype)
        self.ints = np.array([K.TRAIN, rows, 0, y_off, d_off, d_len, 0], np.int64)
        self.history = np.zeros((1, 2))     # one epoch's (loss sum, hits)
        self.per_row = np.empty(rows * max(4, spec.n_out))  # the kernel's float64 scratch
        self._layers = layers
        self._spec = self._tables = None
        self.training_rows = _host_engine.TrainingRows(dtype)

    def run(self, mode, spec, params, state, X, Y, orders, opts, step, seed, out, weights=None,
            history=_NO_HISTORY, older=None):
        """One kernel call (see :func:`fastnn.backends._numba_kernels.kernel`): one pass per
        row of ``orders`` (E, n) with the hyper-parameters of that row of ``opts`` (E, OPT_SIZE);
        ``X`` dense or ``scipy.sparse`` CSR, ``weights`` None or float64 (n,); ``history`` and
        ``older`` as the kernel's (training only)."""
        if spec is not self._spec:      # the same shapes, maybe new penalties or rates
            self._spec, self._tables = spec, layer_tables(spec, self._layers)
            self._key = K.specialisation(spec)
        if mode == K.TRAIN:
            variant = K.optimizer_variant(opts[0])
            rows_of_x = self.training_rows.of(spec, X)
        else:
            variant = None
            rows_of_x = self.training_rows.none
            if not params.flags.writeable:
                params = params.copy()  # e.g. a model unpickled from a read-only memory map
        if _host_engine.is_sparse(X):   # read only as its rows (training: cached per X)
            if mode != K.TRAIN:
                rows_of_x = _host_engine.sparse_rows(X)
            X = np.zeros((0, X.shape[1]), params.dtype)
        kernel = K.kernel_for(self._key, variant, rows_of_x[0].shape[0] > 0, weights is not None)
        self.ints[K.MODE], self.ints[K.STEP] = mode, step
        self.ints[K.PER_WEIGHT] = spec.penalty_per_weight
        args = (self.ints, *self._tables, params, state, _read_only(X), _read_only(Y), orders,
                opts, np.uint64(seed), self.work, self.grad, out, self.blas_args, rows_of_x,
                _NO_WEIGHTS if weights is None else weights, history,
                self.grad[:0] if older is None else older, self.per_row)
        return _jit.call(kernel, *args)


def _read_only(a):
    """A read-only view of ``a``: the kernel only reads its data, and always typing it read-only
    means a caller's read-only array (a memory map) does not compile a kernel of its own."""
    view = a.view()
    view.flags.writeable = False
    return view


def _inference(mode, spec, params, X, Y, out=None, weights=None):
    n = X.shape[0]
    space = _Workspace(spec, min(max(n, 1), PREDICT_CHUNK), params.dtype, False,
                       _host_engine.is_sparse(X))
    return space.run(mode, spec, params, _unused(params), X, Y, np.arange(n).reshape(1, n),
                     _NO_OPT, 0, 0, _unused(params) if out is None else out, weights)


def _unused(params):
    """A writable empty 2-D array of the parameter dtype, for the arguments a mode does not use
    (always the same array type, so no mode compiles a kernel of its own)."""
    return np.empty((0, 0), params.dtype)


# --- the back-end contract ---------------------------------------------------------------------------


def forward(spec, params, X, out):
    """Network outputs for ``X`` into ``out`` (see :mod:`fastnn.backends`)."""
    _inference(K.OUTPUTS, spec, params, X, _unused(params), out)
    return out


def evaluate(spec, params, X, Y, sample_weight=None):
    """Mean loss plus penalty and accuracy, without a gradient (see :mod:`fastnn.backends`)."""
    total, correct = _inference(K.LOSS, spec, params, X, Y, weights=sample_weight)
    n = X.shape[0]
    weight = n if sample_weight is None else float(np.sum(sample_weight))
    scale = 1.0 / weight if weight > 0 else 0.0
    data = total / n if sample_weight is None else total * scale
    return data + _penalty(spec, params) * (scale if spec.penalty_per_weight else 1.0), correct / n


def _penalty(spec, params):
    value = 0.0
    for layer in range(spec.n_layers):
        if spec.l1[layer] or spec.l2[layer]:
            W = params[int(spec.w_off[layer]):int(spec.b_off[layer])].astype(np.float64)
            value += spec.l1[layer] * np.abs(W).sum() + spec.l2[layer] * np.square(W).sum()
    return float(value)


def layer_outputs(spec, params, X):
    """Every layer's activations (see :mod:`fastnn.backends`)."""
    return _host_engine.layer_outputs(forward, spec, params, X)


def loss_and_grad(spec, params, X, Y, grad, sample_weight=None):
    """Mean loss plus penalty, gradient into ``grad`` (see :mod:`fastnn.backends`)."""
    n = X.shape[0]
    space = _Workspace(spec, n, params.dtype, False, _host_engine.is_sparse(X))
    space.grad = grad
    total, _ = space.run(K.GRADIENT, spec, params, _unused(params), X, Y,
                         np.arange(n).reshape(1, n), _NO_OPT, 0, 0, _unused(params), sample_weight)
    return total / n


def workspace(spec, batch_size, dtype, sparse_input=False):
    """The buffers :func:`train_epoch` needs for this batch size (one :class:`HostEngine` keeps
    them for its whole life); ``sparse_input``: the training set is a ``scipy.sparse`` matrix."""
    return _Workspace(spec, batch_size, dtype, True, sparse_input)


def train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed, sample_weight=None,
                buffers=None):
    """One epoch in one compiled call (see :mod:`fastnn.backends`); ``buffers`` from :func:`workspace`."""
    space = buffers if buffers is not None else workspace(spec, batch_size, params.dtype,
                                                          _host_engine.is_sparse(X))
    total, correct = space.run(K.TRAIN, spec, params, state, X, Y, _one_row(order, np.int64),
                               _one_row(opt, np.float64), step, seed, _unused(params),
                               sample_weight, space.history)
    n = order.shape[0]
    return total / n, correct / n


def _one_row(a, dtype):
    """``a`` as a C-contiguous (1, n) array (a view when it is contiguous already)."""
    return np.ascontiguousarray(a, dtype).reshape(1, -1)


def train_epochs(spec, params, state, X, Y, orders, batch_size, opts, step, seed, older,
                 sample_weight=None, buffers=None):
    """Several whole epochs in one compiled call (see :mod:`fastnn.backends`); ``buffers``
    from :func:`workspace`."""
    space = buffers if buffers is not None else workspace(spec, batch_size, params.dtype,
                                                          _host_engine.is_sparse(X))
    history = np.full((orders.shape[0], 2), np.nan)
    space.run(K.TRAIN, spec, params, state, X, Y, orders, opts, step, seed, _unused(params),
              sample_weight, history, older)
    return history / orders.shape[1]


def Engine(spec, params, state, X, Y, batch_size, sample_weight=None):
    """A :class:`~fastnn.backends._host_engine.HostEngine` whose work buffers live as long as it does."""
    return HostEngine(train_epoch, workspace, evaluate, spec, params, state, X, Y, batch_size,
                      sample_weight, train_epochs)
