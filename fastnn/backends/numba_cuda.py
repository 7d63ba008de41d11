"""The CUDA back end: a whole training run on the GPU, with Numba's ``numba.cuda`` (numba-cuda).

Twin of :mod:`fastnn.backends.numba_cpu` (same contract, same maths, same dropout hash, same
optimizer rules; the kernels are in :mod:`fastnn.backends._cuda_kernels`).  Design, from the
launch-overhead measurements in ``shared/notes`` (5-15 us a launch from Python, so launches, not
FLOPs, bound small networks):

* residency: :class:`Engine` copies the flat parameter buffer, the optimizer state and the
  training set to the device once per ``fit``; an epoch uploads the permutation and one small
  ``hyper`` vector (optimizer settings + zeroed counters) and downloads that vector once at the
  end (loss sum, number correct, non-finite flag).  No host<->device copy happens per batch.
* narrow networks (every width <= ``FUSED_MAX_WIDTH``): **2 launches per mini-batch**, a fused
  forward + loss + backward kernel over row tiles (activations kept in shared memory across
  layers, tiny-cuda-nn style) and one update kernel over the whole flat buffer that sums each
  parameter's gradient over the batch, adds the penalty and applies the optimizer.
* wider networks: **3L + 1 launches** for L layers: per layer a tiled shared-memory product for
  the forward pass (bias, activation and dropout fused in its epilogue), one for the backward
  pass (mask and activation derivative fused), one for the weight gradient; the loss kernel; the
  same single update kernel.

The tile sizes below are module constants so the simulator tests can shrink them (stumpy's
trick): the simulator runs every thread as a Python thread, so small blocks keep CI fast.
"""
from __future__ import annotations

import numpy as np

from .. import _spec as S
from . import _host_engine

try:
    from numba import config as _numba_config, cuda

    from . import _cuda_kernels as K
    _IMPORT_ERROR = ""
except ImportError as exc:          # numba or numba-cuda missing: report, never break the import
    cuda = K = None
    _IMPORT_ERROR = f"numba-cuda is not installed ({exc})"

NAME = "cuda"
TILE = 16              # T x T tiles of the wide-layer products (256 threads a block)
FUSED_MAX_WIDTH = 64   # widest layer the fused kernel keeps in shared memory
FUSED_ROWS = 8         # rows per block of the fused kernel ...
FUSED_THREADS = 32     # ... and threads per row (one warp strides over the units)
UPDATE_THREADS = 256   # threads per block of the update kernel
LOSS_THREADS = 128     # threads per block of the loss kernel (one per row)
PREDICT_CHUNK = 65536  # rows per forward launch in ``forward``


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


class _Device:
    """The device arrays one run works on (``grad``/``state`` may be 1-element dummies)."""

    def __init__(self, params, grad, state, X, Y, order, hyper):
        self.params, self.grad, self.state = params, grad, state
        self.X, self.Y, self.order, self.hyper = X, Y, order, hyper


