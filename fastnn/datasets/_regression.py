r"""Regression sets: the lecture notes' curves and house prices, the Playground's surfaces.

Every generator returns ``X`` of shape ``(n, d)`` and float targets ``y`` of shape
``(n,)``.  ``noise`` is the standard deviation of Gaussian noise added to the target:
:math:`y = f(x) + \text{noise}\cdot\varepsilon`, :math:`\varepsilon \sim \mathcal N(0, 1)`.
Inputs are rounded to ``dtype`` *before* :math:`f` is evaluated, so at ``noise=0``
``y == f(X)`` holds exactly for the returned ``X``.
"""

from numbers import Real

import numpy as np

from ._common import finish, setup, shared_doc

#: Column names of :func:`house_prices`'s ``X``, in order.
HOUSE_FEATURES = ("bedrooms", "bathrooms", "area_sqft")
#: ``(cx, cy, sign)`` of the six bumps of :func:`gaussian_bumps` (the Playground's centres).
BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
         (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))


def _uniform_inputs(rng, low, high, shape, dtype):
    """Draw ``U(low, high)`` inputs already rounded to ``dtype`` (returned as float64)."""
    return rng.uniform(low, high, size=shape).astype(dtype).astype(np.float64)


def _add_noise(target, noise, rng):
    """Return ``target + noise · N(0, 1)``."""
    return target + noise * rng.standard_normal(target.shape)


@shared_doc(1000)
def sine(n_samples=1000, noise=0.0, seed=None, dtype=np.float32):
    r"""One period of a sine on :math:`x \in [0, 1]`.

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 1)
    y : numpy.ndarray, shape (n_samples,)

    Notes
    -----
    .. math:: x \sim U(0, 1),\qquad y = \sin(2\pi x) + \text{noise}\cdot\varepsilon

    ``x`` stays in ``[0, 1]`` as in the lecture notes, so no scaling is needed; a
    straight line cannot follow it, one hidden layer of a few tanh units can.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype)
    x = _uniform_inputs(rng, 0.0, 1.0, (n, 1), dtype)
    y = _add_noise(np.sin(2 * np.pi * x[:, 0]), noise, rng)
    return finish(x, y, rng, dtype)


def complex_curve_formula(x):
    r"""The lecture notes' "complex curve", :math:`0.4x^2 + 0.3x\sin 15x + 0.01\cos 50x - 0.3`.

    Parameters
    ----------
    x : array_like
        Inputs, any shape.

    Returns
    -------
    numpy.ndarray
        The curve at ``x`` (float64 unless ``x`` is another float type).
    """
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    return 0.4 * x**2 + 0.3 * x * np.sin(15 * x) + 0.01 * np.cos(50 * x) - 0.3


@shared_doc(1000)
def complex_curve(n_samples=1000, noise=0.0, seed=None, dtype=np.float32):
    r"""The lecture notes' wiggly curve on :math:`x \in [0, 1]`.

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 1)
    y : numpy.ndarray, shape (n_samples,)

    Notes
    -----
    .. math:: y = 0.4x^2 + 0.3x\sin(15x) + 0.01\cos(50x) - 0.3
              + \text{noise}\cdot\varepsilon,\qquad x \sim U(0, 1)

    (:func:`complex_curve_formula`).  The notes fit it with one hidden layer of a
    handful of sigmoid units; the ``0.01 cos 50x`` ripple is below what such a net sees.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype)
    x = _uniform_inputs(rng, 0.0, 1.0, (n, 1), dtype)
    y = _add_noise(complex_curve_formula(x[:, 0]), noise, rng)
    return finish(x, y, rng, dtype)


def _check_plane_args(coef, intercept):
    """Return ``coef`` as a finite float64 pair and ``intercept`` as a finite float."""
    arr = np.asarray(coef, dtype=np.float64) if np.ndim(coef) == 1 else None
    if arr is None or arr.shape != (2,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"coef must be two finite numbers (w1, w2), got {coef!r}")
    if isinstance(intercept, bool) or not isinstance(intercept, Real) \
            or not np.isfinite(float(intercept)):
        raise ValueError(f"intercept must be a finite number, got {intercept!r}")
    return arr, float(intercept)


