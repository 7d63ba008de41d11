"""Linear models: :class:`LinearRegression` (normal equation or a trained network),
:class:`LogisticRegression` (sigmoid outputs, binary cross-entropy) and
:class:`SoftmaxRegression` (softmax output, cross-entropy) — networks without a hidden layer.
The classifiers default to ``solver="lbfgs"``, as scikit-learn's ``LogisticRegression`` does."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _spec as S
from .. import optim
from .._validation import check_bool, check_choice, check_number, check_sample_weight
from ..layers import Dense
from . import _normal
from ._base import DTYPE_NAMES
from ._class_weight import sample_weights
from ._classifier import BaseClassifier
from ._docs import document
from ._network import EstimatorNetwork, PublishedWeights, checked
from ._params import LBFGS, OPTIMIZERS
from ._regressor import BaseRegressor

PENALTIES = ("l2", "l1", None)
# scikit-learn's LogisticRegression runs L-BFGS-B with these besides maxiter and gtol.
LINEAR_LBFGS = {"maxls": 50, "ftol": 64 * np.finfo(float).eps}


class LinearWeights(PublishedWeights):
    """Mixin: the single Dense layer published as sklearn's ``coef_`` (n_outputs, n_features)
    and ``intercept_`` (n_outputs,), views of the network's weights; ``decision_function =
    X @ coef_.T + intercept_``."""

    model_: Any                 # the fitted network and attributes of the estimator it is mixed into
    fit_intercept: Any
    coef_: Any
    intercept_: Any
    _validate_x: Any
    _output_init = "zeros"      # scikit-learn's linear solvers start from zero weights

    def _flat(self):
        """Whether ``coef_`` is 1-D and ``intercept_`` a float (a 1-D ``y`` of a regression)."""
        return False

    def _targets(self):
        """``(coef_ target, intercept_ target)``: the views of the buffer that hold them."""
        W, b, _ = S.layer_views(self.model_._spec(), self.model_.params, 0)
        return (W[:, 0], b[0:1]) if self._flat() else (W.T, b)

    def _weight_views(self):
        coef, intercept = self._targets()
        return {"coef_": coef, "intercept_": float(intercept[0]) if self._flat() else intercept}

    def _write_weights(self):
        coef, intercept = self._targets()
        coef[...] = checked(self.coef_, "coef_", coef.shape, coef.dtype)
        shape = () if self._flat() else intercept.shape
        intercept[...] = checked(self.intercept_, "intercept_", shape, intercept.dtype)

    def _linear_outputs(self, X):
        self._network()
        X = self._validate_x(X)
        return np.asarray(X @ np.asarray(self.coef_).T) + self.intercept_

    def _fits_intercept(self):
        return check_bool(self.fit_intercept, "fit_intercept")


class LinearClassifier(LinearWeights, BaseClassifier):
    """Shared by the logistic and softmax models: ``penalty``, ``C``, ``fit_intercept`` and
    ``class_weight`` as in sklearn."""

    _one_class = False          # sklearn's linear solvers need two classes
    _lbfgs_options = LINEAR_LBFGS
    class_weight: Any
    penalty: Any
    C: Any

    def __init__(self, penalty="l2", *, C=1.0, fit_intercept=True, class_weight=None,
                 solver="lbfgs", batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.01, power_t=0.5, max_iter=100, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 backend=None):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        super().__init__(solver=solver, batch_size=batch_size,
                         learning_rate=learning_rate,
                         learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state,
                         tol=tol, verbose=verbose, warm_start=warm_start,
                         momentum=momentum, nesterovs_momentum=nesterovs_momentum,
                         early_stopping=early_stopping,
                         validation_fraction=validation_fraction, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon,
                         n_iter_no_change=n_iter_no_change, max_fun=max_fun, backend=backend)

    def _penalty(self, weight_sum):
        """sklearn's objective ``C * sum(w_i loss_i) + R(W)`` divided by ``C * sum(w)``: the
        weighted mean loss plus ``||W||² / (2 C sum(w))`` (l2) or ``||W||₁ / (C sum(w))`` (l1),
        the same on every batch."""
        if not any(self.penalty is p or self.penalty == p for p in PENALTIES):
            raise ValueError(f"penalty must be one of {list(PENALTIES)}, got {self.penalty!r}")
        check_number(self.C, "C", low=0, low_open=True)
        if self.penalty == "l1" and self.solver == LBFGS:
            raise ValueError("penalty='l1' needs a stochastic solver: solver='lbfgs' supports "
                             "only 'l2' or None penalties (L1 is not smooth), as in scikit-learn")
        if self.penalty is None:
            return 0.0, 0.0, False
        strength = 1.0 / (self.C * weight_sum)
        return (strength, 0.0, False) if self.penalty == "l1" else (0.0, strength / 2.0, False)

    def _class_weights(self, y, weights):
        return sample_weights(self.class_weight, self.classes_, y, weights)

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
        Weight penalty (biases are free); ``"l1"`` needs a stochastic solver.
    C : float
        Inverse strength, as in sklearn: the objective is ``C * sum_i w_i loss_i + R(W)``,
        trained as the weighted mean loss plus ``R(W) / (C * sum_i w_i)``.
    fit_intercept : bool
        Learn the intercepts; False keeps them at 0 with every solver.
    class_weight : None, "balanced" or dict
        Multiplies each sample's weight by its class's (``"balanced"``: inversely proportional
        to the class's total weight), as in sklearn.
    solver : {"lbfgs", "adam", "sgd", "adagrad", "rmsprop"}
        ``"lbfgs"`` (default, as in sklearn): SciPy's L-BFGS-B on the whole data set, with
        ``max_iter``, ``tol`` (``gtol``) and ``max_fun``; the others train by mini-batches.
    {training}

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    coef_ : ndarray (n_outputs, n_features)
        Views of the network's weights: writes change the predictions.
    intercept_ : ndarray (n_outputs,)
    n_iter_ : int
        L-BFGS-B iterations, or epochs of the last ``fit``.
    {history}
    """


