"""Classification on top of the shared fit machinery, and :class:`MLPClassifier`.

Labels may be any sortable hashable values (ints, strings...); ``classes_`` holds them sorted.
Two classes train one sigmoid output with binary cross-entropy; more train a softmax output
with cross-entropy (subclasses may choose one-vs-rest sigmoids or a two-unit softmax instead).
A multilabel indicator matrix ``y`` (one 0/1 column per label; MLPClassifier only) trains one
sigmoid per label, and a ``y`` with a single class trains one sigmoid towards 0, as scikit-learn's
``LabelBinarizer`` encodes them.
"""
from __future__ import annotations

import warnings

import numpy as np

from ._base import SPARSE_FORMATS, GradientEstimator, stochastic_only
from ._compat import (
    ClassifierMixin,
    DataConversionWarning,
    check_classification_targets,
    validate_data,
)
from ._docs import document
from ._metrics import accuracy
from ._mlp import MLPLayers

MULTILABEL, ONE_CLASS, LABELS = "multilabel-indicator", "one-class", "labels"


class BaseClassifier(ClassifierMixin, GradientEstimator):
    """Label encoding, ``predict``/``predict_proba`` and ``partial_fit`` for classifiers."""

    _stratify = True
    _multiclass_loss = "softmax_cross_entropy"   # or "binary_cross_entropy": one-vs-rest
    _binary_softmax = False                      # two classes: two softmax units, not one sigmoid
    _multilabel = False                          # accepts a 2-D indicator y
    _one_class = True                            # accepts a y with a single class

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features; dense or scipy.sparse), labels ``y``
        (n_samples,) and optional non-negative ``sample_weight`` (n_samples,); returns self."""
        return self._fit(X, y, sample_weight)

    @stochastic_only
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``, continuing from the current weights and optimizer state.

        ``classes`` (every label that will ever occur) is required on the first call.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _validate_xy(self, X, y, reset):
        X, y = validate_data(self, X, y, reset=reset, accept_sparse=SPARSE_FORMATS,
                             dtype=(np.float64, np.float32), multi_output=self._multilabel)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected; flattened "
                          "to shape (n_samples,).", DataConversionWarning, stacklevel=4)
            y = y.ravel()
        check_classification_targets(y)
        return X, y

    def _encode_targets(self, y, fresh, incremental, classes):
        if y.ndim == 2:
            return self._encode_multilabel(y, fresh)
        if fresh:
            if incremental and classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit "
                                 "(every label that will occur, e.g. classes=np.unique(y))")
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            self._y_type = ONE_CLASS if len(self.classes_) == 1 else LABELS
            if self._y_type == ONE_CLASS and not self._one_class:
                raise ValueError(f"This solver needs samples of at least 2 classes in the data, "
                                 f"but the data contains only one class: "
                                 f"{self.classes_.tolist()[0]!r}")
        elif self._y_type == MULTILABEL:
            raise ValueError(f"y is 1-D but {type(self).__name__} was fitted on a multilabel "
                             f"indicator matrix; fit again with warm_start=False")
        self._check_labels(y, fresh, incremental, classes)
        codes = np.searchsorted(self.classes_, y)
        n_classes = len(self.classes_)
        if n_classes <= 2 and not (self._binary_softmax and n_classes == 2):
            return codes.reshape(-1, 1).astype(np.float64), 1, "binary_cross_entropy"
        if self._multiclass_loss == "softmax_cross_entropy":
            return codes, n_classes, "softmax_cross_entropy"
        return np.eye(n_classes)[codes], n_classes, "binary_cross_entropy"

    def _encode_multilabel(self, y, fresh):
        """A 0/1 indicator matrix: one sigmoid output per column (classes_ = 0..k-1); columns
        that are all 0 or all 1 are kept, as scikit-learn keeps them."""
        values = np.unique(y)
        if not np.isin(values, (0, 1)).all():
            raise ValueError(f"a 2-D y must be a multilabel indicator matrix (0/1, one column "
                             f"per label), got values {values[:5].tolist()}; multiclass-"
                             f"multioutput targets are not supported")
        if fresh:
            self.classes_ = np.arange(y.shape[1])
            self._y_type = MULTILABEL
        elif self._y_type != MULTILABEL or y.shape[1] != len(self.classes_):
            raise ValueError(f"y has {y.shape[1]} label columns but {type(self).__name__} was "
                             f"fitted on {len(self.classes_) if self._y_type == MULTILABEL else 0}"
                             f"; fit again with warm_start=False")
        return y.astype(np.float64), y.shape[1], "binary_cross_entropy"

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
        """Class probabilities (n, n_classes) from the network's outputs ``P`` (per label for a
        multilabel fit; two columns ``1 - p, p`` for one sigmoid, as scikit-learn returns)."""
        if self._y_type == MULTILABEL:
            return P
        if P.shape[1] == 1:
            return np.hstack([1.0 - P, P])
        if self.model_.loss == "binary_cross_entropy":     # one-vs-rest: normalise as sklearn
            return P / np.maximum(P.sum(axis=1, keepdims=True), np.finfo(P.dtype).tiny)
        return P

    def _labels(self, proba):
        """Predicted labels from :meth:`_proba`'s probabilities."""
        if self._y_type == MULTILABEL:
            return (proba > 0.5).astype(np.int64)
        if self._y_type == ONE_CLASS:
            return np.full(proba.shape[0], self.classes_[0])
        return self.classes_[np.argmax(proba, axis=1)]

    def _validation_score(self, X, Y, weights=None):
        predicted = self._labels(self._proba(self.model_.predict(X)))
        if self._y_type == MULTILABEL:
            return accuracy(Y.astype(np.int64), predicted, weights)
        codes = Y if Y.ndim == 1 else (Y[:, 0] > 0.5 if Y.shape[1] == 1 else Y.argmax(axis=1))
        return accuracy(self.classes_[codes.astype(np.int64)], predicted, weights)

    def predict_proba(self, X):
        """Probability of each class in ``classes_`` order, shape (n_samples, n_classes); for a
        multilabel fit the probability of each label, independently."""
        return self._proba(self._outputs(X))

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable label of every row, shape (n_samples,); for a multilabel fit the
        0/1 indicator matrix (n_samples, n_labels) of the labels with probability above 0.5."""
        return self._labels(self.predict_proba(X))


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
        any other name of :data:`fastnn.activations.REGISTRY` (``leaky_relu``, ``elu``,
        ``prelu``, ``gelu``...).  Weights start He-normal for the ReLU family and
        Glorot-uniform otherwise.
    alpha : float
        L2 penalty, exactly sklearn's: ``alpha/2 * sum ||W||²`` divided by each batch's weight
        sum (its row count without ``sample_weight``), added to the batch's mean loss (biases
        are not penalised).
    {training}

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
        The labels, sorted (``0..k-1`` for a multilabel indicator ``y``).
    coefs_, intercepts_ : list of ndarray
        Each layer's weights (n_in, n_out) and biases, as views of the network's weights:
        writing into them, or assigning new arrays of the same shapes, changes the predictions.
    n_layers_ : int
        Layers including input and output.
    n_outputs_ : int
        Output units: 1 for two classes (or one), else n_classes (or the number of labels).
    out_activation_ : {"logistic", "softmax"}
    {history}

    Notes
    -----
    Trains in float32 when ``X`` is float32 and in float64 otherwise (as sklearn does).
    Two classes use one sigmoid unit with binary cross-entropy, more a softmax, a multilabel
    indicator ``y`` one sigmoid per label.  ``solver="adam"`` adds ``epsilon`` to
    ``sqrt(v_hat)`` where sklearn adds it to ``sqrt(v)``, a difference of order ``epsilon``.
    """

    _multilabel = True

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
