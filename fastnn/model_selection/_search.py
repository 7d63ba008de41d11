"""``GridSearchCV`` and ``RandomizedSearchCV``: scikit-learn's searches, with the candidates x
folds of fastnn's estimators trained as populations.

They *are* scikit-learn's classes (subclasses): the same constructor arguments, the same fitted
attributes (``cv_results_`` built by sklearn's own formatter, ``best_params_``, ``best_score_``,
``best_estimator_``, ``refit_time_``, ``scorer_``, ``n_splits_``, ``multimetric_``), the same
``predict``/``score``/... through ``best_estimator_``.  Only the training differs: every
(candidate, fold) whose estimator is a fastnn network trains as a member of a population (see
:mod:`._population_search`), each member exactly as its own ``fit`` would, so the scores are
those a scikit-learn search of the same estimator gets.  Anything else (another library's
estimator, a Pipeline, ``fit`` parameters) is searched by scikit-learn's own ``fit``.
"""
from __future__ import annotations

import time
import warnings
from numbers import Integral

import numpy as np
from sklearn import model_selection as _sk
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.utils import _safe_indexing
from sklearn.utils._metadata_requests import _routing_enabled
from sklearn.utils._param_validation import Interval

from . import _population_search as PS

_EXTRA = {"client": "no_validation", "n_workers": [None, Interval(Integral, 1, None, closed="left")]}


class _PopulationSearch:
    """The ``fit`` shared by both searches (a mixin before the sklearn class)."""

    def fit(self, X, y=None, **params):
        """Run the search; ``params`` may hold ``groups`` for group-aware splitters and
        ``sample_weight`` (one weight per row of ``X``: as in scikit-learn's search, each fold's
        ``fit`` and the refit get their rows' weights, and so do the scorers where this
        scikit-learn passes them on).

        fastnn networks train as populations (see the module docstring); other estimators, any
        other ``fit`` parameter, and metadata routing (``sklearn.set_config(
        enable_metadata_routing=True)``) go to scikit-learn's own search.
        """
        groups = params.pop("groups", None)
        sample_weight = params.pop("sample_weight", None)
        if params or not PS.searches_as_population(self.estimator) or _routing_enabled():
            for name, value in (("groups", groups), ("sample_weight", sample_weight)):
                if value is not None:
                    params[name] = value
            return super().fit(X, y, **params)
        self._validate_params()
        scorers, refit_metric = self._scorers()
        cv = _sk.check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        self.n_splits_ = len(splits)
        candidates = list(self._candidates())
        if not candidates or not splits:
            raise ValueError("No fits were performed. Was the CV iterator empty? Were there no "
                             "candidates?")
        if self.verbose > 0:
            print(f"Fitting {len(splits)} folds for each of {len(candidates)} candidates, "
                  f"totalling {len(splits) * len(candidates)} fits (as populations)")
        fits = PS.fit_all(self.estimator, candidates, splits, X, y, sample_weight, self.client,
                          self.n_workers)
        score_weight = self._score_weights(sample_weight)
        out = [self._score(fit, scorers, X, y, train, test, score_weight) for row in fits
               for fit, (train, test) in zip(row, splits)]
        self._warn_failures(out)
        results = self._format_results(candidates, len(splits), out)
        self._finish(results, candidates, refit_metric, X, y, sample_weight)
        return self

    def _scorers(self):
        scorers = check_scoring(self.estimator, self.scoring)
        self.multimetric_ = isinstance(self.scoring, (list, tuple, set, dict))
        if self.multimetric_:
            self._check_refit_for_multimetric(list(self.scoring))
            refit_metric = self.refit
        else:
            refit_metric = "score"
        self.scorer_ = scorers
        return scorers, refit_metric

    def _score_weights(self, sample_weight):
        """The weights scikit-learn's search gives its scorers: ``sample_weight`` where it
        forwards them (versions with ``_check_scorers_accept_sample_weight``, scorers that take
        them), else None."""
        accepts = getattr(self, "_check_scorers_accept_sample_weight", None)
        if sample_weight is None or accepts is None or not accepts():
            return None
        return sample_weight

    def _score(self, fit, scorers, X, y, train, test, sample_weight=None):
        """One entry of sklearn's ``_fit_and_score`` output for a trained :class:`PS.Fit`
        (``sample_weight``: the scorers' weights over every row of ``X``, or None)."""
        entry = {"fit_time": fit.fit_time, "fit_error": None, "n_test_samples": len(test)}
        start = time.perf_counter()
        if fit.error is not None:
            if self.error_score == "raise":
                raise fit.error
            entry["fit_error"] = f"{type(fit.error).__name__}: {fit.error}"
            score = self._error_scores(scorers)
            entry["test_scores"], entry["train_scores"] = score, score
        else:
            entry["test_scores"] = self._scored(scorers, fit.estimator, X, y, test, sample_weight)
            if self.return_train_score:
                entry["train_scores"] = self._scored(scorers, fit.estimator, X, y, train,
                                                     sample_weight)
        entry["score_time"] = time.perf_counter() - start
        return entry

    @staticmethod
    def _scored(scorers, estimator, X, y, rows, sample_weight):
        kwargs = {} if sample_weight is None else \
            {"sample_weight": _safe_indexing(sample_weight, rows)}
        return scorers(estimator, _safe_indexing(X, rows), _safe_indexing(y, rows), **kwargs)

    def _error_scores(self, scorers):
        if self.multimetric_:
            return {name: self.error_score for name in self.scoring}
        return self.error_score

    def _warn_failures(self, out):
        failed = [e["fit_error"] for e in out if e["fit_error"] is not None]
        if failed:
            warnings.warn(f"\n{len(failed)} fits failed out of a total of {len(out)}.\nThe score "
                          f"on these train-test partitions for these parameters will be set to "
                          f"{self.error_score}.\nThe first failure: {failed[0]}",
                          FitFailedWarning, stacklevel=3)

    def _finish(self, results, candidates, refit_metric, X, y, sample_weight=None):
        """sklearn's fitted attributes from ``results``, then the refit."""
        if self.refit or not self.multimetric_:
            self.best_index_ = self._select_best_index(self.refit, refit_metric, results)
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self.best_estimator_ = clone(clone(self.estimator).set_params(**self.best_params_))
            start = time.perf_counter()
            self.best_estimator_.fit(X, y, sample_weight=sample_weight)
            self.refit_time_ = time.perf_counter() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        self.cv_results_ = results