class _Net:
    """One network on the device for batches of up to ``capacity`` rows: the ``lay``/``layf``
    tables, the flat work buffer and the compiled kernels (see :mod:`._cuda_kernels`)."""

    def __init__(self, spec, dtype, capacity):
        n_layers = spec.n_layers
        lay = np.full((n_layers, K.LAY_COLS), -1, np.int64)
        offset = 0
        for layer in range(n_layers):
            fan_in, fan_out = int(spec.sizes[layer]), int(spec.sizes[layer + 1])
            lay[layer, :K.AIN] = (fan_in, fan_out, spec.act[layer], spec.w_off[layer],
                                  spec.b_off[layer], spec.p_off[layer])
            for column, width in ((K.AIN, fan_in), (K.Z, fan_out), (K.DZ, fan_out)):
                lay[layer, column] = offset
                offset += capacity * width
            if spec.p_off[layer] >= 0:
                lay[layer, K.DA] = offset
                offset += capacity * fan_out
        layf = np.stack([spec.act_alpha, spec.l1, spec.l2, spec.drop], axis=1)
        self.lay, self.layf = cuda.to_device(lay), cuda.to_device(np.ascontiguousarray(layf))
        self.work = cuda.device_array(max(offset, 1), dtype)
        self.spec = spec
        self.z_last = int(lay[n_layers - 1, K.Z])
        self.fused = int(spec.sizes.max()) <= FUSED_MAX_WIDTH
        self.kernels = K.build(np.dtype(dtype).name, TILE, FUSED_ROWS, FUSED_MAX_WIDTH,
                               UPDATE_THREADS)

    def batch(self, dev, start, rows, t, seed, mode, flags):
        """Run rows ``order[start:start+rows]`` through the network in ``mode`` (TRAIN: forward,
        loss, backward and the update; GRAD: the same without dropout, gradient into ``grad``;
        PREDICT: forward only, outputs left in the last layer's Z)."""
        k, lay, layf, spec = self.kernels, self.lay, self.layf, self.spec
        if self.fused:
            k.fused[_cdiv(rows, FUSED_ROWS), (FUSED_THREADS, FUSED_ROWS)](
                lay, layf, dev.params, self.work, dev.X, dev.Y, dev.order, dev.hyper, start, rows,
                t, seed, mode, spec.loss)
        else:
            def product(kind, layer, m, n):
                k.dense[(_cdiv(m, TILE), _cdiv(n, TILE)), (TILE, TILE)](
                    lay, layf, dev.params, dev.grad, self.work, dev.X, dev.order, start, rows, t,
                    seed, mode, kind, layer)

            sizes = [int(s) for s in spec.sizes]
            for layer in range(spec.n_layers):
                product(K.FWD, layer, rows, sizes[layer + 1])
            if mode == K.PREDICT:
                return
            k.loss_rows[_cdiv(rows, LOSS_THREADS), LOSS_THREADS](
                lay, layf, dev.params, self.work, dev.Y, dev.order, dev.hyper, start, rows,
                spec.loss)
            for layer in range(spec.n_layers - 1, 0, -1):
                product(K.BWD, layer, rows, sizes[layer])
            for layer in range(spec.n_layers):
                product(K.WGRAD, layer, sizes[layer], sizes[layer + 1])
            flags |= K.GW_READY
        if mode != K.PREDICT:
            k.update[_cdiv(spec.n_params, UPDATE_THREADS), UPDATE_THREADS](
                lay, layf, dev.params, dev.grad, dev.state, self.work, dev.hyper, rows, t, flags)

    def outputs(self, rows):
        """The last PREDICT batch's outputs as a flat device view of ``rows * n_out`` values."""
        return self.work[self.z_last:self.z_last + rows * self.spec.n_out]


def _hyper(opt=None):
    """A host ``hyper`` vector: the optimizer settings, then zeroed counters."""
    hyper = np.zeros(K.HYPER_SIZE, np.float64)
    if opt is not None:
        hyper[:S.OPT_SIZE] = opt
    return hyper


# --- the back-end contract ---------------------------------------------------------------------------


def forward(spec, params, X, out):
    """Network outputs for ``X`` into ``out`` (see :mod:`fastnn.backends`)."""
    n = X.shape[0]
    if n == 0:
        return out
    chunk = min(n, PREDICT_CHUNK)
    net = _Net(spec, params.dtype, chunk)
    d_X = cuda.to_device(X)
    dev = _Device(cuda.to_device(params), net.work, cuda.device_array((2, 1), params.dtype),
                  d_X, d_X, cuda.to_device(np.arange(n, dtype=np.int64)), cuda.to_device(_hyper()))
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        net.batch(dev, start, rows, 0, np.uint64(0), K.PREDICT, 0)
        out[start:start + rows] = net.outputs(rows).copy_to_host().reshape(rows, spec.n_out)
    return out


def _gradient_run(spec, params, X, Y):
    """One GRAD-mode pass over all rows; returns ``(device gradient, host hyper vector)``."""
    n = X.shape[0]
    net = _Net(spec, params.dtype, n)
    d_grad, d_hyper = cuda.device_array(spec.n_params, params.dtype), cuda.to_device(_hyper())
    dev = _Device(cuda.to_device(params), d_grad, cuda.device_array((2, 1), params.dtype),
                  cuda.to_device(X), cuda.to_device(Y),
                  cuda.to_device(np.arange(n, dtype=np.int64)), d_hyper)
    net.batch(dev, 0, n, 0, np.uint64(0), K.GRAD, K.GRAD_ONLY)
    return d_grad, d_hyper.copy_to_host()


