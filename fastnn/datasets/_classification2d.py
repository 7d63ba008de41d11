"""Two-dimensional classification sets: TensorFlow Playground's and the lecture notes'.

Every set lies in about ``[-6, 6]²`` (the Playground's canvas) at ``noise=0``, so a plot
can use one fixed view.  Classes are balanced (:func:`~._common.class_sizes`) and rows are
shuffled.  ``noise`` is the standard deviation of isotropic Gaussian jitter added to
every point *after* its label is fixed, so labels stay balanced and the noise-free rule
(quadrant, radius, side of a line) holds exactly at ``noise=0``.

The Playground (``tensorflow/playground`` ``src/dataset.ts``) labels ``±1``; here labels
are ``0 … K-1`` int64, ready for cross-entropy.
"""

import numpy as np

from ._common import class_labels, finish, setup, shared_doc

#: Gap (data units) pushed between classes that touch, as in the Playground's XOR set.
PADDING = 0.3
#: Number of turns of each spiral arm (the Playground's value).
SPIRAL_TURNS = 1.75
#: Outer radius of the spirals, of the circles' ring and of the linear sets.
RADIUS = 5.0


def _jitter(X, noise, rng):
    """Return ``X + noise · N(0, I)``; drawn even at noise 0 so streams stay aligned."""
    return X + noise * rng.standard_normal(X.shape)


def _polar(r, angle):
    """Return points ``r · (cos angle, sin angle)`` as an ``(n, 2)`` array."""
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


@shared_doc(500)
def linear(n_samples=500, noise=0.0, seed=None, dtype=np.float32):
    r"""Two classes on either side of the line :math:`x_1 + x_2 = 0`.

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)
        1 above the line, 0 below.

    Notes
    -----
    Points :math:`q` are uniform on the half of the square :math:`[-5, 5]^2` that belongs
    to their class, then pushed off the line along its unit normal
    :math:`\hat n = (1, 1)/\sqrt 2`:

    .. math:: x = q + (2y - 1) \cdot 0.3 \, \hat n + \text{noise} \cdot \varepsilon,
              \qquad \varepsilon \sim \mathcal N(0, I_2)

    so at ``noise=0`` the classes are separated by a gap of width 0.6 and
    ``y == (x1 + x2 > 0)``.  A logistic regression separates them perfectly.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype, n_classes=2)
    y = class_labels(n, 2)
    q = rng.uniform(-RADIUS, RADIUS, size=(n, 2))
    side = np.where(q.sum(axis=1) >= 0, 1.0, -1.0)
    wanted = 2.0 * y - 1.0
    # The square is symmetric about the origin, so mirroring a point through it moves
    # it to the other half-plane while keeping the distribution uniform.
    q *= (side * wanted)[:, None]
    normal = np.array([1.0, 1.0]) / np.sqrt(2.0)
    X = q + PADDING * wanted[:, None] * normal
    return finish(_jitter(X, noise, rng), y, rng, dtype)


@shared_doc(600)
def three_class(n_samples=600, noise=0.0, seed=None, dtype=np.float32):
    r"""Three linearly separable classes: 120° wedges of a disk.

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)
        0, 1 or 2.

    Notes
    -----
    Class :math:`k` owns the directions within 60° of
    :math:`w_k = (\cos\theta_k, \sin\theta_k)`, :math:`\theta_k = \pi/2 + 2\pi k/3`.
    A point :math:`q` is uniform over that wedge of the disk of radius 5 and is pushed
    outward along :math:`w_k`:

    .. math:: x = q + 0.3\, w_k + \text{noise}\cdot\varepsilon

    Since :math:`(w_k - w_j)\cdot w_k = 3/2 > 0`, the push keeps every point strictly on
    its side, so at ``noise=0`` ``y == argmax_k w_k · x``: a softmax regression (three
    linear scores) separates the classes perfectly.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype, n_classes=3)
    y = class_labels(n, 3)
    theta = np.pi / 2 + 2 * np.pi * y / 3
    angle = theta + rng.uniform(-np.pi / 3, np.pi / 3, size=n)
    r = RADIUS * np.sqrt(rng.uniform(size=n))  # sqrt: uniform over the area, not the radius
    X = _polar(r, angle) + PADDING * _polar(np.ones(n), theta)
    return finish(_jitter(X, noise, rng), y, rng, dtype)


