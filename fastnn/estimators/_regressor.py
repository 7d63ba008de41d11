"""Regression on top of the shared fit machinery, and :class:`MLPRegressor`."""
from __future__ import annotations

import numpy as np

from ._base import SPARSE_FORMATS, GradientEstimator, stochastic_only
from ._compat import RegressorMixin, validate_data
from ._docs import document
from ._metrics import r2_score
from ._mlp import MLPLayers


class BaseRegressor(RegressorMixin, GradientEstimator):
    """Float targets, one or several outputs, trained with the (half) mean squared error."""

    def _validate_xy(self, X, y, reset):
        return validate_data(self, X, y, reset=reset, accept_sparse=SPARSE_FORMATS,
                             dtype=(np.float64, np.float32), y_numeric=True, multi_output=True)

    def _encode_targets(self, y, fresh, incremental, classes):
        Y = y.reshape(len(y), -1)
        if not fresh and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but {type(self).__name__} was fitted "
                             f"with {self.n_outputs_}; fit again with warm_start=False")
        return Y, Y.shape[1], "mse"

    def _validation_score(self, X, Y, weights=None):
        return r2_score(Y, self.model_.predict(X), weights)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


@document
class MLPRegressor(MLPLayers, BaseRegressor):
    """Multilayer perceptron regressor with scikit-learn's interface on fastnn's kernels.

    Swap ``from sklearn.neural_network import MLPRegressor`` for
    ``from fastnn import MLPRegressor``.  The output layer is linear; the loss is
    ``mean_i 1/2 sum_j (z_ij - y_ij)²`` (sklearn's squared error for one output; with k outputs
    sklearn also divides by k).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Width of each hidden layer; ``()`` gives linear regression trained by gradient descent.
    activation : str
        Hidden-layer activation: ``identity``, ``logistic``, ``tanh``, ``relu`` or fastnn's
        ``leaky_relu``, ``elu``, ``prelu``.
    alpha : float
        L2 penalty, exactly sklearn's: ``alpha/2 * sum ||W||²`` divided by each batch's weight
        sum (its row count without ``sample_weight``).
    {training}

    Attributes
    ----------
    coefs_, intercepts_ : list of ndarray
        Each layer's weights (n_in, n_out) and biases, as views of the network's weights
        (writing into them, or assigning new arrays of the same shapes, changes predictions).
    n_layers_ : int
        Layers including input and output.
    n_outputs_ : int
        Columns of ``y``.
    out_activation_ : "identity"
    {history}
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 backend=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
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
        """Train on ``X`` (n_samples, n_features; dense or scipy.sparse), ``y`` (n_samples,) or
        (n_samples, n_outputs) and optional non-negative ``sample_weight`` (n_samples,)."""
        return self._fit(X, y, sample_weight)

    @stochastic_only
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing from the current weights and optimizer state."""
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predictions, shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        out = self._outputs(X)
        return out.ravel() if out.shape[1] == 1 else out
