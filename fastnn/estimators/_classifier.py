"""Classification on top of the shared fit machinery, and :class:`MLPClassifier`.

Labels may be any sortable hashable values (ints, strings...); ``classes_`` holds them sorted.
Two classes train one sigmoid output with binary cross-entropy; more train a softmax output
with cross-entropy (subclasses may choose one-vs-rest sigmoids or a two-unit softmax instead).
"""
from __future__ import annotations

import numpy as np

from ._base import GradientEstimator
from ._compat import ClassifierMixin, check_classification_targets, validate_data
from ._docs import document
from ._metrics import accuracy
from ._mlp import MLPLayers


class BaseClassifier(ClassifierMixin, GradientEstimator):
    """Label encoding, ``predict``/``predict_proba`` and ``partial_fit`` for classifiers."""

    _stratify = True
    _multiclass_loss = "softmax_cross_entropy"   # or "binary_cross_entropy": one-vs-rest
    _binary_softmax = False                      # two classes: two softmax units, not one sigmoid

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,); returns self."""
        return self._fit(X, y)

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``, continuing from the current weights and optimizer state.

        ``classes`` (every label that will ever occur) is required on the first call.
        """
        return self._fit(X, y, incremental=True, classes=classes)

    def _validate_xy(self, X, y, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        return X, y

    def _encode_targets(self, y, fresh, incremental, classes):
        if fresh:
            if incremental and classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit "
                                 "(every label that will occur, e.g. classes=np.unique(y))")
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(f"{type(self).__name__} needs at least 2 classes in y; got 1 "
                                 f"class ({self.classes_[0]!r})")
        self._check_labels(y, fresh, incremental, classes)
        codes = np.searchsorted(self.classes_, y)
        n_classes = len(self.classes_)
        if n_classes == 2 and not self._binary_softmax:
            return codes.reshape(-1, 1).astype(np.float64), 1, "binary_cross_entropy"
        if self._multiclass_loss == "softmax_cross_entropy":
            return codes, n_classes, "softmax_cross_entropy"
        return np.eye(n_classes)[codes], n_classes, "binary_cross_entropy"

    def _check_labels(self, y, fresh, incremental, classes):
        seen = np.unique(y)
        unknown = np.setdiff1d(seen, self.classes_)
        if unknown.size:
            raise ValueError(f"y has classes {unknown.tolist()} that are not in classes_ "
                             f"{self.classes_.tolist()}")
        if incremental and classes is not None and not np.array_equal(np.unique(classes),
                                                                       self.classes_):
            raise ValueError(f"classes={list(classes)} differs from the classes of the first "
                             f"call to partial_fit, {self.classes_.tolist()}")
        if not fresh and not incremental and not np.array_equal(seen, self.classes_):
            raise ValueError(f"warm_start needs y with the same classes as the previous fit: "
                             f"previously {self.classes_.tolist()}, now {seen.tolist()}")

    def _proba(self, P):
        """Class probabilities (n, n_classes) from the network's outputs ``P``."""
        if P.shape[1] == 1:
            return np.hstack([1.0 - P, P])
        if self.model_.loss == "binary_cross_entropy":     # one-vs-rest: normalise as sklearn
            return P / np.maximum(P.sum(axis=1, keepdims=True), np.finfo(P.dtype).tiny)
        return P

    def _validation_score(self, X, Y):
        predicted = self._proba(self.model_.predict(X)).argmax(axis=1)
        truth = Y if Y.ndim == 1 else (Y[:, 0] > 0.5 if Y.shape[1] == 1 else Y.argmax(axis=1))
        return accuracy(truth.astype(np.int64), predicted)

    def predict_proba(self, X):
        """Probability of each class in ``classes_`` order, shape (n_samples, n_classes)."""
        return self._proba(self._outputs(X))

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable label of every row, shape (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


@document
class MLPClassifier(MLPLayers, BaseClassifier):
    """Multilayer perceptron classifier with scikit-learn's interface on fastnn's kernels.

    Swap ``from sklearn.neural_network import MLPClassifier`` for
    ``from fastnn import MLPClassifier``: the parameters keep sklearn's names and meaning.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Width of each hidden layer; ``()`` gives logistic/softmax regression.
    activation : str
        Hidden-layer activation: sklearn's ``identity``, ``logistic``, ``tanh``, ``relu``, or
        fastnn's ``leaky_relu``, ``elu``, ``prelu`` (aliases ``linear``, ``sigmoid``).
        Weights start He-normal for the ReLU family and Glorot-uniform otherwise.
    alpha : float
        L2 penalty, exactly sklearn's: ``alpha / (2 * batch) * sum ||W||²`` added to every
        batch's mean loss (biases are not penalised).
    {training}

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
        The labels, sorted.
    coefs_, intercepts_ : list of ndarray
        Copies of each layer's weights (n_in, n_out) and biases; to change the network, use
        ``model_.set_weights``.
    n_layers_ : int
        Layers including input and output.
    n_outputs_ : int
        Output units: 1 for two classes, else n_classes.
    out_activation_ : {"logistic", "softmax"}
    {history}

    Notes
    -----
    Trains in float32 when ``X`` is float32 and in float64 otherwise (as sklearn does).
    Two classes use one sigmoid unit with binary cross-entropy, more a softmax.
    ``solver="adam"`` adds ``epsilon`` to ``sqrt(v_hat)`` where sklearn adds it to
    ``sqrt(v)``, a difference of order ``epsilon``.  ``sample_weight`` and multilabel ``y`` are
    not supported.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, backend=None):
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
                         n_iter_no_change=n_iter_no_change, backend=backend)
