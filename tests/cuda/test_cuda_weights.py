"""Sample weights, sparse inputs, untrained biases and scikit-learn's per-weight penalty on the
CUDA back end, against the NumPy reference, over every path through a network (``path``)."""
import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from fastnn import _spec as S
from fastnn.backends import numba_cuda, numpy_ref

OPT = np.array([S.ADAM, 0.05, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0, 0], np.float64)   # no weight decay


def _problem(rows=12, drop=(0.0, 0.0, 0.0), seed=0):
    """A 5 -> 4 -> 3 -> 3 softmax network with L1/L2, the first bias untrained, scikit-learn's
    penalty rule; mostly-zero inputs; weights in [0, 2) with one zero."""
    rng = np.random.default_rng(seed)
    spec = S.make_spec([5, 4, 3, 3], [S.TANH, S.RELU, S.IDENTITY], l1=[0.01, 0, 0],
                       l2=[0.02, 0.03, 0], drop=list(drop), loss=S.SOFTMAX_CE)
    spec = dataclasses.replace(spec, train_bias=np.array([0.0, 1.0, 1.0]), penalty_per_weight=True)
    params = rng.normal(scale=0.8, size=spec.n_params)
    X = rng.normal(size=(rows, 5)) * (rng.random((rows, 5)) < 0.4)
    Y = np.eye(3)[rng.integers(0, 3, rows)]
    weights = rng.random(rows) * 2
    weights[3] = 0
    return spec, params, X, Y, weights


@pytest.mark.parametrize("sparse", [False, True])
def test_weighted_epochs_match_the_reference_on_every_path(path, sparse):
    spec, params, X, Y, weights = _problem(drop=(0.2, 0.0, 0.1))
    Xin = sp.csr_matrix(X) if sparse else X
    runs = []
    for module in (numpy_ref, numba_cuda):
        p, state = params.copy(), np.zeros((2, spec.n_params))
        losses = [module.train_epoch(spec, p, state, Xin, Y, order, 5, OPT, 3 * e, 7, weights)
                  for e, order in enumerate([np.arange(12), np.arange(12)[::-1].copy()])]
        runs.append((np.array(losses), p, state))
    for ref, got in zip(*runs):
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    first_bias = slice(spec.b_off[0], spec.b_off[0] + 4)
    np.testing.assert_array_equal(runs[1][1][first_bias], params[first_bias])


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_gradient_evaluate_and_sparse_outputs_match_the_reference(weighted):
    spec, params, X, Y, weights = _problem()
    w = weights if weighted else None
    grads = [np.empty_like(params), np.empty_like(params)]
    losses = [m.loss_and_grad(spec, params, sp.csr_matrix(X), Y, g, w)
              for m, g in zip((numpy_ref, numba_cuda), grads)]
    assert losses[1] == pytest.approx(losses[0], rel=1e-12)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-13)
    assert numba_cuda.evaluate(spec, params, X, Y, w) == pytest.approx(
        numpy_ref.evaluate(spec, params, X, Y, w), rel=1e-12)
    outs = [m.forward(spec, params, sp.csr_matrix(X), np.empty((12, 3))) for m in (numpy_ref, numba_cuda)]
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)
