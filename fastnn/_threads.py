"""How many threads fastnn's kernels use (BLAS inside them, and Numba).

fastnn's kernels run one batch after another, so extra threads only help large matrix products.
On small machines the BLAS and Numba pools fight each other (and a GUI thread) for the cores, and
a 2-thread pool can lose 100x when one core is busy; the default is therefore 1 thread.  The limit
applies inside fastnn's own calls only: NumPy elsewhere in your program keeps its own setting.
"""
from __future__ import annotations

from contextlib import contextmanager
from numbers import Integral

_threads = 1
_controller = None


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for the BLAS products and Numba code inside fastnn's training calls."""
    global _threads
    if not isinstance(n, Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"number of threads must be a positive integer, got {n!r}")
    _threads = int(n)


def get_num_threads() -> int:
    """The number of threads fastnn's kernels use (see :func:`set_num_threads`)."""
    return _threads


@contextmanager
def limited():
    """Limit the BLAS pools and Numba's pool to :func:`get_num_threads` for the ``with`` body."""
    global _controller
    from threadpoolctl import ThreadpoolController

    if _controller is None:
        # Numba's np.dot calls SciPy's own OpenBLAS, which loads lazily: load it first, or the
        # controller would not see it and that pool would keep all its threads.
        import scipy.linalg.cython_blas  # noqa: F401
        _controller = ThreadpoolController()
    numba = _numba()
    before = numba.get_num_threads() if numba else None
    if numba:
        numba.set_num_threads(min(_threads, numba.config.NUMBA_NUM_THREADS))
    try:
        with _controller.limit(limits=_threads, user_api="blas"):
            yield
    finally:
        if numba:
            numba.set_num_threads(before)


def _numba():
    try:
        import numba
    except ImportError:
        return None
    return numba
