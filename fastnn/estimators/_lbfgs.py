"""``solver="lbfgs"``: SciPy's L-BFGS-B over the network's flat parameter buffer.

The objective is the back end's fused ``loss_and_grad`` (one compiled call per evaluation: the
mean loss, weighted by the sample weights, plus the penalty, and the whole gradient), exactly the
function scikit-learn's MLPs and linear models minimise with the same solver.  ``max_iter``,
``max_fun`` and ``tol`` are L-BFGS-B's ``maxiter``, ``maxfun`` and ``gtol``, as in scikit-learn,
and stopping on either limit warns with a ``ConvergenceWarning`` carrying SciPy's message.
Parameters that are not trained (the zero biases of ``fit_intercept=False``) are left out of the
optimisation.
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.optimize

from .. import _threads, backends
from .. import _validation as V
from ._compat import ConvergenceWarning


def trained(spec) -> np.ndarray:
    """Indices of the parameters L-BFGS-B moves: all but the biases whose layers do not train
    them (``spec.train_bias``)."""
    keep = np.ones(spec.n_params, bool)
    for layer in range(spec.n_layers):
        if not spec.train_bias[layer]:
            keep[int(spec.b_off[layer]):int(spec.b_off[layer]) + int(spec.sizes[layer + 1])] = False
    return np.flatnonzero(keep)


def minimize(est, X, Y, weights):
    """Train ``est.model_`` on ``(X, Y)`` with L-BFGS-B from its current weights; returns
    ``(final loss, iterations)`` (scikit-learn's ``loss_`` and ``n_iter_``)."""
    model = est.model_
    spec = model._spec()
    X = V.check_X(X, spec.n_in, model.dtype)
    Y = V.check_targets(Y, spec.loss, spec.n_out, X.shape[0], model.dtype)
    kernels = backends.get_backend(model.backend)
    params = model.params            # trained in place: the model's own buffer
    grad = np.empty_like(params)
    free = trained(spec)

    def objective(x):
        params[free] = x
        loss = kernels.loss_and_grad(spec, params, X, Y, grad, weights)
        return loss, grad[free].astype(np.float64)

    options = {"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol,
               **est._lbfgs_options}
    with _threads.limited(_threads.threads_for(spec, X.shape[0])), \
            np.errstate(over="ignore", invalid="ignore"):
        result = scipy.optimize.minimize(objective, params[free].astype(np.float64),
                                         method="L-BFGS-B", jac=True, options=options)
    params[free] = result.x
    n_iter = min(int(result.nit), est.max_iter)
    if result.status != 0:
        advice = (f"\nIncrease the number of iterations (max_iter={est.max_iter})"
                  if n_iter == est.max_iter else
                  f"\nIncrease max_fun (now {est.max_fun})" if result.nfev >= est.max_fun else "")
        warnings.warn(f"lbfgs failed to converge after {n_iter} iteration(s) (status="
                      f"{result.status}):\n{result.message}\n{advice}\nYou might also want to "
                      f"scale the data (e.g. sklearn.preprocessing.StandardScaler).",
                      ConvergenceWarning, stacklevel=4)
    return float(result.fun), n_iter

