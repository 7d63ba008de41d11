"""The estimators against scikit-learn on the same data from identical weights: L-BFGS-B,
sample weights, scikit-learn's penalty on a short last batch, warm starts with ``invscaling``,
and the linear models' defaults (lbfgs, class_weight, fit_intercept=False)."""
import warnings

import numpy as np
import pytest

from fastnn import LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor, SoftmaxRegression

sklearn = pytest.importorskip("sklearn")
from sklearn import linear_model as sk_linear  # noqa: E402
from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402


def _data(n=120, classes=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    if classes is None:
        return X, X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * np.sin(3 * X[:, 0])
    return X, np.digitize(X[:, 0] + 0.5 * X[:, 1], np.linspace(-1, 1, classes - 1))


def _same_start(ours, theirs, X, y, **fit):
    """Give both estimators the same weights (ours copied from theirs after one throwaway epoch
    each), ready for a warm-started fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in (ours, theirs):
            est.set_params(warm_start=True, max_iter=1).fit(X, y, **fit)
    ours.coefs_ = [c.copy() for c in theirs.coefs_]
    ours.intercepts_ = [b.copy() for b in theirs.intercepts_]


def _fit_both(ours, theirs, X, y, max_iter, **fit):
    _same_start(ours, theirs, X, y, **fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in (ours, theirs):
            est.set_params(max_iter=max_iter).fit(X, y, **fit)


def _assert_same_weights(ours, theirs, tol):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("Ours, Theirs, classes", [(MLPRegressor, sk_nn.MLPRegressor, None),
                                                   (MLPClassifier, sk_nn.MLPClassifier, 2),
                                                   (MLPClassifier, sk_nn.MLPClassifier, 3)])
def test_lbfgs_follows_scikit_learn_from_identical_weights(Ours, Theirs, classes):
    X, y = _data(classes=classes)
    weights = np.random.default_rng(1).random(len(X)) + 0.5
    params = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", alpha=0.01,
                  random_state=0)
    ours, theirs = Ours(**params), Theirs(**params)
    _fit_both(ours, theirs, X, y, 15, sample_weight=weights)
    assert ours.n_iter_ == theirs.n_iter_ == 15
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    _assert_same_weights(ours, theirs, 1e-7)


def test_lbfgs_stops_at_max_fun_and_says_so():
    X, y = _data(classes=2)
    with pytest.warns(ConvergenceWarning, match=r"lbfgs failed to converge after \d+ iteration\(s\) "
                      r"\(status=1\):\nSTOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"):
        clf = MLPClassifier((5,), solver="lbfgs", max_fun=6, random_state=0).fit(X, y)
    assert clf.n_iter_ <= 6
    with pytest.warns(ConvergenceWarning, match=r"Increase the number of iterations \(max_iter=3\)"):
        MLPClassifier((5,), solver="lbfgs", max_iter=3, random_state=0).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_lbfgs_refuses_partial_fit_and_ignores_batch_size():
    X, y = _data(classes=2)
    clf = MLPClassifier((5,), solver="lbfgs", random_state=0)
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match=r"partial_fit is only available for the stochastic "
                       r"solvers .*solver='lbfgs' optimises over the whole data set at once"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.warns(UserWarning, match=r"batch_size=32 does not apply to solver='lbfgs'"):
        MLPRegressor((5,), solver="lbfgs", batch_size=32, max_iter=50).fit(X, y.astype(float))
    assert hasattr(MLPRegressor(solver="sgd"), "partial_fit")


def test_the_penalty_of_a_short_last_batch_is_scikit_learns():
    """Bug 1: 120 rows in batches of 32 + 32 + 32 + 24 with alpha=1 and sgd: the last batch's
    penalty is divided by its own 24 rows, as scikit-learn does (it differed by 2e-3)."""
    X, y = _data(n=120)
    params = dict(hidden_layer_sizes=(5,), solver="sgd", alpha=1.0, batch_size=32,
                  learning_rate_init=0.01, shuffle=False, random_state=0)
    ours, theirs = MLPRegressor(**params), sk_nn.MLPRegressor(**params)
    _fit_both(ours, theirs, X, y, 30)
    _assert_same_weights(ours, theirs, 1e-12)
    # the first entry is the throwaway epoch, from each estimator's own initial weights
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-12)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_sample_weights_follow_scikit_learn_batch_by_batch(solver):
    X, y = _data(n=100, classes=3)
    weights = np.random.default_rng(2).random(len(X)) * 2
    params = dict(hidden_layer_sizes=(5,), solver=solver, alpha=0.1, batch_size=32,
                  learning_rate_init=0.01, shuffle=False, random_state=0, epsilon=1e-8)
    ours, theirs = MLPClassifier(**params), sk_nn.MLPClassifier(**params)
    _fit_both(ours, theirs, X, y, 20, sample_weight=weights)
    # Adam's epsilon sits inside the square root in sklearn, outside in fastnn (see the docs).
    _assert_same_weights(ours, theirs, 1e-12 if solver == "sgd" else 1e-5)


def test_a_warm_start_restarts_invscaling_as_scikit_learn_does():
    """Bug 4: the first epoch of a warm-started fit runs at learning_rate_init again; later
    epochs decay with the samples seen in every fit (t_)."""
    X, y = _data(n=60)
    params = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate="invscaling",
                  learning_rate_init=0.05, power_t=0.5, momentum=0.0, shuffle=False,
                  batch_size=20, random_state=0)
    ours, theirs = MLPRegressor(**params), sk_nn.MLPRegressor(**params)
    _fit_both(ours, theirs, X, y, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    assert ours.t_ == theirs.t_ == 9 * 60
    _assert_same_weights(ours, theirs, 1e-12)


def test_partial_fit_with_sample_weight_follows_scikit_learn():
    X, y = _data(n=50)
    weights = np.linspace(0, 2, 50)
    params = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate="invscaling",
                  learning_rate_init=0.05, momentum=0.0, shuffle=False, random_state=0)
    ours, theirs = MLPRegressor(**params), sk_nn.MLPRegressor(**params)
    _same_start(ours, theirs, X, y)      # (no momentum: partial_fit keeps the optimizer state)
    for rows in (slice(0, 50), slice(0, 30), slice(10, 50)):
        ours.partial_fit(X[rows], y[rows], sample_weight=weights[rows])
        theirs.partial_fit(X[rows], y[rows], sample_weight=weights[rows])
    assert ours.n_iter_ == theirs.n_iter_ == 1 and ours.t_ == theirs.t_
    _assert_same_weights(ours, theirs, 1e-12)


def test_logistic_regression_defaults_to_lbfgs_and_solves_the_sanity_set():
    """Bug 4: with its defaults LogisticRegression mispredicted this 3-point set for 3 of 20
    seeds (200 Adam epochs); lbfgs, scikit-learn's default, solves it for every seed."""
    X, y = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), np.array([0, 0, 1])
    assert LogisticRegression().solver == SoftmaxRegression().solver == "lbfgs"
    for seed in range(20):
        np.testing.assert_array_equal(LogisticRegression(random_state=seed).fit(X, y).predict(X),
                                      sk_linear.LogisticRegression().fit(X, y).predict(X))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 3.0, 2: 0.5}])
