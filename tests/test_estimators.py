"""The scikit-learn-style estimators: sklearn's own estimator checks, sklearn tooling, and
fastnn's additions (string labels, normal equation, partial_fit, warm_start, early stopping)."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor, SoftmaxRegression

sklearn = pytest.importorskip("sklearn")
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

# Small networks and few epochs keep the ~55 checks per estimator at a few seconds in all.
CHECKED = [
    MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=200, random_state=0),
    MLPRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=200, random_state=0),
    MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=200, random_state=0),
    LinearRegression(),
    LinearRegression(solver="sgd", max_iter=100, random_state=0),
    LogisticRegression(max_iter=100, random_state=0),
    LogisticRegression(solver="adam", max_iter=100, random_state=0),
    SoftmaxRegression(max_iter=100, random_state=0),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.fixture(scope="module")
def blobs():
    X, y = fastnn.datasets.get("three_class", n_samples=300, noise=0.1, seed=0)
    return X.astype(np.float64), y


def quiet(estimator):
    """Fit without the ConvergenceWarning of deliberately short runs."""
    def fit(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return estimator.fit(*args, **kwargs)
    return fit


def test_pipeline_and_grid_search(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=60, random_state=0,
                                                         learning_rate_init=0.01))
    grid = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-2],
                               "mlpclassifier__activation": ["relu", "tanh"]}, cv=3)
    quiet(grid)(X, y)
    assert grid.best_score_ > 0.9
    assert set(grid.best_params_) == {"mlpclassifier__alpha", "mlpclassifier__activation"}
    assert grid.predict(X[:5]).shape == (5,)


def test_cross_val_score(blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(MLPClassifier((16,), max_iter=100, learning_rate_init=0.01,
                                               random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


@pytest.mark.parametrize("Est", [MLPClassifier, LogisticRegression, SoftmaxRegression])
def test_string_labels(Est, blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])
    clf = quiet(Est(max_iter=80, random_state=0, learning_rate_init=0.01))(X, names[y])
    assert clf.classes_.tolist() == ["cat", "dog", "emu"]
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names[y]) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_binary_uses_one_sigmoid_and_softmax_regression_two_units(blobs):
    X, y = blobs
    keep = y < 2
    labels = np.where(y[keep] == 0, "no", "yes")
    mlp = quiet(MLPClassifier((4,), max_iter=50, random_state=0))(X[keep], labels)
    assert mlp.out_activation_ == "logistic" and mlp.n_outputs_ == 1
    soft = quiet(SoftmaxRegression(max_iter=50, random_state=0))(X[keep], labels)
    assert soft.coef_.shape == (2, 2) and soft.decision_function(X[:4]).shape == (4,)
    logit = quiet(LogisticRegression(max_iter=50, random_state=0))(X[keep], labels)
    assert logit.coef_.shape == (1, 2)
    np.testing.assert_allclose(logit.predict_proba(X[:4])[:, 1],
                               1 / (1 + np.exp(-logit.decision_function(X[:4]))), rtol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_normal_equation_matches_lstsq(fit_intercept):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    Y = X @ rng.normal(size=(4, 2)) + 3.0 + 0.1 * rng.normal(size=(50, 2))
    A = np.hstack([X, np.ones((50, 1))]) if fit_intercept else X
    expected = np.linalg.lstsq(A, Y, rcond=None)[0]
    reg = LinearRegression(fit_intercept=fit_intercept).fit(X, Y)
    np.testing.assert_allclose(reg.coef_, expected[:4].T, rtol=1e-10, atol=1e-12)
    if fit_intercept:
        np.testing.assert_allclose(reg.intercept_, expected[4], rtol=1e-10)
    np.testing.assert_allclose(reg.predict(X), A @ expected, rtol=1e-10)


def test_normal_equation_collinear_columns_give_minimum_norm():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 1))
    X = np.hstack([x, 2 * x])                       # rank 1: XᵀX is singular
    y = 3 * x[:, 0] + 1
    reg = LinearRegression().fit(X, y)
    A = np.hstack([X, np.ones((30, 1))])
    np.testing.assert_allclose(np.r_[reg.coef_, reg.intercept_],
                               np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-8)
    assert reg.rank_ == 2


def test_linear_regression_sgd_reaches_the_normal_equation():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.7
    exact = LinearRegression().fit(X, y)
    sgd = quiet(LinearRegression(solver="sgd", learning_rate_init=0.05, max_iter=300, tol=0.0,
                                 random_state=0))(X, y)
    np.testing.assert_allclose(sgd.coef_, exact.coef_, atol=1e-3)
    assert abs(sgd.intercept_ - exact.intercept_) < 1e-3


def test_partial_fit_continues_and_needs_classes(blobs):
    X, y = blobs
    clf = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    for _ in range(30):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 30 and clf.t_ == 30 * len(X)   # as sklearn
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match=r"classes \[7\] that are not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 7])
    reg = MLPRegressor((8,), random_state=0)
    reg.partial_fit(X, X[:, 0])
    with pytest.raises(ValueError, match="X has 3 features, but MLPRegressor is expecting 2"):
        reg.partial_fit(np.ones((4, 3)), np.ones(4))


def test_warm_start_keeps_weights_and_history(blobs):
    X, y = blobs
    clf = quiet(MLPClassifier((8,), max_iter=5, warm_start=True, random_state=0))(X, y)
    first = [c.copy() for c in clf.coefs_]
    quiet(clf)(X, y)
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 10    # n_iter_ of the last fit, as sklearn
    assert not np.allclose(first[0], clf.coefs_[0])
    cold = quiet(MLPClassifier((8,), max_iter=5, random_state=0))(X, y)
    np.testing.assert_allclose(cold.coefs_[0], first[0])
    with pytest.raises(ValueError, match="warm_start needs y with the same classes"):
        clf.fit(X[y < 2], y[y < 2])


def test_early_stopping_restores_best_validation_weights(blobs):
    X, y = blobs
    clf = MLPClassifier((16,), early_stopping=True, n_iter_no_change=5, max_iter=500,
                        learning_rate_init=0.01, random_state=0).fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ < 500
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    plain = quiet(MLPClassifier((16,), max_iter=3, random_state=0))(X, y)
    assert plain.validation_scores_ is None and plain.best_loss_ == min(plain.loss_curve_)


def test_alpha_matches_sklearn_penalty_per_batch(blobs):
    """alpha/2 ||W||² divided by each batch's weight sum (tests/test_estimator_parity.py checks
    the trajectories); C's penalty is ||W||² / (2 C sum(w)) on every batch."""
    X, y = blobs
    clf = quiet(MLPClassifier((4,), alpha=0.3, batch_size=50, max_iter=1, random_state=0))(X, y)
    assert all(layer.l2 == pytest.approx(0.3 / 2) for layer in clf.model_.dense_layers)
    assert clf.model_._spec().penalty_per_weight
    logit = quiet(LogisticRegression(C=0.5, max_iter=1, random_state=0))(X, y)
    assert logit.model_.dense_layers[0].l2 == pytest.approx(1 / (2 * 0.5 * len(X)))
    assert not logit.model_._spec().penalty_per_weight


