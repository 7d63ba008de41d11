"""The fit machinery every gradient-trained estimator shares: an :class:`EstimatorNetwork` built
from the hyper-parameters, trained by mini-batch gradient descent (:meth:`fastnn.Sequential.fit`)
or by SciPy's L-BFGS-B (:mod:`._lbfgs`).

Subclasses say what the network looks like and how targets are encoded:

``_hidden_layers(l1, l2)``
    Dense layers before the output layer (none for the linear models).
``_penalty(weight_sum)``
    ``(l1, l2, per_weight)`` for every Dense layer, from ``alpha`` or ``C``.
``_validate_xy(X, y, reset)`` / ``_encode_targets(y, fresh, incremental, classes)``
    Input checks, and targets as ``(Y, n_outputs, loss)`` for the network.
``_class_weights(y, weights)``
    The sample weights times the class weights (classifiers with ``class_weight``).
``_validation_score(X_val, Y_val, w_val)``
    Accuracy or R² of the network on held-out rows (early stopping).
``_weight_views()`` / ``_write_weights()``
    The published weights (``coefs_`` or ``coef_``; see :class:`._network.PublishedWeights`).
"""
from __future__ import annotations

import math
import types
import warnings
from dataclasses import dataclass

import numpy as np

from .. import _validation as V
from ..layers import Dense
from ..preprocessing import train_test_split
from . import _lbfgs
from . import _params as P
from ._compat import BaseEstimator, ConvergenceWarning, validate_data
from ._monitor import Monitor
from ._network import EstimatorNetwork

DTYPE_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}
SPARSE_FORMATS = ["csr", "csc"]


class stochastic_only:
    """``partial_fit`` exists only for the stochastic solvers, as in scikit-learn (whose
    ``available_if`` this mirrors: with ``solver="lbfgs"``, ``hasattr(est, "partial_fit")`` is
    False and calling it raises AttributeError saying why)."""

    def __init__(self, method):
        self.method = method
        self.__doc__, self.__name__ = method.__doc__, method.__name__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if obj.solver == P.LBFGS:
            raise AttributeError(f"partial_fit is only available for the stochastic solvers "
                                 f"{sorted(P.OPTIMIZERS)}; solver='lbfgs' optimises over the "
                                 f"whole data set at once (use fit)")
        return types.MethodType(self.method, obj)


@dataclass
class FitPlan:
    """What ``fit`` trains once its checks are done: ``model_`` on ``X``, ``Y`` with the sample
    weights ``weights`` (None: unweighted), by L-BFGS (``lbfgs``) or by
    ``model_.fit(X, Y, callbacks=[monitor], sample_weight=weights, **fit_args)``.  ``rows`` are
    the rows of the ``X`` given to ``fit`` that ``X`` holds (None: all of them; the
    early-stopping split leaves some out).  The model-selection searches train the stochastic
    plans of many estimators as the members of one population."""

    X: np.ndarray
    Y: np.ndarray
    weights: np.ndarray | None
    rows: np.ndarray | None
    incremental: bool
    lbfgs: bool
    fit_args: dict
    monitor: Monitor | None


