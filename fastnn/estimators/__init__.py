"""scikit-learn-style estimators on fastnn's kernels: swap an import and keep your pipeline.

>>> from fastnn import MLPClassifier          # instead of sklearn.neural_network
>>> clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=50, random_state=0)

``MLPClassifier`` and ``MLPRegressor`` take sklearn's parameters (``hidden_layer_sizes``,
``activation``, ``solver``, ``alpha``, ``batch_size``, ``learning_rate``...) plus ``backend``;
``LinearRegression`` solves the normal equation (or trains by gradient descent),
``LogisticRegression`` and ``SoftmaxRegression`` are networks without a hidden layer.
With scikit-learn installed (``pip install "fastnn[sklearn]"``) they are sklearn estimators
(``Pipeline``, ``GridSearchCV``, ``cross_val_score``, ``check_estimator``); without it they still
work, with ``get_params``/``set_params``/``score`` from a small stand-in.
"""
from ._classifier import MLPClassifier
from ._linear import LinearRegression, LogisticRegression, SoftmaxRegression
from ._regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "LinearRegression", "LogisticRegression",
           "SoftmaxRegression"]