def test_invscaling_and_adaptive_learning_rates(blobs):
    X, y = blobs
    clf = quiet(MLPClassifier((4,), solver="sgd", learning_rate="invscaling", power_t=0.5,
                              learning_rate_init=0.1, max_iter=3, random_state=0))(X, y)
    assert clf.model_.optimizer.lr_at(0) == 0.1          # a new optimizer starts at lr_init
    assert clf.model_.optimizer.lr_at(3) == pytest.approx(0.1 / (clf.t_ + 1) ** 0.5)
    ada = MLPClassifier((4,), solver="sgd", learning_rate="adaptive", learning_rate_init=0.1,
                        n_iter_no_change=2, tol=10.0, max_iter=200, random_state=0).fit(X, y)
    assert ada.model_.optimizer.lr <= 1e-6 and ada.n_iter_ < 200


def test_regressor_multioutput_and_convergence_warning():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    Y = np.c_[X.sum(axis=1), X[:, 0] - X[:, 1]]
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(5\) reached"):
        MLPRegressor((16,), max_iter=5, random_state=0).fit(X, Y)
    reg = quiet(MLPRegressor((16,), max_iter=300, learning_rate_init=0.01, random_state=0))(X, Y)
    assert reg.predict(X).shape == (200, 2) and reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.95


@pytest.mark.parametrize("params, match", [
    ({"solver": "newton"}, r"solver must be one of \['lbfgs', 'sgd', 'adam', 'adagrad', 'rmsprop'\]"),
    ({"max_fun": 0}, r"max_fun must be in \[1"),
    ({"activation": "rleu"}, "activation must be one of"),
    ({"hidden_layer_sizes": (8, 0)}, "every entry of hidden_layer_sizes must be in"),
    ({"alpha": -1.0}, r"alpha must be in \[0"),
    ({"batch_size": 0}, r"batch_size must be in \[1"),
    ({"learning_rate": "cyclic"}, "learning_rate must be one of"),
    ({"momentum": 1.5}, r"momentum must be in \[0, 1\)"),
    ({"validation_fraction": 1.0}, r"validation_fraction must be in \(0, 1\)"),
    ({"max_iter": 0}, r"max_iter must be in \[1"),
    ({"random_state": "seed"}, "random_state must be None"),
])
def test_bad_parameters_name_themselves(params, match, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**params).fit(X, y)


