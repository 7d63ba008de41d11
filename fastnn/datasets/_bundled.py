"""Small real data sets that ship inside scikit-learn: 8×8 digits and Iris.

scikit-learn is optional for fastnn, so it is imported only when one of these is called.
"""

import numpy as np

from ._common import check_dtype


def _sklearn_datasets():
    """Return ``sklearn.datasets``, or raise ImportError saying how to install it."""
    try:
        from sklearn import datasets
    except ImportError as exc:
        raise ImportError(
            "load_digits and load_iris read the copies bundled with scikit-learn, which "
            "is not installed; install it with `pip install scikit-learn`"
        ) from exc
    return datasets


def load_digits(normalize=True, dtype=np.float32):
    """Scikit-learn's 1,797 handwritten digits, 8 × 8 pixels each.

    Parameters
    ----------
    normalize : bool, default=True
        Divide pixels by 16 so they lie in ``[0, 1]``; ``False`` keeps ``0 … 16``.
    dtype : numpy floating dtype, default=numpy.float32
        Floating type of ``X``.

    Returns
    -------
    X : numpy.ndarray, shape (1797, 64)
        Row-major 8 × 8 images, 0 = background.
    y : numpy.ndarray of int64, shape (1797,)
        Digit labels 0-9.

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    """
    dtype = check_dtype(dtype)
    X, y = _sklearn_datasets().load_digits(return_X_y=True)
    X = X.astype(dtype)
    if normalize:
        X /= dtype.type(16)
    return X, y.astype(np.int64)


def load_iris(dtype=np.float32):
    """Fisher's Iris flowers: 150 samples, 4 measurements in cm, 3 species.

    Parameters
    ----------
    dtype : numpy floating dtype, default=numpy.float32
        Floating type of ``X``.

    Returns
    -------
    X : numpy.ndarray, shape (150, 4)
        Sepal length, sepal width, petal length, petal width (cm).
    y : numpy.ndarray of int64, shape (150,)
        0 setosa, 1 versicolor, 2 virginica (50 each, sorted by class).

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    """
    dtype = check_dtype(dtype)
    X, y = _sklearn_datasets().load_iris(return_X_y=True)
    return X.astype(dtype), y.astype(np.int64)
