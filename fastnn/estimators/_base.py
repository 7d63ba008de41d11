"""The fit machinery every gradient-trained estimator shares: a :class:`fastnn.Sequential`
built from the hyper-parameters and trained by mini-batch gradient descent.

Subclasses say what the network looks like and how targets are encoded:

``_hidden_layers(l1, l2)``
    Dense layers before the output layer (none for the linear models).
``_penalty(n_samples, batch)``
    ``(l1, l2)`` for every Dense layer, from ``alpha`` or ``C``.
``_validate_xy(X, y, reset)`` / ``_encode_targets(y, fresh, incremental, classes)``
    Input checks, and targets as ``(Y, n_outputs, loss)`` for the network.
``_validation_score(X_val, Y_val)``
    Accuracy or R² of the network on held-out rows (early stopping).
``_store_weights()``
    Publish the trained weights (``coefs_`` or ``coef_``).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..layers import Dense
from ..model import Sequential
from ..preprocessing import train_test_split
from . import _params as P
from ._compat import BaseEstimator, ConvergenceWarning, check_is_fitted, validate_data
from ._monitor import Monitor

DTYPE_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}


@dataclass
class FitPlan:
    """What ``fit`` trains: ``model_.fit(X, Y, callbacks=[monitor], **fit_args)``; ``rows`` are
    the rows of the ``X`` given to ``fit`` that ``X`` holds (None: all of them)."""

    X: np.ndarray
    Y: np.ndarray
    rows: np.ndarray | None
    fit_args: dict
    monitor: Monitor
    incremental: bool


class GradientEstimator(BaseEstimator):
    """Base of the estimators trained by :meth:`fastnn.Sequential.fit` (not public)."""

    _stratify = False      # classifiers keep class shares in the early-stopping split

    def _fit(self, X, y, incremental=False, classes=None):
        plan = self._fit_plan(X, y, incremental, classes)
        self.model_.fit(plan.X, plan.Y, callbacks=[plan.monitor], verbose=int(bool(self.verbose)),
                        **plan.fit_args)
        return self._fit_finish(plan)

    def _fit_plan(self, X, y, incremental=False, classes=None):
        """Everything ``fit`` does before training: the checked data, the network in
        ``model_`` and the arguments of its ``fit`` (what the model-selection searches train
        as members of a population)."""
        P.check_training(self)
        refit = not (incremental or self.warm_start)
        fresh = refit or not hasattr(self, "model_")
        X, y = self._validate_xy(X, y, reset=fresh)
        if not incremental or not hasattr(self, "_rng"):
            self._rng = P.make_rng(self.random_state)
        Y, n_out, loss = self._encode_targets(y, fresh, incremental, classes)
        validation, rows = None, None
        if self.early_stopping and not incremental:
            X, Y, validation, rows = self._split_validation(X, Y, y)
        batch = P.batch_size(self.batch_size, X.shape[0])
        l1, l2 = self._penalty(X.shape[0], batch)
        if fresh:
            self._build(X, n_out, loss, l1, l2)
        else:
            for layer in self.model_.dense_layers:
                layer.l1, layer.l2 = l1, l2
            if not incremental:     # warm start: keep the weights, start a fresh optimizer
                self.model_.compile(loss, P.make_optimizer(self, X.shape[0]), backend=self.backend,
                                    dtype=DTYPE_NAMES[np.dtype(self.model_.dtype)])
        if not incremental:
            self._reset_validation_records()
        fit_args = dict(epochs=1 if incremental else self.max_iter, batch_size=batch,
                        shuffle=self.shuffle, seed=int(self._rng.integers(2 ** 31)),
                        validation_data=validation)
        return FitPlan(X, Y, rows, fit_args, Monitor(self, X.shape[0], validation, incremental),
                       incremental)

    def _fit_finish(self, plan):
        """Everything ``fit`` does after training ``model_`` as ``plan`` says."""
        self._store_weights()
        if not plan.incremental and not plan.monitor.converged:
            warnings.warn(f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached and "
                          f"the optimization hasn't converged yet; raise max_iter or "
                          f"learning_rate_init", ConvergenceWarning, stacklevel=4)
        return self

    def _build(self, X, n_out, loss, l1, l2):
        """A fresh network and fresh bookkeeping (``loss_curve_``, ``n_iter_``, ``t_``)."""
        layers = self._hidden_layers(l1, l2) + [Dense(n_out, l1=l1, l2=l2)]
        model = Sequential(layers, input_dim=X.shape[1])
        model.compile(loss, P.make_optimizer(self, X.shape[0]), backend=self.backend,
                      dtype=DTYPE_NAMES[X.dtype], seed=int(self._rng.integers(2 ** 31)))
        self.model_ = model
        self.loss_curve_ = []
        self.n_iter_ = 0
        self.t_ = 0
        self.best_loss_ = math.inf

    def _reset_validation_records(self):
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -math.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            if self.best_loss_ is None:
                self.best_loss_ = math.inf

    def _split_validation(self, X, Y, y):
        """Hold out ``validation_fraction`` of the rows (stratified for classifiers)."""
        rows = np.arange(X.shape[0])
        try:
            train, val, _, _ = train_test_split(rows, y if self._stratify else rows,
                                                test_size=self.validation_fraction,
                                                seed=int(self._rng.integers(2 ** 31)),
                                                stratify=self._stratify)
        except ValueError as exc:
            raise ValueError(f"early_stopping=True cannot hold out validation_fraction="
                             f"{self.validation_fraction} of {X.shape[0]} samples: {exc}") from None
        return X[train], Y[train], (X[val], Y[val]), train

    def _penalty(self, n_samples, batch):
        """sklearn's MLP penalty ``alpha/2 * ||W||² / batch`` on every batch's mean loss."""
        P.check_number(self.alpha, "alpha", low=0)
        return 0.0, self.alpha / (2.0 * batch)

    def _hidden_layers(self, l1, l2):
        return []

    def _outputs(self, X):
        """``model_.predict`` on ``X`` after the fitted check and input validation."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.model_.predict(X)
