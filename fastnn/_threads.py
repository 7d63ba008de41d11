"""How many threads fastnn's kernels use: the BLAS pool inside their matrix products.

The kernels run one batch after another, so extra threads only help when each batch's products
are large; on small networks the BLAS threads cost more in wake-ups and barriers than they give
(and a busy second core makes a 2-thread pool collapse).  The default policy, ``"auto"``, therefore
uses every core available to the process for networks whose batches carry at least
:data:`AUTO_MIN_WORK` multiply-adds and one thread below that (measured in
``benchmarks/results``: MNIST-size networks gain ~1.8x from 2 threads, 64-wide networks lose).

The limit applies inside fastnn's own calls only: NumPy elsewhere in your program keeps its
setting.  Overlapping calls from several threads share one limit (the last request wins while any
is running) and the pools get their original sizes back when the last one ends.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from numbers import Integral

AUTO = "auto"
# Multiply-adds of one training batch (forward, weight and input gradients) from which "auto"
# uses every core.  Between the small (2-64-64-3, batch 32: 0.40M) and mnist (784-256-128-10,
# batch 128: 97M) benchmark networks, nearer the small end: a batch of 4M multiply-adds takes
# ~0.1 ms on one core, long enough for a second thread to pay for waking up.
AUTO_MIN_WORK = 4_000_000

_setting = AUTO
_lock = threading.Lock()
_active = 0              # fastnn calls inside limited() right now
_in_force = 1            # the limit of the latest of them (1 when none runs)
_limiter = None          # the threadpoolctl limiter of the outermost call
_controller = None


def set_num_threads(n) -> None:
    """Threads for the BLAS products inside fastnn's calls: a positive integer, or ``"auto"``
    (the default: all cores for large networks, one for small ones; see the module docstring)."""
    global _setting
    if n == AUTO:
        _setting = AUTO
        return
    if not isinstance(n, Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"number of threads must be a positive integer or 'auto', got {n!r}")
    _setting = int(n)


def get_num_threads():
    """The thread setting: an integer, or ``"auto"`` (see :func:`set_num_threads`)."""
    return _setting


def available_cores() -> int:
    """CPUs this process may run on (its affinity mask, so containers and pinning are respected)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # macOS, Windows
        return os.cpu_count() or 1


def batch_work(spec, batch_size) -> int:
    """Multiply-adds of one training batch: the forward product, the weight gradient and (all but
    the first layer) the input gradient of every layer."""
    sizes = [int(s) for s in spec.sizes]
    layer_work = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return int(batch_size) * (2 * sum(layer_work) + sum(layer_work[1:]))


def threads_for(spec=None, batch_size=1) -> int:
    """The threads a call on network ``spec`` with batches of ``batch_size`` rows uses."""
    if _setting != AUTO:
        return _setting
    if spec is None or batch_work(spec, batch_size) < AUTO_MIN_WORK:
        return 1
    return available_cores()


def _take_control():
    """Let this thread resize OpenBLAS's process-wide pool.

    threadpoolctl (>= 3.7) lets only one "controlling" thread change it and silently ignores the
    others, so a limit set from a worker thread (the app's training thread) would do nothing once
    any other thread had set one.  fastnn serialises its own changes under ``_lock``, so it takes
    control explicitly for each change.
    """
    import threadpoolctl

    openblas = getattr(threadpoolctl, "OpenBLASController", None)
    if hasattr(openblas, "clear_controlling_thread"):
        openblas.clear_controlling_thread(force=True)


def current() -> int:
    """The BLAS threads fastnn's calls run with now (the limit in force; 1 outside them)."""
    return _in_force


@contextmanager
def limited(threads=None):
    """Limit the BLAS pools to ``threads`` (default: the integer setting, else 1) for the body."""
    global _active, _limiter, _controller, _in_force
    threads = threads or (_setting if _setting != AUTO else 1)
    with _lock:
        if _controller is None:
            # SciPy's OpenBLAS (the one the kernels call) loads lazily: load it first, or the
            # controller would not see it and that pool would keep all its threads.
            import scipy.linalg.cython_blas  # noqa: F401
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController()
        _take_control()
        limiter = _controller.limit(limits=threads, user_api="blas")
        if _active == 0:
            _limiter = limiter            # remembers the sizes the pools had before fastnn
        _active += 1
        _in_force = threads
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _in_force = 1
                _take_control()
                _limiter.restore_original_limits()
                _limiter = None
                _take_control()           # leave no thread in control, as threadpoolctl would
