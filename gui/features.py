"""Input features fed to the network, as in TF Playground.

x₁, x₂, x₁², x₂², x₁x₂, sin x₁ and sin x₂ for 2-D data; x, x² and sin x for 1-D data.

Each feature is a function of the raw 2-D (or 1-D) input columns. A data set with more than two
raw inputs (MNIST, a wide CSV) is fed as-is and has no toggles.
"""
import numpy as np

FEATURES_2D = {
    "x₁": lambda X: X[:, 0],
    "x₂": lambda X: X[:, 1],
    "x₁²": lambda X: X[:, 0] ** 2,
    "x₂²": lambda X: X[:, 1] ** 2,
    "x₁x₂": lambda X: X[:, 0] * X[:, 1],
    "sin x₁": lambda X: np.sin(X[:, 0]),
    "sin x₂": lambda X: np.sin(X[:, 1]),
}

FEATURES_1D = {
    "x": lambda X: X[:, 0],
    "x²": lambda X: X[:, 0] ** 2,
    "sin x": lambda X: np.sin(X[:, 0]),
}

DEFAULTS = {2: ("x₁", "x₂"), 1: ("x",)}


def available(n_raw):
    """Names of the toggleable features for data with ``n_raw`` raw input columns."""
    if n_raw == 2:
        return tuple(FEATURES_2D)
    if n_raw == 1:
        return tuple(FEATURES_1D)
    return ()


def default(n_raw):
    """Features switched on when a data set with ``n_raw`` inputs is first shown."""
    return DEFAULTS.get(n_raw, ())


def transform(X, names):
    """Build the network input from raw inputs.

    Parameters
    ----------
    X : ndarray (n, d) raw inputs.
    names : sequence of feature names from :func:`available`; ignored when d > 2.

    Returns
    -------
    ndarray (n, len(names)) float32, or X itself (as float32) when d > 2.
    """
    X = np.asarray(X, dtype=np.float32)
    d = X.shape[1]
    if d > 2:
        return np.ascontiguousarray(X)
    table = FEATURES_2D if d == 2 else FEATURES_1D
    unknown = [n for n in names if n not in table]
    if unknown or not names:
        raise ValueError(f"features {list(names)} are not valid for {d}-D data; "
                         f"choose at least one of {list(table)}")
    cols = [table[n](X) for n in names]
    return np.ascontiguousarray(np.stack(cols, axis=1), dtype=np.float32)
