"""What the estimators accept beyond a dense X and 1-D labels, as scikit-learn does: multilabel
indicator y, a one-class y, sparse X (never densified), sample weights; and the bad inputs of
each, refused with messages that name them."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sparse

from fastnn import LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor, SoftmaxRegression

sklearn = pytest.importorskip("sklearn")
from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    Y = np.c_[X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 1].astype(int)
    return X, Y


def test_multilabel_indicator_y_trains_one_sigmoid_per_label(labels):
    X, Y = labels
    clf = MLPClassifier((16,), max_iter=300, learning_rate_init=0.01, random_state=0).fit(X, Y)
    theirs = sk_nn.MLPClassifier((16,), max_iter=300, learning_rate_init=0.01,
                                 random_state=0).fit(X, Y)
    assert clf.out_activation_ == theirs.out_activation_ == "logistic"
    np.testing.assert_array_equal(clf.classes_, theirs.classes_)
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 3) and not np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))
    assert clf.predict(X).shape == theirs.predict(X).shape
    assert clf.score(X, Y) == pytest.approx(np.mean((clf.predict(X) == Y).all(axis=1)))
    assert abs(clf.score(X, Y) - theirs.score(X, Y)) < 0.1


def test_multilabel_columns_of_one_value_are_kept_as_scikit_learn_keeps_them(labels):
    X, Y = labels
    Y = np.c_[Y, np.zeros(200, int), np.ones(200, int)]
    clf = MLPClassifier((8,), max_iter=200, random_state=0).fit(X, Y)
    theirs = sk_nn.MLPClassifier((8,), max_iter=200, random_state=0).fit(X, Y)
    assert clf.predict_proba(X).shape == theirs.predict_proba(X).shape == (200, 5)
    proba = clf.predict_proba(X)
    assert proba[:, 3].mean() < 0.5 < proba[:, 4].mean()


def test_multilabel_partial_fit_and_early_stopping(labels):
    X, Y = labels
    clf = MLPClassifier((8,), random_state=0)
    for _ in range(3):
        clf.partial_fit(X, Y, classes=[0, 1, 2])
    assert len(clf.loss_curve_) == 3
    stopped = MLPClassifier((8,), early_stopping=True, max_iter=30, random_state=0).fit(X, Y)
    assert len(stopped.validation_scores_) == stopped.n_iter_
    with pytest.raises(ValueError, match=r"y has 2 label columns but MLPClassifier was fitted on 3"):
        clf.partial_fit(X, Y[:, :2])


@pytest.mark.parametrize("y, match", [
    (np.c_[np.arange(200) % 3, np.arange(200) % 2], r"a 2-D y must be a multilabel indicator "
     r"matrix \(0/1, one column per label\), got values \[0, 1, 2\]"),
])
def test_bad_multilabel_y_names_itself(y, match, labels):
    X, _ = labels
    with pytest.raises(ValueError, match=match):
        MLPClassifier((4,), max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="y should be a 1d array"):
        LogisticRegression().fit(X, labels[1])


def test_one_class_y_as_scikit_learn(labels):
    X, _ = labels
    y = np.full(200, "only")
    clf = MLPClassifier((4,), max_iter=20, random_state=0).fit(X, y)
    theirs = sk_nn.MLPClassifier((4,), max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), theirs.predict(X))
    assert clf.predict_proba(X).shape == theirs.predict_proba(X).shape == (200, 2)
    assert clf.classes_.tolist() == ["only"] and clf.n_outputs_ == theirs.n_outputs_ == 1
    for Linear in (LogisticRegression, SoftmaxRegression):
        with pytest.raises(ValueError, match=r"needs samples of at least 2 classes in the data, "
                           r"but the data contains only one class: 'only'"):
            Linear().fit(X, y)


@pytest.fixture
def no_densifying(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("a sparse X was densified")
    for cls in (sparse.csr_matrix, sparse.csc_matrix):
        for name in ("toarray", "todense"):
            monkeypatch.setattr(cls, name, refuse)


def _sparse_problem(n=300, k=2000, seed=0):
    """One-hot-like text features: each row has a few ones among ``k`` columns."""
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(n), 5)
    cols = rng.integers(0, k, n * 5)
    X = sparse.csr_matrix((np.ones(n * 5), (rows, cols)), shape=(n, k))
    X.sum_duplicates()
    y = (cols.reshape(n, 5) < k // 2).sum(axis=1) >= 3
    return X, y.astype(int)


def _params(Est, solver):
    params = dict(solver=solver, max_iter=15, random_state=0)
    if Est is MLPClassifier:
        params["hidden_layer_sizes"] = (6,)
    return params


@pytest.mark.parametrize("Est, solver", [(MLPClassifier, "adam"), (MLPClassifier, "lbfgs"),
                                         (LogisticRegression, "lbfgs"), (SoftmaxRegression, "sgd")])
def test_sparse_X_is_never_densified(Est, solver, no_densifying):
    X, y = _sparse_problem(k=300)
    clf = Est(**_params(Est, solver)).fit(X, y)
    proba = clf.predict_proba(sparse.csc_matrix(X))
    assert proba.shape == (300, 2) and np.isfinite(proba).all()
    if solver != "lbfgs":
        clf.partial_fit(X[:50], y[:50])


@pytest.mark.parametrize("Est, solver", [(MLPClassifier, "adam"), (MLPClassifier, "lbfgs"),
                                         (LogisticRegression, "lbfgs"), (SoftmaxRegression, "sgd")])
def test_sparse_and_dense_X_give_the_same_model(Est, solver):
    X, y = _sparse_problem(k=300)
    a, b = Est(**_params(Est, solver)).fit(X, y), Est(**_params(Est, solver)).fit(X.toarray(), y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()), atol=1e-9)


def test_a_50000_column_one_hot_matrix_fits_without_densifying(no_densifying):
    X, y = _sparse_problem(n=400, k=50_000)
    clf = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    clf.partial_fit(X[:100], y[:100])
    assert clf.predict(X).shape == (400,) and clf.coefs_[0].shape == (50_000, 8)
    reg = LinearRegression().fit(X, y.astype(float))
    np.testing.assert_allclose(reg.predict(X[:50]), X[:50] @ reg.coef_ + reg.intercept_)


def test_sparse_linear_regression_matches_the_dense_normal_equation():
    X, _ = _sparse_problem(n=200, k=40)
    y = X @ np.arange(40.0) + 3.0
    weights = np.linspace(0.5, 2, 200)
    a = LinearRegression().fit(X, y, sample_weight=weights)
    b = LinearRegression().fit(X.toarray(), y, sample_weight=weights)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    assert a.intercept_ == pytest.approx(b.intercept_, abs=1e-8)


@pytest.mark.parametrize("X, error, match", [
    (sparse.csr_matrix(np.ones((5, 7))), ValueError, "X has 7 features, but MLPClassifier is expecting 300 features"),
    (sparse.csr_matrix(np.ones((5, 300), np.complex128)), ValueError, "Complex data not supported"),
])
def test_bad_sparse_X_names_itself(X, error, match):
    Xs, y = _sparse_problem(k=300)
    clf = MLPClassifier((4,), max_iter=2, random_state=0).fit(Xs, y)
    with pytest.raises(error, match=match):
        clf.predict(X)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor, LogisticRegression, SoftmaxRegression,
                                 LinearRegression])
@pytest.mark.parametrize("weights, match", [
    (-np.ones(200), r"sample_weight must be non-negative, got -1 at index 0"),
    (np.r_[np.ones(199), np.nan], r"sample_weight contains NaN or infinite values \(first at index 199"),
    (np.ones(150), r"sample_weight has 150 weights but X has 200 samples"),
    (np.zeros(200), r"sample_weight is all zeros, so no sample would count"),
])
def test_bad_sample_weight_is_refused_by_every_estimator(Est, weights, match, labels):
    X, Y = labels
    with pytest.raises(ValueError, match=match):
        Est().fit(X, Y[:, 0], sample_weight=weights)


def test_partial_fit_takes_sample_weight(labels):
    X, Y = labels
    clf = MLPClassifier((4,), random_state=0)
    clf.partial_fit(X, Y[:, 0], sample_weight=np.linspace(0, 1, 200), classes=[0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPRegressor((4,), random_state=0).partial_fit(X, X[:, 0], sample_weight=np.ones(200))
