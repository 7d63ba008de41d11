"""The CUDA back end: a whole training run on the GPU, with Numba's ``numba.cuda`` (numba-cuda).

Twin of :mod:`fastnn.backends.numba_cpu` (same contract, same maths, same dropout hash, same
optimizer rules; the kernels are in :mod:`fastnn.backends._cuda_kernels`).  Design, from the
launch-overhead measurements in ``shared/notes`` (5-15 us a launch from Python, so launches, not
FLOPs, bound small networks):

* residency: :class:`Engine` copies the flat parameter buffer, the optimizer state and the
  training set to the device once per ``fit``; an epoch uploads the permutation and one small
  ``hyper`` vector (optimizer settings + zeroed counters) and downloads that vector once at the
  end (loss sum, number correct, non-finite flag).  No host<->device copy happens per batch.
* narrow networks (every width <= ``FUSED_MAX_WIDTH``) with small batches
  (:func:`epoch_in_one_block`): **one launch per epoch**, a single block that loops over the
  batches (forward + loss + backward of its row tiles, a block barrier, every parameter's update,
  a barrier); one block needs no grid-wide synchronisation, and one SM is plenty for such a batch.
* other narrow networks: **2 launches per mini-batch**, a fused forward + loss + backward kernel
  over row tiles (activations kept in shared memory across layers, tiny-cuda-nn style) and one
  update kernel over the whole flat buffer that sums each parameter's gradient over the batch,
  adds the penalty and applies the optimizer.
* wider networks: per layer and product either cuBLAS through CuPy (large layers, see
  :mod:`._cuda_gemm`; the bias, activation and dropout then run in an epilogue kernel) or a tiled
  shared-memory kernel with that epilogue fused; then the loss kernel and the same update kernel.

* sample weights live on the device beside the training set; each batch's gradient scale
  (1 / its weight sum) is computed on the host, which has the weights and the order, and passed
  with the launch (the one-block epoch kernel sums them itself).
* a ``scipy.sparse`` X is densified per batch on the host and only the batch goes to the device
  (the kernels then read X by batch row; dropout masks stay keyed by sample).

The launch sizes below are module constants; under Numba's CUDA simulator, which runs every CUDA
thread as a Python thread, they are small (stumpy's trick), so the simulator stays usable.
"""
from __future__ import annotations

import numpy as np

from .. import _spec as S
from . import _host_engine

try:
    from numba import config as _numba_config
    from numba import cuda

    from . import _cuda_device as D
    from . import _cuda_gemm
    from . import _cuda_kernels as K
    _IMPORT_ERROR = ""
except ImportError as exc:          # numba or numba-cuda missing: report, never break the import
    cuda = D = K = _cuda_gemm = None
    _IMPORT_ERROR = f"numba-cuda is not installed ({exc})"

NAME = "cuda"
TILE = 16              # T x T tiles of the wide-layer products (256 threads a block)
FUSED_MAX_WIDTH = 64   # widest layer the fused kernels keep in shared memory
FUSED_ROWS = 8         # rows per block of the per-batch fused kernel ...
EPOCH_ROWS = 16        # ... and per row tile of the one-block epoch kernel
FUSED_THREADS = 32     # most threads per row (a warp strides over the units)
EPOCH_MAX_WORK = 1 << 19   # batch rows x parameters up to which one block trains a whole epoch
UPDATE_THREADS = 256   # threads per block of the update kernel
ELEMENT_THREADS = 256  # threads per block of the element-wise kernels (gather, epilogue)
LOSS_THREADS = 128     # threads per block of the loss kernel (one per row)
PREDICT_CHUNK = 65536  # rows per forward launch in ``forward``
DENSE_CHUNK = 1 << 24  # most values of a sparse X densified at once by ``forward``
if cuda is not None and _numba_config.ENABLE_CUDASIM:   # every simulated thread is a Python thread
    TILE, FUSED_ROWS, EPOCH_ROWS, FUSED_THREADS = 4, 4, 4, 2
    UPDATE_THREADS, ELEMENT_THREADS, LOSS_THREADS = 32, 32, 8
gemm_provider = _cuda_gemm.provider if _cuda_gemm else None
"""Makes the object that runs cuBLAS products (None: tiled kernels only); tests substitute it."""