class GradientEstimator(BaseEstimator):
    """Base of the estimators trained on an :class:`EstimatorNetwork` (not public)."""

    _stratify = False      # classifiers keep class shares in the early-stopping split
    _output_init = "auto"  # the output layer's initializer (the linear models start at zero)
    _lbfgs_options: dict = {}

    def __init__(self, *, solver, batch_size, learning_rate, learning_rate_init,
                 power_t, max_iter, shuffle, random_state, tol, verbose, warm_start,
                 momentum, nesterovs_momentum, early_stopping, validation_fraction,
                 beta_1, beta_2, epsilon, n_iter_no_change, max_fun, backend):
        """Store the training parameters unchanged (sklearn's rule: checked in ``fit``)."""
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.backend = backend

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        plan = self._fit_plan(X, y, sample_weight, incremental, classes)
        if plan.lbfgs:
            self.loss_, self.n_iter_ = _lbfgs.minimize(self, plan.X, plan.Y, plan.weights)
        else:
            self._fit_stochastic(plan)
        return self._fit_finish(plan)

    def _fit_plan(self, X, y, sample_weight=None, incremental=False, classes=None):
        """Everything ``fit`` does before training: the checked data and weights, the network
        in ``model_``, and for the stochastic solvers the records, the :class:`Monitor` and the
        arguments of ``model_.fit`` (a :class:`FitPlan`)."""
        P.check_training(self)
        lbfgs = self.solver == P.LBFGS
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True (each call trains "
                             "one epoch on the rows it is given); use fit, or set "
                             "early_stopping=False")
        if lbfgs and not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            warnings.warn(f"batch_size={self.batch_size!r} does not apply to solver='lbfgs', "
                          f"which uses every sample in each evaluation; it is ignored",
                          UserWarning, stacklevel=4)
        fresh = not (incremental or self.warm_start) or not hasattr(self, "model_")
        X, y = self._validate_xy(X, y, reset=fresh)
        weights = V.check_sample_weight(sample_weight, X.shape[0])
        if not incremental or not hasattr(self, "_rng"):
            self._rng = P.make_rng(self.random_state)
        Y, n_out, loss = self._encode_targets(y, fresh, incremental, classes)
        weights = self._class_weights(y, weights)
        validation, rows = None, None
        if self.early_stopping and not lbfgs:
            X, Y, weights, validation, rows = self._split_validation(X, Y, y, weights)
        l1, l2, per_weight = self._penalty(X.shape[0] if weights is None else float(weights.sum()))
        if fresh:
            self._build(X, n_out, loss, l1, l2, per_weight)
        else:
            self._network()         # weights written into coefs_/coef_ since the last fit
            for layer in self.model_.dense_layers:
                layer.l1, layer.l2 = l1, l2
            if not incremental:     # warm start: keep the weights, start a fresh optimizer
                self.model_.compile(loss, P.make_optimizer(self, self.model_.epoch),
                                    backend=self.backend,
                                    dtype=DTYPE_NAMES[np.dtype(self.model_.dtype)])
        if lbfgs:
            return FitPlan(X, Y, weights, rows, incremental, True, {}, None)
        if not hasattr(self, "loss_curve_"):       # the first stochastic fit of this network
            self.loss_curve_: list[float] = []
            self.best_loss_: float | None = math.inf
            self._reset_validation_records()
        elif not incremental:
            self._reset_validation_records()
        self.n_iter_ = 0
        fit_args = dict(epochs=1 if incremental else self.max_iter,
                        batch_size=P.batch_size(self.batch_size, X.shape[0]),
                        shuffle=self.shuffle, seed=int(self._rng.integers(2 ** 31)))
        return FitPlan(X, Y, weights, rows, incremental, False, fit_args,
                       Monitor(self, X.shape[0], validation, incremental))

    def _fit_stochastic(self, plan):
        """Epochs of mini-batch training with sklearn's bookkeeping (the plan's
        :class:`Monitor`)."""
        self.model_.fit(plan.X, plan.Y, callbacks=[plan.monitor], verbose=int(bool(self.verbose)),
                        sample_weight=plan.weights, **plan.fit_args)

    def _fit_finish(self, plan):
        """Everything ``fit`` does once ``model_`` is trained as ``plan`` says: the last loss,
        sklearn's ConvergenceWarning, the published weights and the non-finite check."""
        if not plan.lbfgs:
            self.loss_ = self.loss_curve_[-1]
            if not plan.incremental and not plan.monitor.converged:
                warnings.warn(f"{type(self).__name__}: maximum iterations ({self.max_iter}) "
                              f"reached and the optimization hasn't converged yet; raise "
                              f"max_iter or learning_rate_init", ConvergenceWarning, stacklevel=4)
        self._publish_weights()
        if not np.isfinite(self.model_.params).all():
            raise ValueError("Solver produced non-finite parameter weights. The input data may "
                             "contain large values and need to be preprocessed.")
        return self

    def _build(self, X, n_out, loss, l1, l2, per_weight):
        """A fresh network and fresh bookkeeping (``n_iter_``, ``t_``; ``loss_curve_`` and the
        other records of the stochastic solvers start with their first epoch)."""
        layers = self._hidden_layers(l1, l2) + [Dense(n_out, l1=l1, l2=l2,
                                                      kernel_initializer=self._output_init)]
        model = EstimatorNetwork(layers, X.shape[1], per_weight, self._fits_intercept())
        model.compile(loss, P.make_optimizer(self, 0), backend=self.backend,
                      dtype=DTYPE_NAMES[X.dtype], seed=int(self._rng.integers(2 ** 31)))
        self.model_ = model
        for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
            self.__dict__.pop(name, None)
        self.n_iter_ = 0
        self.t_ = 0

    def _reset_validation_records(self):
        self.validation_scores_: list[float] | None
        self.best_validation_score_: float | None
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -math.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            if self.best_loss_ is None:
                self.best_loss_ = math.inf

    def _split_validation(self, X, Y, y, weights):
        """Hold out ``validation_fraction`` of the rows (stratified for single-output
        classifiers), refusing the splits sklearn refuses: fewer than 2 validation rows, or a
        class with a single sample when stratifying; returns the training part, its weights,
        the validation part and the training rows' indices."""
        n = X.shape[0]
        stratify = self._stratify and y.ndim == 1
        if stratify:
            labels, counts = np.unique(y, return_counts=True)
            if counts.min() < 2:
                raise ValueError(f"early_stopping=True keeps each class's share in the validation "
                                 f"split, but class {labels.tolist()[counts.argmin()]!r} has only 1 "
                                 f"sample; every class needs at least 2 (as in scikit-learn)")
        rows = np.arange(n)
        try:
            train, val, _, _ = train_test_split(rows, y if stratify else rows,
                                                test_size=self.validation_fraction,
                                                seed=int(self._rng.integers(2 ** 31)),
                                                stratify=stratify)
        except ValueError as exc:
            raise ValueError(f"early_stopping=True cannot hold out validation_fraction="
                             f"{self.validation_fraction} of {n} samples: {exc}") from None
        if len(val) < 2:
            raise ValueError(f"The validation set is too small: early_stopping=True holds out "
                             f"{len(val)} of {n} samples (validation_fraction="
                             f"{self.validation_fraction}) and needs at least 2. Increase "
                             f"'validation_fraction' or the size of your dataset.")
        w_train, w_val = (None, None) if weights is None else (weights[train], weights[val])
        return X[train], Y[train], w_train, (X[val], Y[val], w_val), train

    def _penalty(self, weight_sum):
        """No penalty (the linear regression)."""
        return 0.0, 0.0, False

    def _hidden_layers(self, l1, l2):
        return []

    def _fits_intercept(self):
        """Whether the network's biases are trained (``fit_intercept`` of the linear models)."""
        return True

    def _class_weights(self, y, weights):
        return weights

    def _validate_x(self, X):
        """``X`` for prediction: checked against the fit (sparse CSR/CSC accepted)."""
        return validate_data(self, X, reset=False, accept_sparse=SPARSE_FORMATS,
                             dtype=(np.float64, np.float32))

    def _outputs(self, X):
        """The network's outputs on ``X`` (probabilities for the classification losses), after
        the fitted check, input validation and any written weight attributes."""
        model = self._network()
        return model.predict(self._validate_x(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
