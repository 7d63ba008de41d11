"""fastnn.model_selection: the same results as scikit-learn's own searches of fastnn estimators
(same data, same seeds), with the candidates x folds trained as populations."""
import warnings

import numpy as np
import pytest
from sklearn import model_selection as skms
from sklearn.exceptions import FitFailedWarning

import fastnn
from fastnn.model_selection import GridSearchCV, RandomizedSearchCV


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)   # ConvergenceWarning, in both searches
        yield


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    return X, (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 1)


def _mlp(**kwargs):
    return fastnn.MLPClassifier(**{"hidden_layer_sizes": (8,), "max_iter": 12, "random_state": 0,
                                   "batch_size": 16, **kwargs})


def _same_results(ours, theirs):
    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    assert ours.best_params_ == theirs.best_params_
    for key, value in theirs.cv_results_.items():
        if "time" in key:
            continue
        if key == "params" or key.startswith("param_"):
            assert list(ours.cv_results_[key]) == list(value), key
        else:
            np.testing.assert_allclose(ours.cv_results_[key], value, rtol=1e-9, err_msg=key)


def test_grid_search_matches_scikit_learns(data):
    X, y = data
    grid = {"alpha": [1e-4, 1e-2], "learning_rate_init": [1e-3, 1e-2],
            "activation": ["tanh", "relu"]}
    ours = GridSearchCV(_mlp(), grid, cv=3).fit(X, y)
    theirs = skms.GridSearchCV(_mlp(), grid, cv=3).fit(X, y)
    _same_results(ours, theirs)
    assert ours.best_score_ == pytest.approx(theirs.best_score_)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9)
    assert ours.n_splits_ == 3 and ours.refit_time_ > 0
    assert set(ours.get_params()) == set(theirs.get_params()) | {"client", "n_workers"}


def test_early_stopping_multimetric_scoring_and_train_scores(data):
    X, y = data
    est = _mlp(max_iter=30, early_stopping=True, n_iter_no_change=3)
    kwargs = dict(cv=skms.StratifiedKFold(3, shuffle=True, random_state=1),
                  scoring=["accuracy", "f1_macro"], refit="f1_macro", return_train_score=True)
    ours = GridSearchCV(est, {"alpha": [1e-4, 1e-1]}, **kwargs).fit(X, y)
    theirs = skms.GridSearchCV(est, {"alpha": [1e-4, 1e-1]}, **kwargs).fit(X, y)
    _same_results(ours, theirs)
    assert ours.multimetric_ and ours.best_estimator_.n_iter_ == theirs.best_estimator_.n_iter_


def test_randomized_search_draws_the_same_candidates(data):
    X, y = data
    space = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2], "batch_size": [16, 32]}
    ours = RandomizedSearchCV(_mlp(), space, n_iter=3, random_state=1, cv=2).fit(X, y)
    theirs = skms.RandomizedSearchCV(_mlp(), space, n_iter=3, random_state=1, cv=2).fit(X, y)
    _same_results(ours, theirs)


def test_regressor_refit_callable_and_no_refit(data):
    X, _ = data
    y = X[:, 0] - 2 * X[:, 1] + 0.1 * X[:, 3]
    est = fastnn.MLPRegressor(hidden_layer_sizes=(6,), max_iter=10, random_state=2)
    grid = {"learning_rate_init": [1e-3, 1e-2]}
    ours = GridSearchCV(est, grid, cv=2, refit=lambda r: 0).fit(X, y)
    theirs = skms.GridSearchCV(est, grid, cv=2, refit=lambda r: 0).fit(X, y)
    _same_results(ours, theirs)
    assert ours.best_index_ == 0 and not hasattr(ours, "best_score_")
    ours = GridSearchCV(est, grid, cv=2, refit=False).fit(X, y)
    assert not hasattr(ours, "best_estimator_") and ours.best_params_ in ours.cv_results_["params"]


