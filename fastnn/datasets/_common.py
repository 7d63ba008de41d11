"""What every synthetic generator shares: argument checks, class sizes, output finishing.

The generators validate their arguments here, once, so that every dataset answers a bad
``n_samples``, ``noise``, ``seed`` or ``dtype`` with the same message.  The shared
numpydoc ``Parameters`` text lives here too and is pasted into each docstring by
:func:`shared_doc`, so it is written once instead of copied eight times.
"""

from numbers import Integral, Real

import numpy as np

from .._validation import check_float_dtype as check_dtype
from .._validation import check_positive_int, make_rng

COMMON_PARAMS = """\
n_samples : int, default={n_samples}
        Number of rows to generate; a positive integer.
    noise : float, default=0.0
        Non-negative noise level; how it enters is given under Notes.
    seed : int, numpy.random.Generator or None, default=None
        Seed of ``numpy.random.default_rng``.  The same seed gives the same data;
        ``None`` draws fresh entropy.
    dtype : numpy floating dtype, default=numpy.float32
        Floating type of ``X`` (and of ``y`` for regression)."""


def shared_doc(n_samples):
    """Return a decorator that fills ``{common_params}`` in a generator's docstring.

    Parameters
    ----------
    n_samples : int
        The generator's default sample count, quoted in the pasted text.

    Returns
    -------
    callable
        Decorator that rewrites ``func.__doc__`` and returns ``func`` unchanged.
    """

    def decorate(func):
        text = COMMON_PARAMS.replace("{n_samples}", str(n_samples))
        func.__doc__ = func.__doc__.replace("{common_params}", text)
        return func

    return decorate


def setup(n_samples, noise, seed, dtype, n_classes=None):
    """Check the arguments every generator takes and build its random stream.

    Parameters
    ----------
    n_samples, noise, seed, dtype
        As documented in :data:`COMMON_PARAMS`.
    n_classes : int or None, default=None
        Number of classes the generator will fill; ``n_samples`` must reach it.

    Returns
    -------
    n_samples : int
    noise : float
    rng : numpy.random.Generator
    dtype : numpy.dtype
    """
    n_samples = check_n_samples(n_samples)
    if n_classes is not None:
        check_n_classes(n_classes, n_samples)
    return n_samples, check_noise(noise), make_rng(seed), check_dtype(dtype)


def check_n_samples(n_samples):
    """Return ``n_samples`` as an int, or raise ValueError if it is not a positive int."""
    return check_positive_int(n_samples, "n_samples")


def check_noise(noise):
    """Return ``noise`` as a float, or raise ValueError if it is not a finite number >= 0."""
    if isinstance(noise, bool) or not isinstance(noise, Real) or not np.isfinite(float(noise)):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}; use 0 for none")
    return float(noise)


def check_n_classes(n_classes, n_samples):
    """Return ``n_classes`` as an int >= 2 that ``n_samples`` can fill with one row each."""
    if isinstance(n_classes, bool) or not isinstance(n_classes, Integral) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if n_samples < n_classes:
        raise ValueError(
            f"n_samples={n_samples} is smaller than n_classes={n_classes}; "
            f"ask for at least one sample per class"
        )
    return int(n_classes)


def class_sizes(n_samples, n_classes):
    """Split ``n_samples`` into ``n_classes`` balanced counts.

    Every class gets ``n_samples // n_classes`` rows and the first
    ``n_samples % n_classes`` classes one more, so counts differ by at most one.

    Returns
    -------
    numpy.ndarray of int64, shape (n_classes,)
        Rows per class; they sum to ``n_samples``.
    """
    sizes = np.full(n_classes, n_samples // n_classes, dtype=np.int64)
    sizes[: n_samples % n_classes] += 1
    return sizes


def class_labels(n_samples, n_classes):
    """Return sorted int64 labels ``0 … K-1`` with the counts of :func:`class_sizes`."""
    return np.repeat(np.arange(n_classes, dtype=np.int64), class_sizes(n_samples, n_classes))


def finish(X, y, rng, dtype):
    """Shuffle rows and cast, so no generator returns its classes sorted.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, d)
        Float64 inputs built by a generator.
    y : numpy.ndarray, shape (n,)
        Labels (int64) or float64 targets.
    rng : numpy.random.Generator
        The generator's random stream; the permutation is its last draw.
    dtype : numpy.dtype
        Floating type of the returned ``X`` (and of ``y`` when it is floating).

    Returns
    -------
    X : numpy.ndarray, shape (n, d), ``dtype``, C-contiguous
    y : numpy.ndarray, shape (n,), int64 or ``dtype``
    """
    order = rng.permutation(len(y))
    X = np.ascontiguousarray(X[order], dtype=dtype)
    y = y[order]
    if y.dtype.kind == "f":
        y = y.astype(dtype)
    return X, y
