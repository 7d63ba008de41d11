"""Datasets for teaching and benchmarking: synthetic generators and real-data loaders.

Synthetic generators (NumPy only) share the signature
``f(n_samples, noise=0.0, seed=None, dtype=numpy.float32) -> (X, y)``, are deterministic
for a given ``seed`` and return shuffled rows:

- 2-D classification (labels int64 ``0 … K-1``, balanced classes, about ``[-6, 6]²``):
  :func:`linear`, :func:`three_class`, :func:`xor`, :func:`circles`, :func:`gaussians`,
  :func:`moons`, :func:`spiral`, :func:`spiral_k`;
- regression (float targets of shape ``(n,)``): :func:`sine`, :func:`complex_curve`,
  :func:`plane`, :func:`gaussian_bumps`, :func:`house_prices`.

Real data: :func:`load_mnist` (official IDX gzip files, never downloaded; found by
:func:`mnist_search_dirs`), and
:func:`load_digits` / :func:`load_iris` (bundled with scikit-learn, imported lazily).

By name, for GUIs and command lines: :func:`names`, :func:`info`, :func:`get` and the
read-only :data:`DATASETS` mapping of :class:`DatasetInfo`.

Examples
--------
>>> from fastnn import datasets
>>> X, y = datasets.xor(n_samples=200, noise=0.2, seed=0)
>>> X.shape, X.dtype, y.dtype
((200, 2), dtype('float32'), dtype('int64'))
>>> X, y = datasets.get("circles", n_samples=100, seed=1)
"""

from ._bundled import load_digits, load_iris
from ._classification2d import circles, gaussians, linear, moons, spiral, spiral_k, three_class, xor
from ._errors import ChecksumError, CorruptDataError, DataFileNotFoundError
from ._mnist import MNIST_MD5, checkout_data_dirs, load_mnist, mnist_search_dirs
from ._registry import DATASETS, DatasetInfo, get, info, names
from ._regression import (
    HOUSE_FEATURES,
    complex_curve,
    complex_curve_formula,
    gaussian_bumps,
    gaussian_bumps_formula,
    house_prices,
    plane,
    sine,
)

__all__ = [
    "DATASETS", "HOUSE_FEATURES", "MNIST_MD5",
    "ChecksumError", "CorruptDataError", "DataFileNotFoundError", "DatasetInfo",
    "checkout_data_dirs", "circles", "complex_curve", "complex_curve_formula", "gaussian_bumps",
    "gaussian_bumps_formula", "gaussians", "get", "house_prices", "info", "linear",
    "load_digits", "load_iris", "load_mnist", "mnist_search_dirs", "moons", "names",
    "plane", "sine", "spiral", "spiral_k", "three_class", "xor",
]
