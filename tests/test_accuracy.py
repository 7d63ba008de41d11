"""End-to-end accuracy of the estimators on real data: MNIST, sklearn's digits and iris."""
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import MLPClassifier, SoftmaxRegression


def fit_quietly(estimator, X, y):
    """Short, fixed training runs end at max_iter on purpose: no ConvergenceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


def test_mnist_mlp_reaches_95_percent(mnist_path):
    """784-128-10 ReLU MLP, trained on 8,000 of the 10,000 shared t10k images, tested on the
    other 2,000 (about 3 s on 2 cores)."""
    X, y = fastnn.datasets.load_mnist(mnist_path)          # float32 pixels in [0, 1]
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:8000], order[8000:]
    clf = MLPClassifier(hidden_layer_sizes=(128,), batch_size=128, learning_rate_init=3e-3,
                        alpha=1e-2, max_iter=20, random_state=0)
    fit_quietly(clf, X[train], y[train])
    assert clf.coefs_[0].shape == (784, 128) and clf.coefs_[1].shape == (128, 10)
    assert clf.score(X[test], y[test]) >= 0.95


def test_digits_mlp_reaches_95_percent():
    pytest.importorskip("sklearn")
    X, y = fastnn.datasets.load_digits()
    X_train, X_test, y_train, y_test = fastnn.preprocessing.train_test_split(
        X, y, test_size=0.25, seed=0, stratify=True)
    clf = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=3e-3, max_iter=100,
                        random_state=0)
    fit_quietly(clf, X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


def test_iris_reaches_95_percent():
    pytest.importorskip("sklearn")
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = fastnn.datasets.load_iris()
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for model in (MLPClassifier((16,), alpha=1.0, learning_rate_init=0.01, max_iter=300,
                                random_state=0),
                  SoftmaxRegression(C=100.0, learning_rate_init=0.05, max_iter=300, random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores = cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=folds)
        assert scores.mean() >= 0.95, (type(model).__name__, scores)
