"""Linear models: :class:`LinearRegression` (normal equation or gradient descent),
:class:`LogisticRegression` (sigmoid outputs, binary cross-entropy) and
:class:`SoftmaxRegression` (softmax output, cross-entropy) — networks without a hidden layer."""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from .._validation import check_bool, check_choice, check_number
from ._classifier import BaseClassifier
from ._compat import check_is_fitted, validate_data
from ._docs import document
from ._params import OPTIMIZERS
from ._regressor import BaseRegressor

PENALTIES = ("l2", "l1", None)


class LinearWeights:
    """Mixin: publish the single Dense layer as sklearn's ``coef_`` (n_outputs, n_features) and
    ``intercept_`` (n_outputs,), and ``decision_function = X @ coef_.T + intercept_``."""

    model_: Any                 # the fitted network of the estimator it is mixed into

    def _store_weights(self):
        W, b = self.model_.get_weights()[0]
        self.coef_, self.intercept_ = W.T.copy(), b

    def _linear_outputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return X @ self.coef_.T + self.intercept_


class LinearClassifier(LinearWeights, BaseClassifier):
    """Shared by the logistic and softmax models: ``penalty`` and ``C`` as in sklearn."""

    def _penalty(self, n_samples, batch):
        """sklearn's objective ``C * sum(loss) + R(W)`` divided by ``C * n``: the mean loss plus
        ``||W||² / (2 C n)`` (l2) or ``||W||₁ / (C n)`` (l1)."""
        if not any(self.penalty is p or self.penalty == p for p in PENALTIES):
            raise ValueError(f"penalty must be one of {list(PENALTIES)}, got {self.penalty!r}")
        check_number(self.C, "C", low=0, low_open=True)
        if self.penalty is None:
            return 0.0, 0.0
        strength = 1.0 / (self.C * n_samples)
        return (strength, 0.0) if self.penalty == "l1" else (0.0, strength / 2.0)

    def decision_function(self, X):
        """Logits ``X @ coef_.T + intercept_``: shape (n_samples,) for two classes (the log-odds
        of ``classes_[1]``), else (n_samples, n_classes)."""
        Z = self._linear_outputs(X)
        if Z.shape[1] == 1:
            return Z.ravel()
        return Z[:, 1] - Z[:, 0] if len(self.classes_) == 2 else Z


_LINEAR_CLASSIFIER_DOC = """

    Parameters
    ----------
    penalty : {"l2", "l1", None}
        Weight penalty (biases are free).
    C : float
        Inverse strength, as in sklearn: the objective is ``C * sum_i loss_i + R(W)``, trained
        as the mean loss plus ``R(W) / (C * n_samples)``.
    {training}

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    coef_ : ndarray (n_outputs, n_features)
    intercept_ : ndarray (n_outputs,)
    {history}
    """


@document
class LogisticRegression(LinearClassifier):
    __doc__ = """Logistic regression trained by gradient descent on fastnn's kernels.

    A network without a hidden layer, sigmoid outputs and binary cross-entropy.  Two classes
    train one sigmoid; more classes train one sigmoid per class (one-vs-rest, jointly), and
    ``predict_proba`` normalises them to sum to 1 as sklearn's one-vs-rest does.  For the
    multinomial model use :class:`SoftmaxRegression`.""" + _LINEAR_CLASSIFIER_DOC

    _multiclass_loss = "binary_cross_entropy"

    def __init__(self, penalty="l2", *, C=1.0, solver="adam", batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.01, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, backend=None):
        self.penalty = penalty
        self.C = C
        super().__init__(solver=solver, batch_size=batch_size,
                         learning_rate=learning_rate,
                         learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state,
                         tol=tol, verbose=verbose, warm_start=warm_start,
                         momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping,
                         validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon,
                         n_iter_no_change=n_iter_no_change, backend=backend)


