"""Checks of the estimators' hyper-parameters (done in ``fit``, as scikit-learn does), and the
fastnn optimizer they describe.

Every error names the parameter, the value received and what is allowed.
"""
from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np

from .. import optim
from .._validation import check_bool, check_choice, check_number

LEARNING_RATES = ("constant", "invscaling", "adaptive")


LBFGS = "lbfgs"


def batch_size(value, n_samples):
    """sklearn's rule: ``"auto"`` is ``min(200, n_samples)``; larger than the data is clipped."""
    if isinstance(value, str) and value == "auto":
        return min(200, n_samples)
    check_number(value, "batch_size", low=1, integer=True)
    if value > n_samples:
        warnings.warn(f"batch_size={value} is larger than the {n_samples} samples; using "
                      f"{n_samples} (the full batch)", UserWarning, stacklevel=4)
    return min(int(value), n_samples)


def make_rng(random_state):
    """A ``numpy.random.Generator`` from sklearn's ``random_state`` conventions."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2 ** 31 - 1))
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, Integral) and not isinstance(random_state, bool) \
            and 0 <= int(random_state) < 2 ** 32:
        return np.random.default_rng(int(random_state))
    raise ValueError(f"random_state must be None, an int in [0, 2**32), a numpy RandomState or "
                     f"Generator, got {random_state!r}")


class InverseScaling:
    """sklearn's ``learning_rate="invscaling"``: the first epoch of a new optimizer (a fresh or
    warm-started ``fit``) runs at ``lr_init``, every later one at ``lr_init / (t + 1) ** power_t``
    with ``t`` the estimator's ``t_``, the samples it has seen before that epoch (so
    ``partial_fit`` calls of any size continue the decay as sklearn's do).

    Parameters
    ----------
    power_t : float
    estimator : fastnn estimator
        Whose ``t_`` counts the samples seen.
    first_epoch : int
        The network's epoch count when the optimizer was made.
    """

    def __init__(self, power_t, estimator, first_epoch):
        self.power_t, self.estimator, self.first_epoch = power_t, estimator, first_epoch

    def __call__(self, lr, epoch):
        if epoch == self.first_epoch:
            return lr
        return lr / (self.estimator.t_ + 1) ** self.power_t


def check_n_iter_no_change(value):
    """A positive integer, or ``numpy.inf`` (never stop for lack of improvement)."""
    if isinstance(value, Real) and not isinstance(value, bool) and math.isinf(value) \
            and float(value) > 0:
        return value
    return check_number(value, "n_iter_no_change (a positive integer or numpy.inf)", low=1,
                        integer=True)


def check_training(est):
    """Validate the parameters every gradient-trained estimator shares."""
    check_choice(est.solver, "solver", (LBFGS,) + tuple(OPTIMIZERS))
    check_choice(est.learning_rate, "learning_rate", LEARNING_RATES)
    check_number(est.learning_rate_init, "learning_rate_init", low=0, low_open=True)
    check_number(est.power_t, "power_t", low=0)
    check_number(est.max_iter, "max_iter", low=1, integer=True)
    check_number(est.max_fun, "max_fun", low=1, integer=True)
    check_number(est.tol, "tol", low=0)
    check_n_iter_no_change(est.n_iter_no_change)
    check_number(est.momentum, "momentum", low=0, high=1, high_open=True)
    check_number(est.beta_1, "beta_1", low=0, high=1, high_open=True)
    check_number(est.beta_2, "beta_2", low=0, high=1, high_open=True)
    check_number(est.epsilon, "epsilon", low=0, low_open=True)
    check_number(est.validation_fraction, "validation_fraction", low=0, high=1, low_open=True,
                 high_open=True)
    for name in ("shuffle", "warm_start", "early_stopping", "nesterovs_momentum"):
        check_bool(getattr(est, name), name)
    if not (isinstance(est.verbose, (bool, Integral)) and int(est.verbose) >= 0):
        raise ValueError(f"verbose must be a bool or a non-negative int, got {est.verbose!r}")
    if est.backend is not None and not isinstance(est.backend, str):
        raise ValueError(f"backend must be None or a back-end name such as 'numba', got "
                         f"{est.backend!r}")


def _sgd(est, lr, first_epoch):
    schedule = (InverseScaling(float(est.power_t), est, first_epoch)
                if est.learning_rate == "invscaling" else None)
    return optim.SGD(lr, momentum=float(est.momentum),
                     nesterov=bool(est.nesterovs_momentum) and est.momentum > 0, schedule=schedule)


# solver name -> function(estimator, learning_rate_init, first epoch) -> fastnn optimizer
OPTIMIZERS = {
    "sgd": _sgd,
    "adam": lambda est, lr, n: optim.Adam(lr, beta1=float(est.beta_1), beta2=float(est.beta_2),
                                          eps=float(est.epsilon)),
    "adagrad": lambda est, lr, n: optim.AdaGrad(lr, eps=float(est.epsilon)),
    "rmsprop": lambda est, lr, n: optim.RMSProp(lr, eps=float(est.epsilon)),
}


def make_optimizer(est, first_epoch):
    """The :mod:`fastnn.optim` optimizer for ``est.solver`` (a stochastic one), made when the
    network has trained ``first_epoch`` epochs (the start of ``invscaling``).

    ``learning_rate`` schedules apply to ``solver="sgd"`` only, as in sklearn; ``"adaptive"`` is
    applied between epochs by :class:`~fastnn.estimators._monitor.Monitor`.  For
    ``solver="lbfgs"``, which SciPy runs, the network gets plain SGD (never used to train).
    """
    if est.solver == LBFGS:
        return optim.SGD(float(est.learning_rate_init))
    return OPTIMIZERS[est.solver](est, float(est.learning_rate_init), first_epoch)