def test_other_estimators_fall_back_to_scikit_learns_search(data):
    X, y = data
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    pipe = make_pipeline(StandardScaler(), _mlp())
    grid = {"mlpclassifier__alpha": [1e-4, 1e-2]}
    ours = GridSearchCV(pipe, grid, cv=2, n_jobs=1).fit(X, y)
    theirs = skms.GridSearchCV(pipe, grid, cv=2).fit(X, y)
    _same_results(ours, theirs)


def test_a_failing_candidate_scores_error_score_or_raises(data):
    X, y = data
    grid = {"learning_rate_init": [1e-2, 1e300]}
    with pytest.warns(FitFailedWarning, match=r"(?s)3 fits failed out of a total of 6.*"
                                              r"DivergenceError: candidate 1 on split 0: loss "
                                              r"became nan at epoch 0"):
        warnings.simplefilter("always", FitFailedWarning)
        ours = GridSearchCV(_mlp(solver="sgd"), grid, cv=3).fit(X, y)
    assert np.isnan(ours.cv_results_["mean_test_score"][1])
    assert ours.best_params_ == {"learning_rate_init": 1e-2}
    with pytest.raises(fastnn.DivergenceError):
        GridSearchCV(_mlp(solver="sgd"), grid, cv=3, error_score="raise").fit(X, y)


def test_bad_search_arguments_are_refused_as_scikit_learn_does(data):
    X, y = data
    with pytest.raises(ValueError, match=r"The 'n_workers' parameter of GridSearchCV must be "
                                         r"None or an int in the range \[1, inf\)"):
        GridSearchCV(_mlp(), {"alpha": [1e-4]}, n_workers=0).fit(X, y)
    with pytest.raises(ValueError, match=r"Invalid parameter 'alpah' for estimator"):
        GridSearchCV(_mlp(), {"alpah": [1e-4]}).fit(X, y)


def test_import_fastnn_does_not_import_model_selection():
    import subprocess
    import sys
    code = "import sys, fastnn; print('fastnn.model_selection' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["False"]


def test_lbfgs_candidates_train_one_by_one_beside_the_population(data):
    """A grid over the solver: the lbfgs candidates train alone with their own fit, the
    stochastic ones as a population; every score is scikit-learn's search's."""
    X, y = data
    grid = {"solver": ["adam", "lbfgs"], "alpha": [1e-4, 1e-1]}
    ours = GridSearchCV(_mlp(), grid, cv=3).fit(X, y)
    theirs = skms.GridSearchCV(_mlp(), grid, cv=3).fit(X, y)
    _same_results(ours, theirs)
    assert {p["solver"] for p in ours.cv_results_["params"]} == {"adam", "lbfgs"}


def test_sample_weight_and_class_weight_reach_every_member(data):
    """fit(X, y, sample_weight=w) weights each fold's training rows and the refit, as in
    scikit-learn's search; class_weight is applied by each member's own plan."""
    X, y = data
    w = np.random.default_rng(1).uniform(0.2, 3.0, size=len(y))
    grid = {"alpha": [1e-4, 1e-1], "learning_rate_init": [1e-3, 1e-2]}
    ours = GridSearchCV(_mlp(), grid, cv=3).fit(X, y, sample_weight=w)
    theirs = skms.GridSearchCV(_mlp(), grid, cv=3).fit(X, y, sample_weight=w)
    _same_results(ours, theirs)
    unweighted = GridSearchCV(_mlp(), grid, cv=3).fit(X, y)
    assert not np.allclose(unweighted.cv_results_["mean_test_score"],
                           ours.cv_results_["mean_test_score"])
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9)
    est = fastnn.LogisticRegression(solver="adam", max_iter=15, random_state=0,
                                    class_weight="balanced")
    grid = {"C": [0.1, 10.0], "fit_intercept": [True, False]}
    ours = GridSearchCV(est, grid, cv=2).fit(X, y)
    theirs = skms.GridSearchCV(est, grid, cv=2).fit(X, y)
    _same_results(ours, theirs)