class GridSearchCV(_PopulationSearch, _sk.GridSearchCV):
    """scikit-learn's ``GridSearchCV``, training fastnn's networks as populations.

    Parameters
    ----------
    estimator, param_grid, scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score,
    return_train_score
        As in :class:`sklearn.model_selection.GridSearchCV` (``n_jobs`` and ``pre_dispatch``
        apply when scikit-learn's own search runs: for estimators that are not fastnn networks).
    client : dask.distributed.Client or str, optional
        Train the populations' chunks on this Dask cluster (see :func:`fastnn.train_many`).
    n_workers : int, optional
        Without ``client``: a local Dask cluster of this many worker processes.

    Attributes
    ----------
    cv_results_, best_estimator_, best_score_, best_params_, best_index_, scorer_, n_splits_,
    refit_time_, multimetric_
        As in scikit-learn.
    """

    _parameter_constraints = {**_sk.GridSearchCV._parameter_constraints, **_EXTRA}

    def __init__(self, estimator, param_grid, *, scoring=None, n_jobs=None, refit=True, cv=None,
                 verbose=0, pre_dispatch="2*n_jobs", error_score=np.nan,
                 return_train_score=False, client=None, n_workers=None):
        super().__init__(estimator, param_grid, scoring=scoring, n_jobs=n_jobs, refit=refit,
                         cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
                         error_score=error_score, return_train_score=return_train_score)
        self.client = client
        self.n_workers = n_workers

    def _candidates(self):
        return _sk.ParameterGrid(self.param_grid)


class RandomizedSearchCV(_PopulationSearch, _sk.RandomizedSearchCV):
    """scikit-learn's ``RandomizedSearchCV``, training fastnn's networks as populations.

    Parameters are those of :class:`sklearn.model_selection.RandomizedSearchCV` plus ``client``
    and ``n_workers`` (see :class:`GridSearchCV`); the same ``random_state`` draws the same
    candidates as scikit-learn's.
    """

    _parameter_constraints = {**_sk.RandomizedSearchCV._parameter_constraints, **_EXTRA}

    def __init__(self, estimator, param_distributions, *, n_iter=10, scoring=None, n_jobs=None,
                 refit=True, cv=None, verbose=0, pre_dispatch="2*n_jobs", random_state=None,
                 error_score=np.nan, return_train_score=False, client=None, n_workers=None):
        super().__init__(estimator, param_distributions, n_iter=n_iter, scoring=scoring,
                         n_jobs=n_jobs, refit=refit, cv=cv, verbose=verbose,
                         pre_dispatch=pre_dispatch, random_state=random_state,
                         error_score=error_score, return_train_score=return_train_score)
        self.client = client
        self.n_workers = n_workers

    def _candidates(self):
        return _sk.ParameterSampler(self.param_distributions, self.n_iter,
                                    random_state=self.random_state)
