"""Finite-difference gradient check of a model's analytic gradients."""
from __future__ import annotations

import numpy as np

from . import _validation as V
from . import backends


def gradcheck(model, X, y, eps=1e-6, backend=None, floor=1e-3):
    """Max relative error between analytic and central-difference gradients, in float64.

    The loss (mean loss + L1/L2 penalty, no dropout) is evaluated at ``p ± eps`` for every
    parameter ``p``; the analytic gradient comes from ``backend`` (default: the model's).
    Error per parameter: ``|g_a - g_n| / max(|g_a| + |g_n|, floor)``, relative for ordinary
    gradients; the absolute ``floor`` (1e-3) keeps the ~1e-10 rounding noise of the differences
    from looking large where a gradient is exactly zero (a dead ReLU).  Values below ~1e-6 mean
    the backward pass is right; kinks (ReLU at 0, |w| at 0) can give isolated spikes.
    """
    model._require_compiled()
    model._require_weights()
    spec = model._spec()
    X = V.check_X(X, model.input_dim, np.float64)
    Y = V.check_targets(y, spec.loss, spec.n_out, X.shape[0], np.float64)
    kernels = backends.get_backend(backend or model.backend)
    params = model.params.astype(np.float64)
    analytic = np.empty_like(params)
    kernels.loss_and_grad(spec, params, X, Y, analytic)
    scratch = np.empty_like(params)
    numeric = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + eps
        up = kernels.loss_and_grad(spec, params, X, Y, scratch)
        params[i] = saved - eps
        down = kernels.loss_and_grad(spec, params, X, Y, scratch)
        params[i] = saved
        numeric[i] = (up - down) / (2 * eps)
    error = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    return float(error.max())