def evaluate(spec, params, X, Y):
    """Mean loss plus penalty and accuracy (see :mod:`fastnn.backends`); the gradient that the
    GRAD-mode kernels compute on the way stays on the device."""
    _, hyper = _gradient_run(spec, params, X, Y)
    return float(hyper[K.LOSS_SUM] / X.shape[0]), float(hyper[K.CORRECT] / X.shape[0])


def layer_outputs(spec, params, X):
    """Every layer's activations (see :mod:`fastnn.backends`)."""
    return _host_engine.layer_outputs(forward, spec, params, X)


def loss_and_grad(spec, params, X, Y, grad):
    """Mean loss plus penalty, gradient into ``grad`` (see :mod:`fastnn.backends`)."""
    d_grad, hyper = _gradient_run(spec, params, X, Y)
    d_grad.copy_to_host(grad)
    return float(hyper[K.LOSS_SUM] / X.shape[0])


def train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed):
    """One epoch on the device (see :mod:`fastnn.backends`): host arrays in, updated in place."""
    engine = Engine(spec, params, state, X, Y, batch_size)
    result = engine.epoch(order, opt, step, seed)
    engine.sync()
    return result


class Engine:
    """Parameters, optimizer state and data on the device for as long as the engine lives.

    ``epoch`` copies the permutation and the ``hyper`` vector up, launches every mini-batch and
    copies ``hyper`` back: one small download per epoch.  ``snapshot``/``restore`` are device-side
    copies; ``sync`` writes ``params`` and ``state`` back into the caller's host arrays.
    """

    def __init__(self, spec, params, state, X, Y, batch_size):
        self.params, self.state = params, state
        self._batch_size = int(batch_size)
        self._capacity = min(self._batch_size, max(X.shape[0], 1))
        self._net = _Net(spec, params.dtype, self._capacity)
        self._dev = _Device(cuda.to_device(params), cuda.device_array(spec.n_params, params.dtype),
                            cuda.to_device(state), cuda.to_device(X), cuda.to_device(Y),
                            cuda.device_array(X.shape[0], np.int64), cuda.to_device(_hyper()))
        # The last two snapshots, newest first: a divergence may need the one before the last.
        self._saved = [(cuda.to_device(params), cuda.to_device(state)) for _ in range(2)]
        self._hyper = _hyper()
        self._finite = bool(np.isfinite(params).all())

    def epoch(self, order, opt, step, seed):
        """Train one epoch over ``order`` (see ``train_epoch``); returns ``(mean loss, accuracy)``."""
        order = np.ascontiguousarray(order, dtype=np.int64)
        n = order.shape[0]
        if self._dev.order.shape[0] == n:
            self._dev.order.copy_to_device(order)
        else:
            self._dev.order = cuda.to_device(order)
        self._hyper[:] = _hyper(opt)
        self._dev.hyper.copy_to_device(self._hyper)
        seed = np.uint64(seed)
        n_batches = _cdiv(n, self._batch_size)
        for b in range(n_batches):
            start = b * self._batch_size
            flags = K.CHECK_FINITE if b == n_batches - 1 else 0
            self._net.batch(self._dev, start, min(self._batch_size, n - start), step + b + 1, seed,
                            K.TRAIN, flags)
        self._dev.hyper.copy_to_host(self._hyper)
        self._finite = self._hyper[K.NONFINITE] == 0
        return self._hyper[K.LOSS_SUM] / n, self._hyper[K.CORRECT] / n

    def params_finite(self) -> bool:
        """Whether every weight was finite after the last epoch (checked on the device)."""
        return bool(self._finite)

    def set_spec(self, spec):
        """Train on with new per-layer settings of the same shapes (activations other than PReLU,
        alphas, penalties, dropout rates): only the small layer tables go to the device again."""
        self._net = _Net(spec, self.params.dtype, self._capacity)

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
