"""The between-epoch bookkeeping of scikit-learn's stochastic MLP solvers, as a fastnn callback.

After every epoch :class:`Monitor` appends the training loss to ``loss_curve_`` and, like
sklearn's ``_update_no_improvement_count``, counts epochs without improvement:

* without early stopping, an epoch improves when ``loss < best_loss_ - tol``;
* with early stopping, when ``validation score > best_validation_score_ + tol`` (the score is
  accuracy for classifiers, R² for regressors); the best weights are restored at the end.

More than ``n_iter_no_change`` epochs without improvement stops training, except with
``learning_rate="adaptive"`` (sgd), which first divides the learning rate by 5 and stops only
once it is at or below 1e-6.
"""
from __future__ import annotations

import math

from ..callbacks import Callback

MIN_ADAPTIVE_LR = 1e-6


class Monitor(Callback):
    """Record ``loss_curve_``/``validation_scores_`` on ``estimator`` and stop like sklearn.

    Parameters
    ----------
    estimator : fastnn estimator
        Owner of the bookkeeping attributes; its ``_validation_score(X, Y, w)`` scores the model.
    n_samples : int
        Training rows per epoch (``t_`` grows by this much).
    validation : (X_val, Y_val, w_val) or None
        Held-out rows (and their sample weights, or None) for early stopping.
    incremental : bool
        ``partial_fit``: record only, never stop.
    """

    def __init__(self, estimator, n_samples, validation=None, incremental=False):
        self.estimator, self.n_samples = estimator, n_samples
        self.validation, self.incremental = validation, incremental
        # without early stopping the rule reads only the logs (see ``Callback.logs_only``)
        self.logs_only = validation is None
        self.no_improvement = 0
        self.best_weights = None
        self.converged = False

    def on_epoch_end(self, epoch, logs=None):
        est = self.estimator
        loss = float(logs["loss"])
        est.loss_curve_.append(loss)
        est.n_iter_ += 1
        est.t_ += self.n_samples
        if self.validation is not None:
            score = est._validation_score(*self.validation)
            est.validation_scores_.append(score)
            improved = score >= est.best_validation_score_ + est.tol
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best_weights = self.model.get_weights()
        else:
            best = math.inf if est.best_loss_ is None else est.best_loss_   # None after early stopping
            improved = loss <= best - est.tol
            est.best_loss_ = min(best, loss)
        self.no_improvement = 0 if improved else self.no_improvement + 1
        if not self.incremental and self.no_improvement > est.n_iter_no_change:
            self._plateau()

    def _plateau(self):
        optimizer = self.model.optimizer
        adaptive = self.estimator.solver == "sgd" and self.estimator.learning_rate == "adaptive"
        if adaptive and optimizer.lr > MIN_ADAPTIVE_LR:
            optimizer.lr = optimizer.lr / 5.0
            self.no_improvement = 0
            return
        self.converged = True
        self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)