@shared_doc(500)
def xor(n_samples=500, noise=0.0, seed=None, dtype=np.float32):
    r"""Exclusive or: class 1 in the first and third quadrants, class 0 in the others.

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)
        1 where :math:`x_1 x_2 > 0`, else 0.

    Notes
    -----
    As in the Playground, each coordinate's magnitude is :math:`0.3 + U(0, 5)` (a 0.3
    padding keeps points off the axes); the signs follow the class:

    .. math:: y = [\operatorname{sign} x_1 = \operatorname{sign} x_2]

    then ``noise`` jitter is added.  No single line separates the classes; one hidden
    layer of two units does.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype, n_classes=2)
    y = class_labels(n, 2)
    magnitude = PADDING + rng.uniform(0.0, RADIUS, size=(n, 2))
    sign1 = rng.choice([-1.0, 1.0], size=n)
    sign2 = np.where(y == 1, sign1, -sign1)
    X = magnitude * np.column_stack([sign1, sign2])
    return finish(_jitter(X, noise, rng), y, rng, dtype)


@shared_doc(500)
def circles(n_samples=500, noise=0.0, seed=None, dtype=np.float32):
    r"""A disk (class 1) inside a ring (class 0).

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)
        1 inside the disk, 0 in the ring.

    Notes
    -----
    The Playground's circle set: angle :math:`\phi \sim U(0, 2\pi)`, radius
    :math:`r \sim U(0, 2.5)` for the disk and :math:`r \sim U(3.5, 5)` for the ring,

    .. math:: x = r (\cos\phi, \sin\phi) + \text{noise}\cdot\varepsilon

    At ``noise=0`` the radii are separated by the gap ``2.5 ≤ r < 3.5``; the features
    :math:`x_1^2, x_2^2` make the classes linearly separable.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype, n_classes=2)
    y = class_labels(n, 2)
    inner = y == 1
    r = np.where(inner, rng.uniform(0.0, 2.5, size=n), rng.uniform(3.5, RADIUS, size=n))
    X = _polar(r, rng.uniform(0.0, 2 * np.pi, size=n))
    return finish(_jitter(X, noise, rng), y, rng, dtype)


@shared_doc(500)
def gaussians(n_samples=500, noise=0.0, seed=None, dtype=np.float32):
    r"""Two Gaussian blobs centred on (2, 2) (class 1) and (-2, -2) (class 0).

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)

    Notes
    -----
    .. math:: x = c_y + \sqrt{0.5}\,\eta + \text{noise}\cdot\varepsilon,\qquad
              c_1 = (2, 2),\; c_0 = (-2, -2),\; \eta, \varepsilon \sim \mathcal N(0, I_2)

    Each blob has variance :math:`0.5 + \text{noise}^2` per axis (0.5 is the
    Playground's variance at zero noise), so the blobs overlap as noise grows.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype, n_classes=2)
    y = class_labels(n, 2)
    centres = np.where(y[:, None] == 1, 2.0, -2.0)
    X = centres + np.sqrt(0.5) * rng.standard_normal((n, 2))
    return finish(_jitter(X, noise, rng), y, rng, dtype)


@shared_doc(500)
def moons(n_samples=500, noise=0.0, seed=None, dtype=np.float32):
    r"""Two interleaving half circles (scikit-learn's moons, scaled to the Playground canvas).

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)
        0 for the upper moon, 1 for the lower one.

    Notes
    -----
    With :math:`t \sim U(0, \pi)`, the unit moons of ``sklearn.datasets.make_moons``
    are :math:`m_0 = (\cos t, \sin t)` and :math:`m_1 = (1 - \cos t, 0.5 - \sin t)`;
    they are centred and scaled by 3:

    .. math:: x = 3\,(m_y - (0.5, 0.25)) + \text{noise}\cdot\varepsilon

    so at ``noise=0`` every point lies on a circle of radius 3 around
    ``(-1.5, -0.75)`` (class 0) or ``(1.5, 0.75)`` (class 1).
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype, n_classes=2)
    y = class_labels(n, 2)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    unit = np.where(y[:, None] == 0, upper, lower)
    X = 3.0 * (unit - np.array([0.5, 0.25]))
    return finish(_jitter(X, noise, rng), y, rng, dtype)


@shared_doc(600)
def spiral_k(n_classes=3, n_samples=600, noise=0.0, seed=None, dtype=np.float32):
    r"""``n_classes`` interleaved spiral arms, one class per arm.

    Parameters
    ----------
    n_classes : int, default=3
        Number of arms (classes), at least 2.
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)
        Arm index ``0 … n_classes-1``.

    Notes
    -----
    A point at fraction :math:`u \sim U(0, 1)` along arm :math:`k` of :math:`K` has
    radius :math:`r = 5u` and angle :math:`t = 2\pi \cdot 1.75\,u + 2\pi k / K`
    (1.75 turns, the Playground's spiral), written as the Playground does:

    .. math:: x = r\,(\sin t, \cos t) + \text{noise}\cdot\varepsilon

    With ``n_classes=2`` this is :func:`spiral`.
    """
    n, noise, rng, dtype = setup(n_samples, noise, seed, dtype, n_classes=n_classes)
    y = class_labels(n, n_classes)
    u = rng.uniform(size=n)
    r = RADIUS * u
    t = 2 * np.pi * SPIRAL_TURNS * u + 2 * np.pi * y / n_classes
    X = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return finish(_jitter(X, noise, rng), y, rng, dtype)


@shared_doc(500)
def spiral(n_samples=500, noise=0.0, seed=None, dtype=np.float32):
    r"""Two interleaved spiral arms, the Playground's hardest set.

    Parameters
    ----------
    {common_params}

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int64, shape (n_samples,)
        0 for the arm starting at angle 0, 1 for the arm rotated by π.

    Notes
    -----
    ``spiral_k(n_classes=2, ...)``: arm :math:`k` has :math:`r = 5u`,
    :math:`t = 3.5\pi u + k\pi`, :math:`x = r(\sin t, \cos t) + \text{noise}\cdot\varepsilon`.
    """
    return spiral_k(2, n_samples, noise, seed, dtype)
