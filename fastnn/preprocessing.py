"""Preparing arrays for training: scaling, feature maps, one-hot labels, splits.

Design: plain functions, no fitted objects.  A scaler returns the statistics it used
next to the scaled array, and accepts them back, so the training set's statistics are
applied to test data by passing them on, and an ``un…`` function inverts the map::

    Xs_train, mean, std = standardize(X_train)
    Xs_test, _, _ = standardize(X_test, mean, std)
    X_back = unstandardize(Xs_train, mean, std)

Statistics are float64 arrays of shape ``X.shape[1:]``; scaled arrays keep the input's
floating dtype (integers become float64).  Every function rejects NaN/infinity and bad
shapes with a message that names the argument, what was received and what is expected.
"""

from itertools import combinations_with_replacement
from numbers import Integral, Real

import numpy as np

from ._validation import make_rng


def _as_float_array(X, name, ndims=(2,)):
    """Return ``X`` as a finite floating array with ``X.ndim`` in ``ndims`` and rows."""
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.ndim not in ndims:
        wanted = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {wanted}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no rows (shape {arr.shape}); need at least one")
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        where = ", ".join(map(str, bad[0]))
        raise ValueError(
            f"{name} contains NaN or infinity ({len(bad)} values, first at index ({where})); "
            f"drop or impute them first"
        )
    return arr


