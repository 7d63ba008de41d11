"""The one JIT policy of fastnn's Numba CPU kernels, stated once (:func:`njit` for compiled entry
points, :func:`jitable` for the functions they call).

* ``cache=True`` so a second process starts warm; if no cache location is writable (read-only
  install and unwritable home) Numba raises at decoration time, and we compile uncached instead.
* ``nogil=True`` so a GUI thread keeps running while a worker thread trains.
* ``fastmath={'reassoc', 'contract'}``, not ``True``: reassociation lets LLVM vectorise float
  reductions, while ``nnan``/``ninf`` (part of ``True``) would make ``isnan`` lie.
* ``error_model="numpy"``: a float division follows IEEE (``x / 0`` is inf or NaN, which the
  divergence checks catch) instead of Python's ``ZeroDivisionError`` check, whose branch kept
  LLVM from vectorising every loop with a division: the float32 tanh rational ran at 2.2 ns
  per element with it and 0.3 ns without (``benchmarks/results``, population notes).
"""
from __future__ import annotations

import traceback
import warnings

import numba
from numba.extending import register_jitable

FASTMATH = frozenset({"reassoc", "contract"})
ERRORS = "numpy"


def njit(fn):
    """Compile ``fn`` with fastnn's policy (see the module docstring)."""
    try:
        return numba.njit(cache=True, nogil=True, fastmath=set(FASTMATH), error_model=ERRORS)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(cache=False, nogil=True, fastmath=set(FASTMATH), error_model=ERRORS)(fn)


def call(kernel, *args):
    """``kernel(*args)``, recompiling instead of failing when its cache file is damaged (a killed
    write, a full disk, a foreign file): loading such a file can raise almost anything
    (``UnpicklingError``, ``EOFError``, ``ValueError: unsupported pickle protocol``, ...), so the
    test is where the exception came from -- Numba's cache loader -- not its type."""
    try:
        return kernel(*args)
    except Exception as exc:
        if kernel.overloads or not _raised_by_the_cache_loader(exc):
            raise                       # the kernel itself failed, or compiling it did
        warnings.warn(f"fastnn: the Numba cache of a kernel was unreadable "
                      f"({type(exc).__name__}: {exc}); recompiling it", RuntimeWarning,
                      stacklevel=3)
        kernel._cache.flush()
        return kernel(*args)


def _raised_by_the_cache_loader(exc):
    return any(frame.name == "load_overload" and frame.filename.endswith("caching.py")
               for frame in traceback.extract_tb(exc.__traceback__))


def jitable(fn):
    """Register the plain function ``fn`` so jitted code can call it, compiled with the same
    fastmath policy (it stays an ordinary Python function for Python callers)."""
    return register_jitable(fastmath=set(FASTMATH))(fn)