@document
class LogisticRegression(LinearClassifier):
    __doc__ = """Logistic regression on fastnn's kernels.

    A network without a hidden layer, sigmoid outputs and binary cross-entropy.  Two classes
    train one sigmoid; more classes train one sigmoid per class (one-vs-rest, jointly), and
    ``predict_proba`` normalises them to sum to 1 as sklearn's one-vs-rest does.  For the
    multinomial model use :class:`SoftmaxRegression`.""" + _LINEAR_CLASSIFIER_DOC

    _multiclass_loss = "binary_cross_entropy"


@document
class SoftmaxRegression(LinearClassifier):
    __doc__ = """Softmax (multinomial logistic) regression on fastnn's kernels.

    A network without a hidden layer, one softmax unit per class (two for two classes) and
    cross-entropy: scikit-learn's multinomial ``LogisticRegression``.""" + _LINEAR_CLASSIFIER_DOC

    _binary_softmax = True


@document
class LinearRegression(LinearWeights, BaseRegressor):
    """Ordinary (weighted) least squares, solved exactly or trained on fastnn's kernels.

    ``solver="normal"`` (default) solves the normal equation ``XᵀX W = XᵀY`` (with a column of
    ones for the intercept, rows scaled by ``sqrt(sample_weight)``) by ``scipy.linalg.lstsq`` —
    a least-squares solver, never an inverse — so it matches ``numpy.linalg.lstsq`` and also
    handles collinear columns (minimum norm solution); a sparse ``X`` goes to
    ``scipy.sparse.linalg.lsqr`` instead, undensified.  Any other ``solver`` trains a network
    without a hidden layer on the loss ``mean_i 1/2 sum_j (z_ij - y_ij)²``: ``"lbfgs"`` on the
    whole data set, the others by mini-batches.

    Parameters
    ----------
    fit_intercept : bool
        Learn the intercepts; False keeps them at 0 with every solver.
    solver : {"normal", "lbfgs", "sgd", "adam", "adagrad", "rmsprop"}
        ``"normal"`` ignores the training parameters below.
    {training}

    Attributes
    ----------
    coef_ : ndarray (n_features,) or (n_targets, n_features)
        Views of the network's weights: writes change the predictions.
    intercept_ : float or ndarray (n_targets,)
    rank_ : int
        Rank of the design matrix (``solver="normal"``, dense ``X``).
    singular_ : ndarray
        Its singular values (``solver="normal"``, dense ``X``).
    n_iter_ : int
        1 for the normal equation (one direct solve), L-BFGS-B iterations, or epochs run.
    model_ : fastnn.Sequential
        The network holding ``coef_`` and ``intercept_`` (for every solver).

    With a stochastic solver also ``loss_curve_``, ``best_loss_``, ``validation_scores_``,
    ``best_validation_score_`` and ``t_``, as for :class:`MLPRegressor`.

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
                 n_iter_no_change=10, max_fun=15000, backend=None):
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
                         n_iter_no_change=n_iter_no_change, max_fun=max_fun, backend=backend)

    def fit(self, X, y, sample_weight=None):
        """Fit on ``X`` (n_samples, n_features; dense or scipy.sparse), ``y`` (n_samples,) or
        (n_samples, n_targets) and optional non-negative ``sample_weight`` (n_samples,)."""
        self._fits_intercept()
        check_choice(self.solver, "solver", ("normal", LBFGS) + tuple(OPTIMIZERS))
        if self.solver == "normal":
            return self._fit_normal(X, y, sample_weight)
        return self._fit(X, y, sample_weight)

    def _flat(self):
        return self._y_ndim == 1

    def _encode_targets(self, y, fresh, incremental, classes):
        self._y_ndim = y.ndim
        return super()._encode_targets(y, fresh, incremental, classes)

    def _fit_normal(self, X, y, sample_weight):
        X, y = self._validate_xy(X, y, reset=True)
        self._y_ndim = y.ndim
        weights = check_sample_weight(sample_weight, X.shape[0])
        W, b, self.rank_, self.singular_ = _normal.solve(X, y, weights, self.fit_intercept)
        model = EstimatorNetwork([Dense(W.shape[1])], X.shape[1],
                                 fit_intercept=self.fit_intercept)
        model.compile("mse", optim.SGD(), backend=self.backend, dtype=DTYPE_NAMES[X.dtype])
        model.set_weights([(W, b)])
        self.model_ = model
        self.n_iter_ = 1
        self._publish_weights()
        return self

    def _weight_views(self):
        views = super()._weight_views()
        self.n_outputs_ = self.model_._spec().n_out
        return views

    def predict(self, X):
        """``X @ coef_.T + intercept_``, shape (n_samples,) or (n_samples, n_targets)."""
        return self._linear_outputs(X)
