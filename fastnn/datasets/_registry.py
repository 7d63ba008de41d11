"""Every dataset by name, with what a GUI or CLI needs to list, describe and build it."""

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from . import _bundled, _mnist
from . import _classification2d as c2d
from . import _regression as reg

KINDS = ("classification", "regression")
_XY = ("x1", "x2")


@dataclass(frozen=True)
class DatasetInfo:
    """Description of one registered dataset.

    Attributes
    ----------
    name : str
        Registry key, also the generator's name.
    kind : {"classification", "regression"}
        Task: integer labels or float targets.
    n_features : int
        Columns of ``X`` with the default arguments.
    n_classes : int or None
        Classes with the default arguments; ``None`` for regression.
    description : str
        One sentence for tooltips and ``--help`` listings.
    make : callable
        Function returning ``(X, y)``; :func:`get` calls it.
    feature_names : tuple of str or None
        Names of the columns of ``X``; ``None`` for image pixels.
    typical_noise : float or None
        A noise level that gives visible but learnable noise, a sensible middle for a
        noise slider; ``None`` for real data sets, which take no ``noise`` argument.
    """

    name: str
    kind: str
    n_features: int
    n_classes: int | None
    description: str
    make: Callable
    feature_names: tuple | None = None
    typical_noise: float | None = None


_ENTRIES = (
    DatasetInfo("linear", "classification", 2, 2,
                "Two classes on either side of a straight line; logistic regression "
                "separates them.", c2d.linear, _XY, 0.5),
    DatasetInfo("three_class", "classification", 2, 3,
                "Three classes in 120° wedges; linearly separable, so softmax regression "
                "suffices.", c2d.three_class, _XY, 0.5),
    DatasetInfo("xor", "classification", 2, 2,
                "Exclusive or: opposite quadrants share a class, so no single line works "
                "but one hidden layer does.", c2d.xor, _XY, 0.5),
    DatasetInfo("circles", "classification", 2, 2,
                "A disk inside a ring; needs a curved boundary or the squared features.",
                c2d.circles, _XY, 0.5),
    DatasetInfo("gaussians", "classification", 2, 2,
                "Two Gaussian blobs that overlap more as the noise grows.",
                c2d.gaussians, _XY, 1.0),
    DatasetInfo("moons", "classification", 2, 2,
                "Two interleaving half circles; a gently curved boundary.",
                c2d.moons, _XY, 0.5),
    DatasetInfo("spiral", "classification", 2, 2,
                "Two interleaved spiral arms; the hardest 2-D set, needs a deep or wide "
                "network.", c2d.spiral, _XY, 0.3),
    DatasetInfo("spiral_k", "classification", 2, 3,
                "K interleaved spiral arms (3 by default), one class per arm; needs "
                "softmax and hidden layers.", c2d.spiral_k, _XY, 0.3),
    DatasetInfo("mnist", "classification", 784, 10,
                "MNIST handwritten digits, 28×28 pixels, read from the official IDX "
                "files.", _mnist.load_mnist),
    DatasetInfo("digits", "classification", 64, 10,
                "scikit-learn's 1,797 small handwritten digits, 8×8 pixels.",
                _bundled.load_digits),
    DatasetInfo("iris", "classification", 4, 3,
                "Fisher's 150 Iris flowers: four measurements, three species.",
                _bundled.load_iris,
                ("sepal_length", "sepal_width", "petal_length", "petal_width")),
    DatasetInfo("sine", "regression", 1, None,
                "One period of a sine wave on [0, 1]; a line cannot follow it, a small "
                "hidden layer can.", reg.sine, ("x",), 0.1),
    DatasetInfo("complex_curve", "regression", 1, None,
                "The lecture notes' wiggly curve 0.4x² + 0.3x·sin 15x + 0.01·cos 50x − 0.3 "
                "on [0, 1].", reg.complex_curve, ("x",), 0.02),
    DatasetInfo("plane", "regression", 2, None,
                "A tilted plane y = (x1 + x2)/10; linear regression fits it exactly.",
                reg.plane, _XY, 0.05),
    DatasetInfo("gaussian_bumps", "regression", 2, None,
                "Six positive and negative Gaussian bumps on a 2-D grid.",
                reg.gaussian_bumps, _XY, 0.05),
    DatasetInfo("house_prices", "regression", 3, None,
                "House price (k$) from bedrooms, bathrooms and floor area; a weighted sum "
                "plus noise.", reg.house_prices, reg.HOUSE_FEATURES, 30.0),
)

#: Read-only mapping ``name -> DatasetInfo``, in display order.
DATASETS = MappingProxyType({entry.name: entry for entry in _ENTRIES})


def info(name):
    """Return the :class:`DatasetInfo` registered under ``name``.

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the valid names and the closest one.
    """
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(DATASETS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"unknown dataset {name!r}; expected one of {list(DATASETS)}{hint}"
        ) from None


def names(kind=None):
    """List registered dataset names, optionally only those of one kind.

    Parameters
    ----------
    kind : {"classification", "regression"} or None, default=None
        Restrict to one task; ``None`` lists them all.

    Returns
    -------
    list of str
        Names in display order (synthetic sets first, then real ones, per kind).
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)} or None, got {kind!r}")
    return [entry.name for entry in _ENTRIES if kind is None or entry.kind == kind]


def get(name, **kwargs):
    """Build the dataset registered under ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`names`.
    **kwargs
        Passed to the dataset's function, e.g. ``n_samples``, ``noise``, ``seed`` for a
        generator, ``path`` or ``kind`` for MNIST.

    Returns
    -------
    X : numpy.ndarray
    y : numpy.ndarray

    Raises
    ------
    ValueError
        If ``name`` is unknown or a keyword is not one the dataset accepts (the
        message lists those it does).
    """
    entry = info(name)
    accepted = inspect.signature(entry.make).parameters
    unknown = [key for key in kwargs if key not in accepted]
    if unknown:
        raise ValueError(
            f"dataset {name!r} does not take {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(accepted)}"
        )
    return entry.make(**kwargs)
