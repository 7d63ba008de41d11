"""The large products of the ``cuda`` back end through cuBLAS (via CuPy), chosen per layer by size.

A hand-written tiled product is far from cuBLAS on big layers; on small ones the GEMM path costs
more than it saves, because it needs a second launch (an epilogue kernel for the bias, activation
and dropout that the tiled kernel fuses) and CuPy's own call overhead.  :func:`use_gemm` makes
that choice per layer; the same choice holds for the layer's three products (forward, backward,
weight gradient), which have the same multiply-add count.  CuPy is optional (the ``cuda`` extra):
without it, or in the CUDA simulator, every product takes the tiled kernel.

CuPy and numba-cuda share the device's primary context, and both launch on the legacy default
stream here, so a cuBLAS call is ordered after the numba kernels that wrote its operands and
before the ones that read its output, with no synchronisation.  CuPy multiplies float32 in full
float32 (no TF32 unless ``CUPY_TF32=1``), as PyTorch does by default.
"""
from __future__ import annotations

import functools

GEMM_MIN_WORK = 1 << 24
"""Multiply-adds (rows x fan_in x fan_out) of a layer's product from which cuBLAS is used.  At
16.8 M a tiled product takes about 10 us on an H100-class GPU, comparable to the extra launch and
CuPy call, so smaller layers stay on the tiled kernel (an estimate; ``benchmarks/gpu_check.py``
measures both sides of it)."""


def use_gemm(rows, fan_in, fan_out, available=True) -> bool:
    """Whether a layer ``fan_in -> fan_out`` on batches of ``rows`` rows multiplies with cuBLAS.

    >>> use_gemm(256, 1024, 2048), use_gemm(32, 64, 64), use_gemm(256, 1024, 2048, available=False)
    (True, False, False)
    """
    return bool(available) and rows * fan_in * fan_out >= GEMM_MIN_WORK


class CupyGemm:
    """``out = a @ b`` by cuBLAS on views of numba-cuda's flat device buffers.

    :meth:`operand` wraps a block of a buffer once (the views are made when a network is set up,
    not per batch: each wrap costs tens of microseconds of Python); :meth:`matmul` is the call.
    """

    def __init__(self):
        import cupy
        self._cp = cupy
        self._whole = {}                    # id(buffer) -> (buffer, the CuPy array over it)

    def operand(self, buf, offset, rows, cols, trans=False):
        """The (rows, cols) row-major block of the flat device array ``buf`` at ``offset``, as a
        CuPy array sharing its memory; its transpose, (cols, rows), when ``trans``."""
        if id(buf) not in self._whole:
            self._whole[id(buf)] = (buf, self._cp.asarray(buf))   # __cuda_array_interface__
        view = self._whole[id(buf)][1][offset:offset + rows * cols].reshape(rows, cols)
        return view.T if trans else view

    def matmul(self, a, b, out):
        """``out = a @ b`` on the legacy default stream (the one numba-cuda launches on)."""
        with self._cp.cuda.Stream.null:
            self._cp.matmul(a, b, out=out)


@functools.cache
def status():
    """``(True, '')`` when cuBLAS through CuPy can be used here, else ``(False, why)``."""
    from numba import config
    if config.ENABLE_CUDASIM:
        return False, "the CUDA simulator has no cuBLAS"
    try:
        import cupy
        cupy.cuda.runtime.getDeviceCount()
    except ImportError as exc:
        return False, f"CuPy is not installed ({exc}); pip install \"fastnn[cuda]\" for cuBLAS"
    except Exception as exc:   # CUDARuntimeError: no driver or no device
        return False, f"CuPy cannot reach a GPU: {type(exc).__name__}: {exc}"
    return True, ""


def provider():
    """A new :class:`CupyGemm` when :func:`status` allows it, else ``None`` (tiled products)."""
    return CupyGemm() if status()[0] else None
