"""The one JIT policy of fastnn's Numba CPU kernels, stated once (:func:`njit` for compiled entry
points, :func:`jitable` for the functions they call).

* ``cache=True`` so a second process starts warm; if no cache location is writable (read-only
  install and unwritable home) Numba raises at decoration time, and we compile uncached instead.
* ``nogil=True`` so a GUI thread keeps running while a worker thread trains.
* ``fastmath={'reassoc', 'contract'}``, not ``True``: reassociation lets LLVM vectorise float
  reductions, while ``nnan``/``ninf`` (part of ``True``) would make ``isnan`` lie.
"""
from __future__ import annotations

import numba
from numba.extending import register_jitable

FASTMATH = frozenset({"reassoc", "contract"})


def njit(fn):
    """Compile ``fn`` with fastnn's policy (see the module docstring)."""
    try:
        return numba.njit(cache=True, nogil=True, fastmath=set(FASTMATH))(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(cache=False, nogil=True, fastmath=set(FASTMATH))(fn)



def jitable(fn):
    """Register the plain function ``fn`` so jitted code can call it, compiled with the same
    fastmath policy (it stays an ordinary Python function for Python callers)."""
    return register_jitable(fastmath=set(FASTMATH))(fn)