def availability():
    """``(True, '')`` when a CUDA device is usable (or the simulator is on), else ``(False, why)``."""
    if cuda is None:
        return False, _IMPORT_ERROR
    if _numba_config.ENABLE_CUDASIM:
        return True, ""
    if "numba_cuda" not in (cuda.__file__ or ""):     # NVIDIA's package redirects numba.cuda
        return False, ("numba.cuda is numba's deprecated built-in CUDA target (it crashes on "
                       "current drivers); NVIDIA's numba-cuda package is not installed")
    if cuda.is_available():
        return True, ""
    try:
        cuda.current_context()
    except Exception as exc:        # CudaSupportError (no driver) or CudaDriverError (no device)
        return False, f"no usable CUDA GPU: {' '.join(str(exc).split()).rstrip(' :')}"
    return False, "no usable CUDA GPU: numba.cuda.is_available() is False"


def _cdiv(a, b):
    return -(-a // b)


def is_narrow(spec) -> bool:
    """Whether every layer fits the fused kernels' shared buffers (width <= FUSED_MAX_WIDTH)."""
    return int(spec.sizes.max()) <= FUSED_MAX_WIDTH


def epoch_in_one_block(spec, batch_size) -> bool:
    """Whether one block trains a whole epoch in one launch: a narrow network whose batches are
    small (``batch_size * n_params <= EPOCH_MAX_WORK``).  Larger batches spread over many blocks
    per batch instead, because one SM's share of a batch then outweighs two launches a batch.

    >>> from fastnn import _spec
    >>> tiny = _spec.make_spec([2, 8, 8, 2], [_spec.TANH] * 2 + [_spec.IDENTITY])
    >>> epoch_in_one_block(tiny, 10), epoch_in_one_block(tiny, 100_000)
    (True, False)
    """
    return is_narrow(spec) and batch_size * spec.n_params <= EPOCH_MAX_WORK


def threads_per_row(spec) -> int:
    """Threads per row of the fused kernels: the widest layer rounded up to a power of two, at
    most FUSED_THREADS (narrow layers leave no thread idle in every row)."""
    widest = int(spec.sizes.max())
    return min(FUSED_THREADS, 1 << max(widest - 1, 0).bit_length())


class _Device:
    """The device arrays one run works on (``grad``/``state``/``W`` may be 1-element dummies)."""

    def __init__(self, params, grad, state, X, Y, order, hyper, W):
        self.params, self.grad, self.state = params, grad, state
        self.X, self.Y, self.order, self.hyper, self.W = X, Y, order, hyper, W


def _device_weights(sample_weight):
    """The sample weights on the device (a 1-element dummy without weights)."""
    return cuda.to_device(np.ones(1) if sample_weight is None else sample_weight)


def _scales(sample_weight, order, start, rows, per_weight):
    """``(gradient scale, penalty scale)`` of the batch ``order[start:start+rows]`` (see
    :func:`._cuda_device.batch_scale`, which the one-block epoch kernel uses instead)."""
    total = rows if sample_weight is None else float(np.sum(sample_weight[order[start:start + rows]]))
    scale = 1.0 / total if total > 0 else 0.0
    return scale, (scale if per_weight else 1.0)


def _dense(X):
    """A dense C-contiguous copy of a ``scipy.sparse`` block (the batch the device sees)."""
    return np.ascontiguousarray(X.toarray())


class _Net:
    """One network on the device for batches of up to ``capacity`` rows: the ``lay``/``layf``
    tables, the flat work buffer, the kernels of its path, and for a wide network the layers
    whose products go to cuBLAS (see :mod:`._cuda_kernels`)."""

    def __init__(self, spec, dtype, capacity):
        n_layers = spec.n_layers
        lay = np.full((n_layers, D.LAY_COLS), -1, np.int64)
        offset = 0
        for layer in range(n_layers):
            fan_in, fan_out = int(spec.sizes[layer]), int(spec.sizes[layer + 1])
            lay[layer, :D.AIN] = (fan_in, fan_out, spec.act[layer], spec.w_off[layer],
                                  spec.b_off[layer], spec.p_off[layer])
            for column, width in ((D.AIN, fan_in), (D.Z, fan_out), (D.DZ, fan_out)):
                lay[layer, column] = offset
                offset += capacity * width
            if spec.p_off[layer] >= 0:
                lay[layer, D.DA] = offset
                offset += capacity * fan_out
        layf = np.stack([spec.act_alpha, spec.l1, spec.l2, spec.drop, spec.train_bias], axis=1)
        self.lay, self.layf = cuda.to_device(lay), cuda.to_device(np.ascontiguousarray(layf))
        self.work = cuda.device_array(max(offset, 1), dtype)
        self.spec, self.table = spec, lay
        self.z_last = int(lay[n_layers - 1, D.Z])
        self.fused = is_narrow(spec)
        self.update = K.update_kernel(UPDATE_THREADS)
        name = np.dtype(dtype).name
        if self.fused:
            self.threads_x = threads_per_row(spec)
            self.per_batch = K.fused_kernels(name, FUSED_ROWS, FUSED_MAX_WIDTH,
                                             FUSED_THREADS * FUSED_ROWS).fused
            self.one_block = K.fused_kernels(name, EPOCH_ROWS, FUSED_MAX_WIDTH,
                                             FUSED_THREADS * EPOCH_ROWS).epoch
            return
        self.dense = K.tiled_kernel(name, TILE)
        self.gemm = gemm_provider() if gemm_provider else None
        self.gemm_layers = tuple(
            _cuda_gemm.use_gemm(capacity, int(spec.sizes[layer]), int(spec.sizes[layer + 1]),
                                self.gemm is not None) for layer in range(n_layers))
        self._operands, self._operands_of = {}, None

    def epoch(self, dev, n, batch_size, step, seed):
        """Train a whole epoch over ``order[:n]`` in one launch of one block (narrow networks)."""
        self.one_block[1, (self.threads_x, EPOCH_ROWS)](
            self.lay, self.layf, dev.params, dev.grad, dev.state, self.work, dev.X, dev.Y,
            dev.W, dev.order, dev.hyper, n, batch_size, step, seed, self.spec.loss)

    def batch(self, dev, start, rows, t, seed, mode, flags, scale=None, pscale=1.0):
        """Run rows ``order[start:start+rows]`` through the network in ``mode`` (TRAIN: forward,
        loss, backward and the update; GRAD: the same without dropout, gradient into ``grad``;
        PREDICT: forward only, outputs left in the last layer's Z).  ``scale`` and ``pscale``
        scale the gradient and the penalty (default: ``1 / rows`` and 1)."""
        lay, layf, spec = self.lay, self.layf, self.spec
        scale = 1.0 / rows if scale is None else scale
        if self.fused:
            self.per_batch[_cdiv(rows, FUSED_ROWS), (self.threads_x, FUSED_ROWS)](
                lay, layf, dev.params, self.work, dev.X, dev.Y, dev.W, dev.order, dev.hyper,
                start, rows, t, seed, mode, spec.loss, scale)
        else:
            step = (start, rows, t, seed, mode)
            for layer in range(spec.n_layers):
                self._product(dev, K.FWD, layer, *step)
            if mode == D.PREDICT:
                return
            K.loss_rows[_cdiv(rows, LOSS_THREADS), LOSS_THREADS](
                lay, layf, dev.params, self.work, dev.Y, dev.W, dev.order, dev.hyper, start, rows,
                spec.loss, scale)
            for layer in range(spec.n_layers - 1, 0, -1):
                self._product(dev, K.BWD, layer, *step)
            for layer in range(spec.n_layers):
                self._product(dev, K.WGRAD, layer, *step)
            flags |= D.GW_READY
        if mode != D.PREDICT:
            self.update[_cdiv(spec.n_params, UPDATE_THREADS), UPDATE_THREADS](
                lay, layf, dev.params, dev.grad, dev.state, self.work, dev.hyper, rows, t, flags,
                pscale)

    def _product(self, dev, kind, layer, start, rows, t, seed, mode):
        """One product of a wide layer (FWD, BWD or WGRAD) with its epilogue: cuBLAS and the
        epilogue kernel when the layer is a GEMM layer, else the fused tiled kernel."""
        fan_in, fan_out = int(self.spec.sizes[layer]), int(self.spec.sizes[layer + 1])
        if not self.gemm_layers[layer]:
            m, n = {K.FWD: (rows, fan_out), K.BWD: (rows, fan_in), K.WGRAD: (fan_in, fan_out)}[kind]
            self.dense[(_cdiv(m, TILE), _cdiv(n, TILE)), (TILE, TILE)](
                self.lay, self.layf, dev.params, dev.grad, self.work, dev.X, dev.hyper, dev.order,
                start, rows, t, seed, mode, kind, layer)
            return
        if kind == K.FWD and layer == 0:
            K.gather[_cdiv(rows * fan_in, ELEMENT_THREADS), ELEMENT_THREADS](
                self.lay, self.layf, self.work, dev.X, dev.hyper, dev.order, start, rows, t, seed,
                mode)
        self.gemm.matmul(*self._gemm_operands(dev, kind, layer, rows))
        if kind != K.WGRAD:
            cols = fan_out if kind == K.FWD else fan_in
            K.epilogue[_cdiv(rows * cols, ELEMENT_THREADS), ELEMENT_THREADS](
                self.lay, self.layf, dev.params, self.work, dev.order, start, rows, t, seed, mode,
                kind, layer)

    def _gemm_operands(self, dev, kind, layer, rows):
        """``(a, b, out)`` of the product ``out = a @ b``, wrapped once per (kind, layer, rows):
        FWD Z = AIN @ W; BWD DZ_{l-1} = DZ_l @ W.T (the epilogue turns dA into dZ in place);
        WGRAD grad_W = AIN.T @ DZ."""
        if self._operands_of is not dev:
            self._operands, self._operands_of = {}, dev
        key = (kind, layer, rows)
        if key not in self._operands:
            lay, op, work = self.table[layer], self.gemm.operand, self.work
            fan_in, fan_out, w0 = int(lay[D.FAN_IN]), int(lay[D.FAN_OUT]), int(lay[D.W_OFF])
            ain, z, dz = int(lay[D.AIN]), int(lay[D.Z]), int(lay[D.DZ])
            if kind == K.FWD:
                ops = (op(work, ain, rows, fan_in), op(dev.params, w0, fan_in, fan_out),
                       op(work, z, rows, fan_out))
            elif kind == K.BWD:
                ops = (op(work, dz, rows, fan_out), op(dev.params, w0, fan_in, fan_out, True),
                       op(work, int(self.table[layer - 1, D.DZ]), rows, fan_in))
            else:
                ops = (op(work, ain, rows, fan_in, True), op(work, dz, rows, fan_out),
                       op(dev.grad, w0, fan_in, fan_out))
            self._operands[key] = ops
        return self._operands[key]

    def outputs(self, rows):
        """The last PREDICT batch's outputs as a flat device view of ``rows * n_out`` values."""
        return self.work[self.z_last:self.z_last + rows * self.spec.n_out]


def _hyper(opt=None, spec=None, weighted=False, x_local=False):
    """A host ``hyper`` vector: the optimizer settings, zeroed counters, then the switches (see
    :mod:`._cuda_device`)."""
    hyper = np.zeros(D.HYPER_SIZE, np.float64)
    if opt is not None:
        hyper[:S.OPT_SIZE] = opt
    hyper[D.WEIGHTED], hyper[D.X_LOCAL] = weighted, x_local
    hyper[D.PER_WEIGHT] = spec is not None and spec.penalty_per_weight
    return hyper


# --- the back-end contract ---------------------------------------------------------------------------


def forward(spec, params, X, out):
    """Network outputs for ``X`` into ``out`` (see :mod:`fastnn.backends`); a ``scipy.sparse``
    X goes to the device a dense chunk at a time."""
    n = X.shape[0]
    if n == 0:
        return out
    sparse = _host_engine.is_sparse(X)
    chunk = min(n, PREDICT_CHUNK, max(1, DENSE_CHUNK // X.shape[1]) if sparse else n)
    net = _Net(spec, params.dtype, chunk)
    d_X = None if sparse else cuda.to_device(X)
    dev = _Device(cuda.to_device(params), net.work, cuda.device_array((2, 1), params.dtype),
                  d_X, cuda.device_array((1, 1), params.dtype),
                  cuda.to_device(np.arange(n, dtype=np.int64)),
                  cuda.to_device(_hyper(x_local=sparse)), _device_weights(None))
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        if sparse:
            dev.X = cuda.to_device(_dense(X[start:start + rows]))
        net.batch(dev, start, rows, 0, np.uint64(0), D.PREDICT, 0)
        out[start:start + rows] = net.outputs(rows).copy_to_host().reshape(rows, spec.n_out)
    return out


def _gradient_run(spec, params, X, Y, sample_weight):
    """One GRAD-mode pass over all rows (a sparse X densified whole); returns ``(device
    gradient, host hyper vector)``."""
    d_X = cuda.to_device(_dense(X) if _host_engine.is_sparse(X) else X)
    return _gradient_pass(spec, cuda.to_device(params), d_X, cuda.to_device(Y), sample_weight,
                          _device_weights(sample_weight))


def _gradient_pass(spec, d_params, d_X, d_Y, sample_weight, d_weights):
    """:func:`_gradient_run` on arrays already on the device (rows in their stored order)."""
    n = d_X.shape[0]
    net = _Net(spec, d_params.dtype, n)
    d_grad = cuda.device_array(spec.n_params, d_params.dtype)
    d_hyper = cuda.to_device(_hyper(spec=spec, weighted=sample_weight is not None))
    order = np.arange(n, dtype=np.int64)
    dev = _Device(d_params, d_grad, cuda.device_array((2, 1), d_params.dtype), d_X, d_Y,
                  cuda.to_device(order), d_hyper, d_weights)
    scale, pscale = _scales(sample_weight, order, 0, n, spec.penalty_per_weight)
    net.batch(dev, 0, n, 0, np.uint64(0), D.GRAD, D.GRAD_ONLY, scale, pscale)
    return d_grad, d_hyper.copy_to_host()


def evaluate(spec, params, X, Y, sample_weight=None):
    """Mean loss plus penalty and accuracy (see :mod:`fastnn.backends`); the gradient that the
    GRAD-mode kernels compute on the way stays on the device."""
    _, hyper = _gradient_run(spec, params, X, Y, sample_weight)
    return float(hyper[D.LOSS_SUM] / X.shape[0]), float(hyper[D.CORRECT] / X.shape[0])


def layer_outputs(spec, params, X):
    """Every layer's activations (see :mod:`fastnn.backends`)."""
    return _host_engine.layer_outputs(forward, spec, params, X)


def loss_and_grad(spec, params, X, Y, grad, sample_weight=None):
    """Mean loss plus penalty, gradient into ``grad`` (see :mod:`fastnn.backends`)."""
    d_grad, hyper = _gradient_run(spec, params, X, Y, sample_weight)
    d_grad.copy_to_host(grad)
    return float(hyper[D.LOSS_SUM] / X.shape[0])


def train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed, sample_weight=None):
    """One epoch on the device (see :mod:`fastnn.backends`): host arrays in, updated in place."""
    engine = Engine(spec, params, state, X, Y, batch_size, sample_weight)
    result = engine.epoch(order, opt, step, seed)
    engine.sync()
    return result


class Engine:
    """Parameters, optimizer state and data on the device for as long as the engine lives.

    ``epoch`` copies the permutation and the ``hyper`` vector up, launches the whole epoch (one
    launch when :func:`epoch_in_one_block`, else the launches of every mini-batch) and copies
    ``hyper`` back: one small download per epoch.  ``snapshot``/``restore`` are device-side
    copies; ``sync`` writes ``params`` and ``state`` back into the caller's host arrays.  A
    ``scipy.sparse`` X stays on the host: each batch is densified there and uploaded alone.
    """

    epochs = None     # one epoch per call (see fastnn.backends: Engine)

    def __init__(self, spec, params, state, X, Y, batch_size, sample_weight=None):
        self.params, self.state = params, state
        self._batch_size = int(batch_size)
        self._capacity = min(self._batch_size, max(X.shape[0], 1))
        self._net = _Net(spec, params.dtype, self._capacity)
        self._sparse_X = X if _host_engine.is_sparse(X) else None
        self._weights = sample_weight
        self._dev = _Device(cuda.to_device(params), cuda.device_array(spec.n_params, params.dtype),
                            cuda.to_device(state), None if self._sparse_X is not None
                            else cuda.to_device(X), cuda.to_device(Y),
                            cuda.device_array(X.shape[0], np.int64), cuda.to_device(_hyper()),
                            _device_weights(sample_weight))
        # The last two snapshots, newest first: a divergence may need the one before the last.
        self._saved = [(cuda.to_device(params), cuda.to_device(state)) for _ in range(2)]
        self._hyper = _hyper()
        self._finite = bool(np.isfinite(params).all())
        self._spec = spec
        self._one_launch = epoch_in_one_block(spec, self._batch_size) and self._sparse_X is None

    def epoch(self, order, opt, step, seed):
        """Train one epoch over ``order`` (see ``train_epoch``); returns ``(mean loss, accuracy)``."""
        order = np.ascontiguousarray(order, dtype=np.int64)
        n = order.shape[0]
        if self._dev.order.shape[0] == n:
            self._dev.order.copy_to_device(order)
        else:
            self._dev.order = cuda.to_device(order)
        self._hyper[:] = _hyper(opt, self._spec, self._weights is not None,
                                self._sparse_X is not None)
        self._dev.hyper.copy_to_device(self._hyper)
        seed = np.uint64(seed)
        if self._one_launch:
            self._net.epoch(self._dev, n, self._batch_size, step, seed)
        n_batches = 0 if self._one_launch else _cdiv(n, self._batch_size)
        for b in range(n_batches):
            start = b * self._batch_size
            rows = min(self._batch_size, n - start)
            flags = D.CHECK_FINITE if b == n_batches - 1 else 0
            if self._sparse_X is not None:
                self._dev.X = cuda.to_device(_dense(self._sparse_X[order[start:start + rows]]))
            scale, pscale = _scales(self._weights, order, start, rows,
                                    self._spec.penalty_per_weight)
            self._net.batch(self._dev, start, rows, step + b + 1, seed, D.TRAIN, flags, scale,
                            pscale)
        self._dev.hyper.copy_to_host(self._hyper)
        self._finite = self._hyper[D.NONFINITE] == 0
        return self._hyper[D.LOSS_SUM] / n, self._hyper[D.CORRECT] / n

    def evaluate(self):
        """Mean loss plus penalty and accuracy on the training set at the current weights, from
        the arrays already on the device (a sparse X is densified whole, as :func:`evaluate`
        does): evaluating while training uploads nothing big."""
        d_X = (cuda.to_device(_dense(self._sparse_X)) if self._sparse_X is not None
               else self._dev.X)
        _, hyper = _gradient_pass(self._spec, self._dev.params, d_X, self._dev.Y, self._weights,
                                  self._dev.W)
        n = d_X.shape[0]
        return float(hyper[D.LOSS_SUM] / n), float(hyper[D.CORRECT] / n)

    def params_finite(self) -> bool:
        """Whether every weight was finite after the last epoch (checked on the device)."""
        return bool(self._finite)

    def set_spec(self, spec):
        """Train on with new per-layer settings of the same shapes (activations other than PReLU,
        alphas, penalties, dropout rates): only the small layer tables go to the device again."""
        self._net = _Net(spec, self.params.dtype, self._capacity)
        self._spec = spec

    def snapshot(self):
        """Remember the current weights and optimizer state, device to device (the snapshot
        before it is kept for ``restore(older=True)``)."""
        self._saved.reverse()
        self._saved[0][0].copy_to_device(self._dev.params)
        self._saved[0][1].copy_to_device(self._dev.state)

    def restore(self, older=False):
        """Go back to the last snapshot, or the one before it (device to device)."""
        params, state = self._saved[1 if older else 0]
        self._dev.params.copy_to_device(params)
        self._dev.state.copy_to_device(state)
        self._finite = True

    def sync(self):
        """Copy the device's parameters and optimizer state into the host arrays."""
        self._dev.params.copy_to_host(self.params)
        self._dev.state.copy_to_host(self.state)
