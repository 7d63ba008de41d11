"""The normal equation of :class:`~fastnn.estimators.LinearRegression`: weighted least squares,
solved (never inverted) by ``scipy.linalg.lstsq`` for a dense ``X`` and by
``scipy.sparse.linalg.lsqr`` for a sparse one, which is never densified."""
from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

LSQR_TOL = 1e-12     # lsqr's atol and btol: the solution to about this relative accuracy


def solve(X, Y, sample_weight, fit_intercept):
    """``(W (n_features, n_targets), b (n_targets,), rank, singular values)`` minimising
    ``sum_i w_i ||x_i W + b - y_i||²`` (b = 0 without ``fit_intercept``); the minimum-norm
    solution when the columns are collinear.  ``rank``/``singular`` are None for a sparse ``X``.
    """
    n, k = X.shape
    Y = np.asarray(Y, np.float64).reshape(n, -1)
    root = None if sample_weight is None else np.sqrt(sample_weight)
    if scipy.sparse.issparse(X):
        A = scipy.sparse.hstack([X, np.ones((n, 1))], format="csr") if fit_intercept else X
        A = A.astype(np.float64)
        if root is not None:
            A = scipy.sparse.diags(root) @ A
            Y = Y * root[:, None]
        solution = np.column_stack([
            scipy.sparse.linalg.lsqr(A, Y[:, j], atol=LSQR_TOL, btol=LSQR_TOL,
                                     iter_lim=10 * (A.shape[1] + 10))[0]
            for j in range(Y.shape[1])])
        rank = singular = None
    else:
        A = np.hstack([X, np.ones((n, 1))]) if fit_intercept else np.asarray(X, np.float64)
        if root is not None:
            A, Y = A * root[:, None], Y * root[:, None]
        solution, _, rank, singular = scipy.linalg.lstsq(A, Y)
    W = solution[:k]
    b = solution[k] if fit_intercept else np.zeros(W.shape[1])
    return W, b, rank, singular