@document
class SoftmaxRegression(LinearClassifier):
    __doc__ = """Softmax (multinomial logistic) regression trained by gradient descent.

    A network without a hidden layer, one softmax unit per class (two for two classes) and
    cross-entropy.""" + _LINEAR_CLASSIFIER_DOC

    _binary_softmax = True

    def __init__(self, penalty="l2", *, C=1.0, solver="adam", batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.01, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, backend=None):
        self.penalty = penalty
        self.C = C
        super().__init__(solver=solver, batch_size=batch_size,
                         learning_rate=learning_rate,
                         learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state,
                         tol=tol, verbose=verbose, warm_start=warm_start,
                         momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping,
                         validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon,
                         n_iter_no_change=n_iter_no_change, backend=backend)


@document
class LinearRegression(LinearWeights, BaseRegressor):
    """Ordinary least squares, solved exactly or trained by gradient descent.

    ``solver="normal"`` (default) solves the normal equation ``XᵀX W = XᵀY`` (with a column of
    ones for the intercept) by ``scipy.linalg.lstsq`` — a least-squares solver, never an
    inverse — so it matches ``numpy.linalg.lstsq`` and also handles collinear columns (minimum
    norm solution).  Any other ``solver`` trains a network without a hidden layer on the loss
    ``mean_i 1/2 sum_j (z_ij - y_ij)²`` by mini-batch gradient descent.

    Parameters
    ----------
    fit_intercept : bool
        Learn a bias; ``False`` needs ``solver="normal"`` (fastnn's Dense layers always have one).
    solver : {"normal", "sgd", "adam", "adagrad", "rmsprop"}
        ``"normal"`` ignores the training parameters below.
    {training}

    Attributes
    ----------
    coef_ : ndarray (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray (n_targets,)
    rank_ : int
        Rank of the design matrix (``solver="normal"``).
    singular_ : ndarray
        Its singular values (``solver="normal"``).
    n_iter_ : int
        1 for the normal equation (one direct solve), else epochs run.

    With a gradient solver also ``loss_curve_``, ``best_loss_``, ``validation_scores_``,
    ``best_validation_score_``, ``t_`` and ``model_``, as for :class:`MLPRegressor`.

    Notes
    -----
    Unlike sklearn there is no ``partial_fit``; use ``MLPRegressor(hidden_layer_sizes=())``
    for incremental linear regression.
    """

    def __init__(self, *, fit_intercept=True, solver="normal", batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.01, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.0, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, backend=None):
        self.fit_intercept = fit_intercept
        super().__init__(solver=solver, batch_size=batch_size,
                         learning_rate=learning_rate,
                         learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state,
                         tol=tol, verbose=verbose, warm_start=warm_start,
                         momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping,
                         validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon,
                         n_iter_no_change=n_iter_no_change, backend=backend)

    def fit(self, X, y):
        """Fit on ``X`` (n_samples, n_features) and ``y`` (n_samples,) or (n_samples, n_targets)."""
        check_bool(self.fit_intercept, "fit_intercept")
        check_choice(self.solver, "solver", ("normal",) + tuple(OPTIMIZERS))
        if self.solver == "normal":
            return self._fit_normal(X, y)
        if not self.fit_intercept:
            raise ValueError(f"fit_intercept=False needs solver='normal'; solver={self.solver!r} "
                             f"trains a Dense layer, which always has a bias")
        self._fit(X, y)
        if self.n_outputs_ == 1:
            self.coef_, self.intercept_ = self.coef_.ravel(), float(self.intercept_[0])
        return self

    def _penalty(self, n_samples, batch):
        """Ordinary least squares: no penalty."""
        return 0.0, 0.0

    def _fit_normal(self, X, y):
        X, y = self._validate_xy(X, y, reset=True)
        X = X.astype(np.float64, copy=False)
        A = np.hstack([X, np.ones((X.shape[0], 1))]) if self.fit_intercept else X
        solution, _, self.rank_, self.singular_ = scipy.linalg.lstsq(A, y.astype(np.float64))
        W = solution[:X.shape[1]]
        b = solution[X.shape[1]] if self.fit_intercept else np.zeros(W.shape[1:])
        self.coef_, self.intercept_ = W.T, (float(b) if y.ndim == 1 else b)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_iter_ = 1
        return self

    def _store_weights(self):
        super()._store_weights()
        self.n_outputs_ = self.coef_.shape[0]

    def predict(self, X):
        """``X @ coef_.T + intercept_``, shape (n_samples,) or (n_samples, n_targets)."""
        return self._linear_outputs(X)
