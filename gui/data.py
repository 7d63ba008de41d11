"""Where the app's data comes from: fastnn generators, MNIST files, or the user's points.

``DataRequest`` describes what the user picked; :func:`load` turns it into a
:class:`~.problem.Problem` (called in the worker thread, so MNIST decoding never blocks the UI).
"""
from dataclasses import dataclass

import numpy as np

from . import features as feats
from .problem import make_problem


@dataclass(frozen=True)
class Entry:
    """One item of the dataset picker.

    name : fastnn generator name ("mnist" and "custom" are handled here).
    noise_scale : generator noise at 100 % on the noise slider (in data units).
    """

    label: str
    name: str
    group: str
    noise_scale: float = 1.0
    kwargs: tuple = ()
    n_samples: int = 500


CATALOG = (
    Entry("Circle", "circles", "Classification", 2.0),
    Entry("XOR", "xor", "Classification", 2.0),
    Entry("Two Gaussians", "gaussians", "Classification", 2.0),
    Entry("Spiral", "spiral", "Classification", 1.0),
    Entry("Moons", "moons", "Classification", 0.5),
    Entry("Linear", "linear", "Classification", 2.0),
    Entry("Three classes", "three_class", "Multi-class", 2.0, n_samples=600),
    Entry("Spiral, 3 arms", "spiral_k", "Multi-class", 1.0, (("n_classes", 3),), 600),
    Entry("Spiral, 5 arms", "spiral_k", "Multi-class", 1.0, (("n_classes", 5),), 1000),
    Entry("Plane", "plane", "Regression", 1.0),
    Entry("Gaussian bumps", "gaussian_bumps", "Regression", 1.0),
    Entry("Sine curve", "sine", "Regression", 0.5, n_samples=300),
    Entry("Complex curve", "complex_curve", "Regression", 0.3, n_samples=500),
    Entry("House prices", "house_prices", "Regression", 100.0),
    Entry("MNIST digits", "mnist", "Images", 0.0, n_samples=4000),
    Entry("Your own data", "custom", "Your own data", 0.0),
)


GROUPS = tuple(dict.fromkeys(e.group for e in CATALOG))   # the problem types, in catalogue order


def entry(label):
    """The catalogue entry with this label (ValueError for an unknown one)."""
    for e in CATALOG:
        if e.label == label:
            return e
    raise ValueError(f"unknown dataset '{label}'; expected one of {[e.label for e in CATALOG]}")


@dataclass
class DataRequest:
    """The user's data choice. ``X``/``y`` carry custom points or a loaded CSV, ``test_mask``
    which of them are test samples (fixed, so added points never move existing ones)."""

    label: str = "Circle"
    n_samples: int = 500
    noise: float = 0.0          # 0..50 (% of the entry's noise scale)
    train_ratio: float = 0.5
    seed: int = 0
    features: tuple = ()
    X: np.ndarray = None
    y: np.ndarray = None
    test_mask: np.ndarray = None


MNIST_PATH = None     # the app's --mnist-path; None: the library's lookup (mnist_search_dirs)


def _load_mnist(n_samples, seed):
    """``n_samples`` digits of MNIST's test set, found by :func:`fastnn.datasets.load_mnist`'s one
    lookup (``--mnist-path``, ``$FASTNN_DATA``, the user cache, ``../shared/data`` beside a
    checkout); its error lists every folder it looked in."""
    import fastnn.datasets as ds
    X, y = ds.load_mnist(MNIST_PATH)
    X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
    n = min(int(n_samples), len(X))
    idx = np.random.default_rng(seed).permutation(len(X))[:n]
    return X[idx], np.asarray(y)[idx]


def generate(request):
    """Raw ``(X, y)`` for a request (custom arrays are passed through)."""
    e = entry(request.label)
    if e.name == "custom":
        if request.X is None or len(request.X) == 0:
            raise ValueError("no points yet: click on the surface to add points, "
                             "or load a CSV file")
        return request.X, request.y
    if e.name == "mnist":
        return _load_mnist(request.n_samples, request.seed)
    import fastnn.datasets as ds
    if not 0 <= request.noise <= 100:
        raise ValueError(f"noise must be between 0 and 100 %, got {request.noise}")
    noise = e.noise_scale * request.noise / 100.0
    gen = ds.get if hasattr(ds, "get") else (lambda name, **kw: getattr(ds, name)(**kw))
    return gen(e.name, n_samples=int(request.n_samples), noise=noise, seed=int(request.seed),
               **dict(e.kwargs))


def load(request):
    """Build the :class:`Problem` for a request, keeping its features when they still fit."""
    X, y = generate(request)
    mask = request.test_mask if entry(request.label).name == "custom" else None
    problem = make_problem(request.label, X, y, request.train_ratio, request.seed,
                           test_mask=mask)
    wanted = tuple(request.features)
    if wanted and all(f in feats.available(problem.n_raw) for f in wanted):
        problem = problem.with_features(wanted)
    return problem
