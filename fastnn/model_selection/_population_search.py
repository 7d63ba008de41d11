"""Every candidate x fold of a search as a member of a population.

Each (candidate, fold) is the search's estimator with the candidate's parameters, prepared by its
own ``_fit_plan`` on the fold's training rows (validation, target encoding, sample and class
weights, early-stopping split, network and seeds exactly as its ``fit`` would), so a member
trains exactly what ``fit`` trains; its ``Monitor`` callback keeps sklearn's stopping rule per
member.  Members whose targets are encoded alike train together
(:func:`fastnn.population.train_members` then groups them by architecture, optimizer kind, batch
size...), on the search's rows of one shared ``X``, each with its rows' sample weights.

Candidates with ``solver="lbfgs"`` (a full-batch quasi-Newton method: nothing to step side by
side) and warm-started ones are trained one by one with their own ``fit``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_array

from .. import _members as M
from ..estimators import _params as P
from ..estimators._base import GradientEstimator
from ..estimators._linear import LinearRegression
from ..population import train_members


@dataclass
class Fit:
    """One candidate on one fold: the estimator, trained, and how long its share took."""

    estimator: object
    error: Exception | None = None
    fit_time: float = 0.0


def searches_as_population(estimator) -> bool:
    """Whether a search of ``estimator`` trains its candidates as populations: a fastnn network
    trained by gradient steps (the MLPs and the logistic/softmax models; not
    LinearRegression's normal equation).  Each candidate is then checked by
    :func:`trains_as_member`."""
    return isinstance(estimator, GradientEstimator) and not isinstance(estimator, LinearRegression)


def trains_as_member(estimator) -> bool:
    """Whether this candidate's ``fit`` is ``Sequential.fit`` on a fresh network: a stochastic
    solver (not ``"lbfgs"``), not warm-started."""
    return (searches_as_population(estimator) and estimator.solver in P.OPTIMIZERS
            and not estimator.warm_start)


def fit_all(base, candidates, splits, X, y, sample_weight=None, client=None, n_workers=None):
    """Train every candidate on every fold (``sample_weight``: one weight per row of ``X``, or
    None); returns ``fits[candidate][split]`` (:class:`Fit`)."""
    fits = [[None] * len(splits) for _ in candidates]
    jobs = []
    for ci, params in enumerate(candidates):
        for si, (train, _) in enumerate(splits):
            estimator = clone(base).set_params(**clone(params, safe=False))
            if trains_as_member(estimator):
                jobs.append((ci, si, estimator, train))
            else:
                start = time.perf_counter()
                fits[ci][si] = _alone(estimator, X, y, sample_weight, train, start)
    if jobs:
        X_all = check_array(X, dtype=(np.float64, np.float32))
        for (ci, si, _, _), fit in zip(jobs, _as_population(jobs, X, y, sample_weight, X_all,
                                                             client, n_workers)):
            fits[ci][si] = fit
    return fits


def _weights_of(sample_weight, rows):
    return None if sample_weight is None else _safe_indexing(sample_weight, rows)


def _alone(estimator, X, y, sample_weight, train, start):
    try:
        estimator.fit(_safe_indexing(X, train), _safe_indexing(y, train),
                      sample_weight=_weights_of(sample_weight, train))
        return Fit(estimator, None, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - sklearn's error_score handles any failure
        return Fit(estimator, exc, time.perf_counter() - start)


def _as_population(jobs, X, y, sample_weight, X_all, client, n_workers):
    """Plans of every job, trained as populations grouped by their targets' encoding."""
    start = time.perf_counter()
    out = [None] * len(jobs)
    by_targets: dict = {}
    for j, (_, _, estimator, train) in enumerate(jobs):
        try:
            plan = estimator._fit_plan(_safe_indexing(X, train), _safe_indexing(y, train),
                                       _weights_of(sample_weight, train))
        except Exception as exc:  # noqa: BLE001
            out[j] = Fit(estimator, exc)
            continue
        rows = train if plan.rows is None else train[plan.rows]
        key = (estimator.model_.loss, plan.Y.shape[1:], tuple(getattr(estimator, "classes_", ())))
        by_targets.setdefault(key, []).append((j, plan, np.asarray(rows, np.int64)))
    for group in by_targets.values():
        first = group[0][1]
        Y_all = np.zeros((X_all.shape[0],) + first.Y.shape[1:], first.Y.dtype)
        members = []
        for j, plan, rows in group:
            Y_all[rows] = plan.Y
            estimator = jobs[j][2]
            args = plan.fit_args
            ci, si = jobs[j][:2]
            members.append(M.Member(j, estimator.model_, M.spec_of(estimator.model_), rows,
                                    args["seed"], args["epochs"], args["batch_size"],
                                    [plan.monitor], args["shuffle"],
                                    f"candidate {ci} on split {si}", plan.weights))
        pop = _train(members, X_all, Y_all, client, n_workers)
        for (j, plan, _), member_error, (monitor,) in zip(group, pop.errors, pop.callbacks):
            plan.monitor = monitor              # on Dask, the copy that ran on a worker
            estimator = monitor.estimator
            out[j] = Fit(estimator, member_error)
            if member_error is None:
                estimator._fit_finish(plan)
    share = (time.perf_counter() - start) / len(jobs)
    for fit in out:
        fit.fit_time = fit.fit_time or share
    return out


def _train(members, X, Y, client, n_workers):
    if client is None and n_workers is None:
        return train_members(members, X, Y, configs=[{}] * len(members), warn=False)
    from .. import _scaleout
    return _scaleout.train_members(members, X, Y, client, n_workers)