def test_bad_inputs_follow_sklearn_messages(blobs):
    X, y = blobs
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MLPClassifier().fit(bad, y)
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(X)
    with pytest.raises(ValueError, match="needs samples of at least 2 classes in the data"):
        LogisticRegression().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError, match="fit_intercept must be True or False, got 'no'"):
        LinearRegression(fit_intercept="no", solver="sgd").fit(X, y)
    with pytest.raises(ValueError, match="penalty must be one of"):
        LogisticRegression(penalty="elasticnet").fit(X, y)
    with pytest.raises(ValueError, match="penalty='l1' needs a stochastic solver: solver='lbfgs' "
                       "supports only 'l2' or None penalties"):
        LogisticRegression(penalty="l1").fit(X, y)


def test_float32_input_trains_in_float32(blobs):
    X, y = blobs
    clf = quiet(MLPClassifier((4,), max_iter=2, random_state=0))(X.astype(np.float32), y)
    assert clf.coefs_[0].dtype == np.float32


def test_works_without_scikit_learn():
    code = """
import sys
sys.modules["sklearn"] = None           # as if scikit-learn were not installed
import numpy as np
import fastnn
from fastnn.estimators import _compat
assert not _compat.HAVE_SKLEARN
X, y = fastnn.datasets.get("three_class", n_samples=300, seed=0)
labels = np.array(["a", "b", "c"])[y]
clf = fastnn.MLPClassifier((16,), max_iter=200, learning_rate_init=0.01, random_state=0)
clf.fit(X, labels)
assert clf.score(X, labels) > 0.9, clf.score(X, labels)
assert clf.get_params()["hidden_layer_sizes"] == (16,)
assert clf.set_params(alpha=0.1).alpha == 0.1
reg = fastnn.LinearRegression().fit(X, 2 * X[:, 0] + 1)
assert abs(reg.score(X, 2 * X[:, 0] + 1) - 1) < 1e-9
try:
    fastnn.MLPRegressor().predict(X)
except ValueError as exc:
    assert "not fitted" in str(exc)
try:
    clf.predict(np.array([[np.nan, 1.0]]))
except ValueError as exc:
    assert "NaN" in str(exc)
print("ok")
"""
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("Est, attrs", [
    (MLPClassifier, ("coefs_", "intercepts_")), (MLPRegressor, ("coefs_", "intercepts_")),
    (LogisticRegression, ("coef_", "intercept_")), (SoftmaxRegression, ("coef_", "intercept_")),
    (LinearRegression, ("coef_", "intercept_")),
])
def test_written_weights_are_what_predicts(Est, attrs, blobs):
    """Bug 2: after ``clf.coef_[:] = 0`` every output (decision_function, predict_proba,
    predict) comes from the zero weights, not from a stale internal copy; so does a fresh array
    assigned to the attribute."""
    X, y = blobs
    target = y if Est not in (MLPRegressor, LinearRegression) else X[:, 0] + y
    est = quiet(Est(max_iter=20, random_state=0) if Est is not LinearRegression else Est())(X, target)
    weights, biases = attrs
    for W in (getattr(est, weights) if weights == "coefs_" else [getattr(est, weights)]):
        W[...] = 0
    if biases == "intercept_" and np.ndim(est.intercept_) == 0:
        est.intercept_ = 0.0                   # LinearRegression's float intercept: assign it
    else:
        for b in (getattr(est, biases) if biases == "intercepts_" else [est.intercept_]):
            b[...] = 0
    out = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
    np.testing.assert_allclose(out, out[:1].repeat(len(X), axis=0))   # constant outputs
    if hasattr(est, "decision_function"):
        np.testing.assert_array_equal(est.decision_function(X), 0)
    if weights == "coef_":
        est.coef_ = np.ones_like(np.asarray(est.coef_))
        est.predict(X)                         # written into the network before predicting
        np.testing.assert_allclose(est.model_.get_weights()[0][0], 1)
        with pytest.raises(ValueError, match=r"coef_ has shape \(3,\), expected"):
            est.coef_ = np.ones(3)
            est.predict(X)


def test_early_stopping_refuses_degenerate_validation_splits(blobs):
    """Bug 3: scikit-learn raises for a 1-row validation set and for a class with one sample
    (which a stratified split cannot put on both sides)."""
    X, y = blobs
    with pytest.raises(ValueError, match=r"The validation set is too small: early_stopping=True "
                       r"holds out 1 of 2 samples \(validation_fraction=0.1\) and needs at least 2"):
        MLPRegressor(early_stopping=True).fit(X[:2], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"class 1 has only 1 sample; every class needs at least 2"):
        MLPClassifier(early_stopping=True).fit(X[:4], [0, 0, 0, 1])


def test_partial_fit_refuses_early_stopping(blobs):
    """Bug 4: partial_fit silently ignored early_stopping=True; scikit-learn raises."""
    X, y = blobs
    with pytest.raises(ValueError, match=r"partial_fit does not support early_stopping=True"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
