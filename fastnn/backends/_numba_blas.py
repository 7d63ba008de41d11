"""BLAS ``gemm`` for the Numba kernels, called by symbol name instead of through ``np.dot``.

``np.dot`` inside a jitted function costs seconds of compile time (its overloads check layouts,
dtypes and shapes and build error messages) and a few microseconds per call.  The kernels need only
``C = alpha * op(A) @ op(B) + beta * C`` on C-contiguous blocks of flat buffers, so they call
SciPy's ``sgemm``/``dgemm`` (the same OpenBLAS that ``np.dot`` in Numba uses) directly.

The function pointers come from ``scipy.linalg.cython_blas`` and are registered with LLVM under
the names ``fastnn_sgemm``/``fastnn_dgemm`` at import.  Compiled code refers to those names, not to
addresses, so it can be cached on disk and reused by later processes (a raw ctypes pointer would
be baked into the machine code and make the kernel uncacheable).

Pointer arguments are passed as integers (``intp``): the kernels compute addresses from
``array.ctypes.data`` plus offsets, which is what every 64-bit (and 32-bit) C ABI passes for a
pointer.  BLAS is column-major: the row-major product ``C (m, n) = op(A) op(B)`` is the
column-major ``C^T = op(B)^T op(A)^T``, so :func:`gemm` swaps the operands.
"""
from __future__ import annotations

import ctypes

import numpy as np
import scipy.linalg.cython_blas as _cython_blas
from llvmlite import binding as _llvm
from numba import types

from ._jit import jitable


def _capsule_address(capsule) -> int:
    """The C function pointer inside one of ``scipy.linalg.cython_blas.__pyx_capi__``'s capsules."""
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return get_pointer(capsule, get_name(capsule))


for _name in ("sgemm", "dgemm"):
    _llvm.add_symbol(f"fastnn_{_name}", _capsule_address(_cython_blas.__pyx_capi__[_name]))

_P = types.intp
_GEMM_SIGNATURE = types.void(_P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P)
_sgemm = types.ExternalFunction("fastnn_sgemm", _GEMM_SIGNATURE)
_dgemm = types.ExternalFunction("fastnn_dgemm", _GEMM_SIGNATURE)

# Slots of the small argument buffers: BLAS takes every scalar by pointer.
_M, _N, _K, _LDA, _LDB, _LDC = range(6)
_ALPHA, _BETA = range(2)
_NOTRANS, _TRANS = ord("N"), ord("T")


def arguments(dtype):
    """The scratch arrays :func:`gemm` stores its scalar arguments in: ``(ints, floats, chars)``."""
    chars = np.array([_NOTRANS, _TRANS], np.uint8)
    return np.zeros(8, np.int32), np.zeros(2, dtype), chars


@jitable
def gemm(trans_a, trans_b, m, n, k, alpha, A, a0, B, b0, beta, C, c0, args):
    """Row-major ``C[c0:] (m, n) = alpha * op(A[a0:]) @ op(B[b0:]) + beta * C`` (contiguous blocks).

    ``op(A)`` is (m, k): ``A`` is stored (m, k), or (k, m) when ``trans_a``; likewise ``B``.
    ``args`` is :func:`arguments` for the buffers' dtype.
    """
    ints, floats, chars = args
    ints[_M], ints[_N], ints[_K] = n, m, k
    ints[_LDA] = k if trans_b else n            # leading dimensions of the column-major views
    ints[_LDB] = m if trans_a else k
    ints[_LDC] = n
    floats[_ALPHA], floats[_BETA] = alpha, beta
    size = C.itemsize
    i0 = ints.ctypes.data
    f0 = floats.ctypes.data
    ta = chars.ctypes.data + (1 if trans_b else 0)
    tb = chars.ctypes.data + (1 if trans_a else 0)
    if size == 4:
        _sgemm(ta, tb, i0 + 4 * _M, i0 + 4 * _N, i0 + 4 * _K, f0, B.ctypes.data + size * b0,
               i0 + 4 * _LDA, A.ctypes.data + size * a0, i0 + 4 * _LDB, f0 + size * _BETA,
               C.ctypes.data + size * c0, i0 + 4 * _LDC)
    else:
        _dgemm(ta, tb, i0 + 4 * _M, i0 + 4 * _N, i0 + 4 * _K, f0, B.ctypes.data + size * b0,
               i0 + 4 * _LDA, A.ctypes.data + size * a0, i0 + 4 * _LDB, f0 + size * _BETA,
               C.ctypes.data + size * c0, i0 + 4 * _LDC)