@shared_doc(1200)
def plane(n_samples=1200, noise=0.0, seed=None, dtype=np.float32, coef=(0.1, 0.1),
          intercept=0.0):
    r"""A plane over :math:`[-6, 6]^2`: the Playground's "regress plane".

    Parameters
    ----------
    {common_params}
    coef : sequence of 2 floats, default=(0.1, 0.1)
        Slopes :math:`(w_1, w_2)`; the default is the Playground's :math:`(x_1+x_2)/10`.
    intercept : float, default=0.0
        Offset :math:`b`.

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray, shape (n_samples,)

    Notes
    -----
    .. math:: x \sim U(-6, 6)^2,\qquad y = w_1 x_1 + w_2 x_2 + b + \text{noise}\cdot\varepsilon

    Linear regression (or the normal equation) recovers :math:`w` and :math:`b`.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype)
    coef, intercept = _check_plane_args(coef, intercept)
    X = _uniform_inputs(rng, -6.0, 6.0, (n, 2), dtype)
    y = _add_noise(X @ coef + intercept, noise, rng)
    return finish(X, y, rng, dtype)


def gaussian_bumps_formula(X):
    r"""Sum of the six signed unit bumps of :data:`BUMPS` at the rows of ``X``.

    .. math:: f(x) = \sum_{k=1}^{6} s_k \exp\left(-\tfrac12 \lVert x - c_k \rVert^2\right)

    Parameters
    ----------
    X : array_like, shape (n, 2)

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
    """
    X = np.asarray(X, dtype=np.float64)
    total = np.zeros(len(X))
    for cx, cy, sign in BUMPS:
        total += sign * np.exp(-0.5 * ((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2))
    return total


@shared_doc(1200)
def gaussian_bumps(n_samples=1200, noise=0.0, seed=None, dtype=np.float32):
    r"""Six signed Gaussian bumps on :math:`[-6, 6]^2`, after the Playground's "regress Gaussian".

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray, shape (n_samples,)
        Values in about ``[-1, 1]``.

    Notes
    -----
    .. math:: y = \sum_{k=1}^{6} s_k \exp\left(-\tfrac12 \lVert x - c_k \rVert^2\right)
              + \text{noise}\cdot\varepsilon,\qquad x \sim U(-6, 6)^2

    with centres :math:`c_k \in \{-4, 0, 4\} \times \{2.5, -2.5\}` and alternating signs
    :math:`s_k` (:data:`BUMPS`).  The Playground uses cones
    :math:`s_k \max(0, 1 - \lVert x - c_k\rVert/2)` and keeps the largest; smooth bumps
    that add up are easier to fit and to differentiate.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype)
    X = _uniform_inputs(rng, -6.0, 6.0, (n, 2), dtype)
    y = _add_noise(gaussian_bumps_formula(X), noise, rng)
    return finish(X, y, rng, dtype)


@shared_doc(1000)
def house_prices(n_samples=1000, noise=0.0, seed=None, dtype=np.float32):
    r"""House prices from bedrooms, bathrooms and floor area (the lecture notes' example).

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 3)
        Columns :data:`HOUSE_FEATURES`: bedrooms, bathrooms, floor area in square feet.
    y : numpy.ndarray, shape (n_samples,)
        Price in thousands of dollars.

    Notes
    -----
    The notes' model is "the price is a weighted sum of the key factors",
    :math:`v = w_1 x_1 + w_2 x_2 + w_3 x_3 + b`.  The generator draws

    .. math::
        x_1 &\sim U\{1, \dots, 6\} \quad\text{(bedrooms)}\\
        x_2 &\sim U\{1, \dots, x_1\} \quad\text{(bathrooms)}\\
        x_3 &= \operatorname{round}(300 + 450 x_1 + 200 x_2 + U(-300, 300))
               \quad\text{(sq ft)}\\
        y &= 50 + 25 x_1 + 10 x_2 + 0.2 x_3 + \text{noise}\cdot\varepsilon

    so the true weights are :math:`w = (25, 10, 0.2)`, :math:`b = 50`; ``noise`` is in
    thousands of dollars (30 gives a realistic scatter).  The features
    are on very different scales and correlated (bigger houses have more rooms):
    standardize them (:func:`fastnn.preprocessing.standardize`) before gradient descent.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype)
    bedrooms = rng.integers(1, 7, size=n)
    bathrooms = 1 + np.floor(rng.uniform(size=n) * bedrooms)
    area = np.round(300 + 450 * bedrooms + 200 * bathrooms + rng.uniform(-300, 300, size=n))
    X = np.column_stack([bedrooms, bathrooms, area]).astype(np.float64)
    y = _add_noise(50 + 25 * X[:, 0] + 10 * X[:, 1] + 0.2 * X[:, 2], noise, rng)
    return finish(X, y, rng, dtype)