def test_linear_classifiers_match_scikit_learns_logistic_regression(fit_intercept, class_weight):
    X, y = _data(n=150, classes=3)
    weights = np.random.default_rng(3).random(len(X)) + 0.2
    theirs = sk_linear.LogisticRegression(C=0.5, fit_intercept=fit_intercept,
                                          class_weight=class_weight, tol=1e-10, max_iter=1000)
    ours = SoftmaxRegression(C=0.5, fit_intercept=fit_intercept, class_weight=class_weight,
                             tol=1e-10, max_iter=1000)
    for est in (theirs, ours):
        est.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)
    if not fit_intercept:
        np.testing.assert_array_equal(ours.intercept_, 0)
    binary = y > 0
    theirs.set_params(class_weight=None).fit(X, binary, sample_weight=weights)
    logit = LogisticRegression(C=0.5, fit_intercept=fit_intercept, tol=1e-10,
                               max_iter=1000).fit(X, binary, sample_weight=weights)
    np.testing.assert_allclose(logit.coef_, theirs.coef_, atol=1e-6)
    np.testing.assert_allclose(logit.intercept_, theirs.intercept_, atol=1e-6)


def test_class_weight_is_sample_weight_per_class():
    X, y = _data(n=90, classes=3)
    balanced = SoftmaxRegression(class_weight="balanced").fit(X, y)
    counts = np.bincount(y)
    explicit = SoftmaxRegression().fit(X, y, sample_weight=(len(y) / (3 * counts))[y])
    np.testing.assert_allclose(balanced.coef_, explicit.coef_, rtol=1e-10)
    with pytest.raises(ValueError, match=r"class_weight has labels \[7\] that are not classes of y"):
        SoftmaxRegression(class_weight={7: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight must be None, 'balanced' or a dict"):
        LogisticRegression(class_weight="auto").fit(X, y)


@pytest.mark.parametrize("solver", ["normal", "lbfgs", "sgd"])
def test_linear_regression_without_intercept_and_with_weights(solver):
    X, y = _data(n=200)
    y = y + 2.0
    weights = np.random.default_rng(4).random(len(X)) + 0.1
    expected = sk_linear.LinearRegression(fit_intercept=False).fit(X, y, sample_weight=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = LinearRegression(solver=solver, fit_intercept=False, learning_rate_init=0.1,
                                max_iter=500, tol=0.0, random_state=0).fit(X, y, sample_weight=weights)
    assert ours.intercept_ == 0.0
    np.testing.assert_allclose(ours.coef_, expected.coef_, atol=1e-10 if solver == "normal" else 2e-3)
    with_intercept = sk_linear.LinearRegression().fit(X, y, sample_weight=weights)
    exact = LinearRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(exact.coef_, with_intercept.coef_, rtol=1e-10)
    assert exact.intercept_ == pytest.approx(with_intercept.intercept_, rel=1e-10)


@pytest.mark.parametrize("Ours, Theirs", [(MLPClassifier, sk_nn.MLPClassifier),
                                          (MLPRegressor, sk_nn.MLPRegressor)])
@pytest.mark.parametrize("solver, early_stopping", [("adam", False), ("sgd", True), ("lbfgs", False)])
def test_fitted_attributes_are_scikit_learns(Ours, Theirs, solver, early_stopping):
    X, y = _data(classes=3 if Ours is MLPClassifier else None)
    params = dict(hidden_layer_sizes=(5,), solver=solver, early_stopping=early_stopping,
                  max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = Ours(**params).fit(X, y), Theirs(**params).fit(X, y)
    fitted = {name for name in vars(theirs) if name.endswith("_") and not name.startswith("_")}
    assert fitted <= set(vars(ours)) | {"feature_names_in_"}
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_layers_ == theirs.n_layers_ and ours.n_outputs_ == theirs.n_outputs_


def test_n_iter_no_change_inf_trains_every_epoch():
    X, y = _data(classes=2)
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(40\) reached"):
        clf = MLPClassifier((4,), n_iter_no_change=np.inf, tol=1e3, max_iter=40,
                            random_state=0).fit(X, y)
    assert clf.n_iter_ == 40
    with pytest.raises(ValueError, match=r"n_iter_no_change \(a positive integer or numpy.inf\) "
                       r"must be an integer, got -inf"):
        MLPClassifier(n_iter_no_change=-np.inf).fit(X, y)