def _statistic(value, name, shape):
    """Return a given statistic as a finite float64 array of ``shape``."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape} to match X, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity: {arr}")
    return arr


def _fit_or_check(X, first, second, names, fit):
    """Return statistics ``(first, second)``: computed by ``fit(X)`` or checked if both given."""
    if (first is None) != (second is None):
        raise ValueError(
            f"pass both {names[0]} and {names[1]} (from an earlier call) or neither, "
            f"got only {names[0] if second is None else names[1]}"
        )
    if first is None:
        return fit(X.astype(np.float64))
    shape = X.shape[1:]
    return _statistic(first, names[0], shape), _statistic(second, names[1], shape)


def standardize(X, mean=None, std=None):
    r"""Scale every column to zero mean and unit variance: :math:`z = (x - \mu)/\sigma`.

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
        Data; a 1-D array (e.g. regression targets) is one column.
    mean, std : array_like of shape (d,) or (), optional
        Statistics to apply (those of the training set); both or neither.  When omitted
        they are the column means and population standard deviations of ``X``.

    Returns
    -------
    Z : numpy.ndarray, same shape as ``X``
        Standardized data, ``X``'s floating dtype.
    mean, std : numpy.ndarray of float64
        The statistics used.  A constant column has ``std = 1`` (not 0), so it becomes 0
        instead of NaN.

    Raises
    ------
    ValueError
        If ``X`` is not 1- or 2-D, is empty or holds NaN/infinity; if only one of
        ``mean``/``std`` is given, or they do not match ``X``'s columns, or ``std <= 0``.
    """
    X = _as_float_array(X, "X", ndims=(1, 2))

    def fit(X64):
        scale = X64.std(axis=0)
        return X64.mean(axis=0), np.where(scale > 0, scale, 1.0)

    mean, std = _fit_or_check(X, mean, std, ("mean", "std"), fit)
    if np.any(std <= 0):
        raise ValueError(f"std must be > 0 in every column, got {std}")
    return ((X - mean) / std).astype(X.dtype), mean, std


def unstandardize(Z, mean, std):
    r"""Invert :func:`standardize`: :math:`x = z\sigma + \mu`.

    Parameters
    ----------
    Z : array_like, shape (n, d) or (n,)
    mean, std : array_like, shape (d,) or ()
        The statistics :func:`standardize` returned.

    Returns
    -------
    numpy.ndarray
        Data in original units, ``Z``'s floating dtype.
    """
    Z = _as_float_array(Z, "Z", ndims=(1, 2))
    shape = Z.shape[1:]
    mean, std = _statistic(mean, "mean", shape), _statistic(std, "std", shape)
    return (Z * std + mean).astype(Z.dtype)


def _check_range(feature_range):
    """Return ``feature_range`` as floats ``lo < hi``."""
    try:
        lo, hi = (float(v) for v in feature_range)
    except (TypeError, ValueError):
        lo = hi = np.nan
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(
            f"feature_range must be two finite numbers lo < hi, got {feature_range!r}"
        )
    return lo, hi


def minmax_scale(X, data_min=None, data_max=None, feature_range=(0.0, 1.0)):
    r"""Map every column linearly so its minimum goes to ``lo`` and its maximum to ``hi``.

    .. math:: x' = lo + (hi - lo)\,\frac{x - \min}{\max - \min}

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
    data_min, data_max : array_like of shape (d,) or (), optional
        Column extremes to use (the training set's); both or neither.  Values of new
        data outside them map outside ``feature_range``.
    feature_range : (float, float), default=(0.0, 1.0)
        Target interval ``(lo, hi)``, ``lo < hi``.

    Returns
    -------
    Xs : numpy.ndarray, same shape as ``X``
        Scaled data, ``X``'s floating dtype.  A constant column maps to ``lo``.
    data_min, data_max : numpy.ndarray of float64
        The extremes used.

    Raises
    ------
    ValueError
        As :func:`standardize`, or if ``data_max < data_min`` somewhere or
        ``feature_range`` is not an increasing pair.
    """
    lo, hi = _check_range(feature_range)
    X = _as_float_array(X, "X", ndims=(1, 2))
    data_min, data_max = _fit_or_check(
        X, data_min, data_max, ("data_min", "data_max"),
        lambda X64: (X64.min(axis=0), X64.max(axis=0)),
    )
    span = data_max - data_min
    if np.any(span < 0):
        raise ValueError(
            f"data_max must be >= data_min in every column, got {data_min} and {data_max}"
        )
    span = np.where(span > 0, span, 1.0)
    return (lo + (hi - lo) * (X - data_min) / span).astype(X.dtype), data_min, data_max


def minmax_unscale(Xs, data_min, data_max, feature_range=(0.0, 1.0)):
    """Invert :func:`minmax_scale` given the extremes and range it used.

    Parameters
    ----------
    Xs : array_like, shape (n, d) or (n,)
    data_min, data_max : array_like, shape (d,) or ()
    feature_range : (float, float), default=(0.0, 1.0)

    Returns
    -------
    numpy.ndarray
        Data in original units, ``Xs``'s floating dtype.  Constant columns come back
        as their constant.
    """
    lo, hi = _check_range(feature_range)
    Xs = _as_float_array(Xs, "Xs", ndims=(1, 2))
    shape = Xs.shape[1:]
    data_min = _statistic(data_min, "data_min", shape)
    data_max = _statistic(data_max, "data_max", shape)
    return (data_min + (Xs - lo) / (hi - lo) * (data_max - data_min)).astype(Xs.dtype)


def _check_degree(degree):
    """Return ``degree`` as an int >= 1."""
    if isinstance(degree, bool) or not isinstance(degree, Integral) or degree < 1:
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}")
    return int(degree)


def _monomials(n_features, degree):
    """Column-index tuples of every monomial of total degree 1 … ``degree``, in order."""
    return [combo for k in range(1, degree + 1)
            for combo in combinations_with_replacement(range(n_features), k)]


def polynomial_features(X, degree=2):
    r"""All monomials of the columns up to total degree ``degree`` (no constant column).

    For two columns and ``degree=2`` the output is
    :math:`[x_1, x_2, x_1^2, x_1 x_2, x_2^2]`, the Playground's extra inputs; in general
    degree 1 first, then each degree in lexicographic order (scikit-learn's
    ``PolynomialFeatures(include_bias=False)`` order), :math:`\binom{d + k}{k} - 1`
    columns.

    Parameters
    ----------
    X : array_like, shape (n, d)
    degree : int, default=2
        Highest total degree, >= 1.

    Returns
    -------
    numpy.ndarray, shape (n, C(d + degree, degree) - 1)
        ``X``'s floating dtype.  Names: :func:`polynomial_feature_names`.
    """
    degree = _check_degree(degree)
    X = _as_float_array(X, "X")
    columns = [np.prod(X[:, list(combo)], axis=1) for combo in _monomials(X.shape[1], degree)]
    return np.column_stack(columns).astype(X.dtype)


def polynomial_feature_names(input_names, degree=2):
    """Names of the columns :func:`polynomial_features` returns.

    Parameters
    ----------
    input_names : sequence of str
        Names of the input columns, e.g. ``("x1", "x2")``.
    degree : int, default=2

    Returns
    -------
    list of str
        E.g. ``["x1", "x2", "x1^2", "x1*x2", "x2^2"]``.
    """
    degree = _check_degree(degree)
    input_names = list(input_names)
    names = []
    for combo in _monomials(len(input_names), degree):
        powers: dict[int, int] = {}
        for index in combo:
            powers[index] = powers.get(index, 0) + 1
        names.append("*".join(input_names[i] + (f"^{p}" if p > 1 else "")
                              for i, p in powers.items()))
    return names


def trig_features(X):
    r"""Sine and cosine of every column: :math:`[\sin x_1 … \sin x_d, \cos x_1 … \cos x_d]`.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Angles in radians.

    Returns
    -------
    numpy.ndarray, shape (n, 2d)
        ``X``'s floating dtype.  Append ``X`` itself with ``numpy.hstack`` if wanted.
    """
    X = _as_float_array(X, "X")
    return np.hstack([np.sin(X), np.cos(X)])


def one_hot(y, n_classes=None, dtype=np.float32):
    """Encode integer labels as one-hot rows: ``Y[i, y[i]] = 1``.

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Labels ``0 … n_classes-1`` (floats with integral values are accepted).
    n_classes : int, optional
        Number of columns; defaults to ``max(y) + 1``.
    dtype : numpy dtype, default=numpy.float32

    Returns
    -------
    numpy.ndarray, shape (n, n_classes)

    Raises
    ------
    ValueError
        If ``y`` is not 1-D, holds non-integral, negative or NaN values, or a label
        ``>= n_classes``.
    """
    arr = _as_float_array(y, "y", ndims=(1,))
    if np.any(arr != np.round(arr)) or np.any(arr < 0):
        bad = arr[(arr != np.round(arr)) | (arr < 0)][0]
        raise ValueError(f"y must hold integer labels >= 0, found {bad}")
    labels = arr.astype(np.int64)
    if n_classes is None:
        n_classes = int(labels.max()) + 1
    elif isinstance(n_classes, bool) or not isinstance(n_classes, Integral) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer or None, got {n_classes!r}")
    if labels.max() >= n_classes:
        raise ValueError(
            f"y holds label {labels.max()} but n_classes={n_classes}; labels must be "
            f"0 … {n_classes - 1} (or leave n_classes=None)"
        )
    Y = np.zeros((len(labels), n_classes), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1
    return Y


def encode_labels(y):
    """Map class labels (any sortable values: ints, floats, strings) to codes ``0 … K-1``.

    Parameters
    ----------
    y : array_like, shape (n,)

    Returns
    -------
    codes : numpy.ndarray of int64, shape (n,)
        ``classes[codes] == y``.
    classes : numpy.ndarray, shape (K,)
        The distinct labels, sorted.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D or empty, or holds NaN.
    """
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(f"y must be a non-empty 1-D array of labels, got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError("y contains NaN; drop or impute those rows first")
    classes, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int64).reshape(arr.shape), classes


def _n_test(test_size, n):
    """Return the test-row count for ``test_size`` (fraction or count) of ``n`` rows."""
    if isinstance(test_size, bool) or not isinstance(test_size, Real):
        count = None
    elif isinstance(test_size, Integral):
        count = int(test_size)
    else:
        fraction = float(test_size)
        count = int(np.ceil(fraction * n)) if 0 < fraction < 1 else None
    if count is None or not 1 <= count <= n - 1:
        raise ValueError(
            f"test_size must be a fraction in (0, 1) or a count in [1, {n - 1}] that "
            f"leaves both parts non-empty for {n} rows, got {test_size!r}"
        )
    return count


def _stratified_test_rows(y, n_test, rng):
    """Pick ``n_test`` row indices with each class in proportion (largest remainders)."""
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = n_test * counts / len(y)
    take = np.floor(quota).astype(np.int64)
    # Hand the rows lost to flooring to the classes that lost the most.
    take[np.argsort(take - quota, kind="stable")[: n_test - take.sum()]] += 1
    rows = [rng.permutation(np.flatnonzero(inverse == c))[: take[c]]
            for c in range(len(classes))]
    return np.concatenate(rows)


def train_test_split(X, y, test_size=0.2, seed=None, stratify=False):
    r"""Split rows at random into a training and a test part.

    Parameters
    ----------
    X : array_like, shape (n, ...)
    y : array_like, shape (n, ...)
        Labels or targets, one per row of ``X``.
    test_size : float or int, default=0.2
        Fraction of rows for the test part (rounded up), or their number.
    seed : int, numpy.random.Generator or None, default=None
        Seed of ``numpy.random.default_rng``; the same seed gives the same split.
    stratify : bool, default=False
        Keep each class's share of the rows in both parts (``y`` must be 1-D labels):
        a class with :math:`n_c` of the :math:`n` rows gets about
        :math:`n_c \cdot n_{test} / n` test rows, rounded by largest remainders so that
        the total is exactly :math:`n_{test}`.

    Returns
    -------
    X_train, X_test, y_train, y_test : numpy.ndarray
        Rows in random order.

    Raises
    ------
    ValueError
        If ``X`` and ``y`` differ in length, hold NaN/infinity, there are fewer than two
        rows, ``test_size`` leaves a part empty, or ``stratify`` is asked with 2-D ``y``.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y must have one row per sample, got X of shape {X.shape} and y of "
            f"shape {y.shape}"
        )
    for name, arr in (("X", X), ("y", y)):
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity; drop or impute them first")
    n = len(X)
    if n < 2:
        raise ValueError(f"need at least 2 rows to split, got {n}")
    n_test = _n_test(test_size, n)
    rng = make_rng(seed)
    if stratify:
        if y.ndim != 1:
            raise ValueError(f"stratify=True needs 1-D class labels y, got shape {y.shape}")
        test = _stratified_test_rows(y, n_test, rng)
    else:
        test = rng.permutation(n)[:n_test]
    test = rng.permutation(test)
    train = rng.permutation(np.setdiff1d(np.arange(n), test))
    return X[train], X[test], y[train], y[test]
