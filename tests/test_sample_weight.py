"""Sample weights in every back end's kernels: the reference against its own definition (integer
weights are repeated rows, a finite-difference gradient), every compiled back end against the
reference, scikit-learn's per-weight penalty, untrained biases, and the checks of the model layer."""
import dataclasses

import numpy as np
import pytest

import fastnn
from fastnn import _spec as S
from fastnn.backends import _numba_kernels as K
from fastnn.backends import get_backend, numba_cpu, numpy_ref

ADAM = np.array([S.ADAM, 0.05, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.001, 0])
SGD = np.array([S.SGD, 0.1, 0, 0, 0, 0, 1.0, 0, 0, 0])


def _problem(rng, loss=S.SOFTMAX_CE, per_weight=False, train_bias=(1.0, 1.0), drop=(0.0, 0.0),
             n=40, dtype=np.float64):
    spec = S.make_spec([6, 5, 3], [S.TANH, S.IDENTITY], l1=[0.01, 0], l2=[0.02, 0.03],
                       drop=list(drop), loss=loss)
    spec = dataclasses.replace(spec, penalty_per_weight=per_weight,
                               train_bias=np.array(train_bias, np.float64))
    params = (rng.normal(size=spec.n_params) * 0.5).astype(dtype)
    X = rng.normal(size=(n, 6)).astype(dtype)
    if loss == S.SOFTMAX_CE:
        Y = np.eye(3)[rng.integers(0, 3, n)]
    elif loss == S.MSE:
        Y = rng.normal(size=(n, 3))
    else:
        Y = (rng.random((n, 3)) < 0.5).astype(float)
    return spec, params, X, Y.astype(dtype)


@pytest.mark.parametrize("per_weight", [False, True])
@pytest.mark.parametrize("loss", [S.MSE, S.BCE, S.SOFTMAX_CE])
def test_integer_weights_are_repeated_rows(loss, per_weight, rng):
    """A weight of k counts a row k times (0: not at all), in the loss, the gradient and the
    per-weight penalty (whose weight sum is the repeated set's row count)."""
    spec, params, X, Y = _problem(rng, loss, per_weight)
    weights = rng.integers(0, 4, len(X)).astype(float)
    repeat = np.repeat(np.arange(len(X)), weights.astype(int))
    g_w, g_r = np.empty_like(params), np.empty_like(params)
    loss_w = numpy_ref.loss_and_grad(spec, params, X, Y, g_w, weights)
    loss_r = numpy_ref.loss_and_grad(spec, params, X[repeat], Y[repeat], g_r)
    assert loss_w == pytest.approx(loss_r, rel=1e-12)
    np.testing.assert_allclose(g_w, g_r, rtol=1e-10, atol=1e-14)
    assert numpy_ref.evaluate(spec, params, X, Y, weights)[0] == pytest.approx(
        numpy_ref.evaluate(spec, params, X[repeat], Y[repeat])[0], rel=1e-12)


def test_weighted_gradient_is_the_derivative_of_the_weighted_loss(rng):
    spec, params, X, Y = _problem(rng, S.SOFTMAX_CE, per_weight=True)
    weights = rng.random(len(X)) * 3
    grad = np.empty_like(params)
    numpy_ref.loss_and_grad(spec, params, X, Y, grad, weights)
    h, scratch = 1e-6, np.empty_like(params)
    for k in rng.choice(spec.n_params, 12, replace=False):
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        numeric = (numpy_ref.loss_and_grad(spec, up, X, Y, scratch, weights)
                   - numpy_ref.loss_and_grad(spec, down, X, Y, scratch, weights)) / (2 * h)
        assert grad[k] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_per_weight_penalty_is_divided_by_each_batch_weight_sum(rng):
    """scikit-learn's rule: batch loss = (sum w l + P(W)) / sum w, a short last batch included."""
    spec, params, X, Y = _problem(rng, S.MSE, per_weight=True)
    plain = dataclasses.replace(spec, penalty_per_weight=False)
    weights = rng.random(len(X)) + 0.5
    rows = np.arange(34, 40)                   # the short last batch of 34 + 6
    penalty = numpy_ref.penalty(spec, params)
    with_rule = numpy_ref.loss_and_grad(spec, params, X[rows], Y[rows], np.empty_like(params),
                                        weights[rows])
    without = numpy_ref.loss_and_grad(plain, params, X[rows], Y[rows], np.empty_like(params),
                                      weights[rows])
    assert with_rule - without == pytest.approx(penalty / weights[rows].sum() - penalty, rel=1e-12)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("per_weight", [False, True])
def test_weighted_epochs_match_the_reference(backend, per_weight, dtype, tol, rng):
    spec, params, X, Y = _problem(rng, S.BCE, per_weight, train_bias=(0.0, 1.0), drop=(0.2, 0.1),
                                  dtype=dtype)
    weights = rng.random(len(X)) * 2
    weights[:5] = 0                            # a first batch of weight 0 moves nothing
    orders = [np.arange(40), rng.permutation(40)]
    runs = []
    for module in (numpy_ref, get_backend(backend)):
        p, state = params.copy(), np.zeros((2, spec.n_params), dtype)
        losses = [module.train_epoch(spec, p, state, X, Y, order, 5, ADAM, 8 * e, 3, weights)
                  for e, order in enumerate(orders)]
        runs.append((np.array(losses), p, state))
    for ref, got in zip(*runs):
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("loss", [S.MSE, S.BCE, S.SOFTMAX_CE, S.HINGE])
def test_weighted_loss_gradient_and_evaluate_match_the_reference(backend, loss, rng):
    spec, params, X, Y = _problem(rng, loss, per_weight=True)
    if loss == S.HINGE:
        Y = 2 * Y - 1
    weights = rng.random(len(X)) * 2
    grads = [np.empty_like(params), np.empty_like(params)]
    modules = (numpy_ref, get_backend(backend))
    losses = [m.loss_and_grad(spec, params, X, Y, g, weights) for m, g in zip(modules, grads)]
    assert losses[1] == pytest.approx(losses[0], rel=1e-12)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-13)
    assert modules[1].evaluate(spec, params, X, Y, weights) == pytest.approx(
        modules[0].evaluate(spec, params, X, Y, weights), rel=1e-12)


def test_a_zero_weight_batch_and_an_untrained_bias_stay_put(any_backend, rng):
    spec, params, X, Y = _problem(rng, S.MSE, train_bias=(0.0, 1.0))
    spec = dataclasses.replace(spec, l1=np.zeros(2), l2=np.zeros(2))
    p = params.copy()
    get_backend(any_backend).train_epoch(spec, p, np.zeros((2, spec.n_params)), X, Y,
                                         np.arange(40), 40, SGD, 0, 0, np.zeros(40))
    np.testing.assert_array_equal(p, params)   # all weights 0: plain SGD does nothing
    weights = np.ones(40)
    get_backend(any_backend).train_epoch(spec, p, np.zeros((2, spec.n_params)), X, Y,
                                         np.arange(40), 8, SGD, 0, 0, weights)
    first_bias = slice(spec.b_off[0], spec.b_off[0] + 5)
    np.testing.assert_array_equal(p[first_bias], params[first_bias])
    assert not np.allclose(p, params)


def test_a_weighted_kernel_run_without_weights_is_bitwise_the_unweighted_one(rng, monkeypatch):
    """Inference reuses whichever kernel training built; a kernel compiled for weights must give
    unweighted calls exactly what the kernel without weight code gives."""
    spec, params, X, Y = _problem(rng, S.SOFTMAX_CE, per_weight=True)
    key = K.specialisation(spec)
    results = []
    for weighted in (False, True):
        monkeypatch.setitem(K._built, key, (K.SGD, False, weighted))
        grad = np.empty_like(params)
        results.append((numba_cpu.loss_and_grad(spec, params, X, Y, grad), grad,
                        numba_cpu.evaluate(spec, params, X, Y)))
    assert results[0][0] == results[1][0] and results[0][2] == results[1][2]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def _net():
    net = fastnn.Sequential([fastnn.Dense(4, activation="tanh", l2=0.01), fastnn.Dense(1)],
                            input_dim=3)
    net.compile("mse", fastnn.optim.SGD(lr=0.05), dtype="float64", seed=0)
    return net


def test_sequential_fit_and_evaluate_weigh_the_samples(rng):
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    weights = rng.integers(0, 3, 30).astype(float)
    repeat = np.repeat(np.arange(30), weights.astype(int))
    a, b = _net(), _net()
    a.fit(X, y, epochs=5, batch_size=None, shuffle=False, sample_weight=weights)
    b.fit(X[repeat], y[repeat], epochs=5, batch_size=None, shuffle=False)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)
    assert a.evaluate(X, y, sample_weight=weights)["loss"] == pytest.approx(
        a.evaluate(X[repeat], y[repeat])["loss"], rel=1e-12)


@pytest.mark.parametrize("weights, error, match", [
    (-np.ones(10), ValueError, r"sample_weight must be non-negative, got -1 at index 0"),
    (np.r_[np.ones(9), np.nan], ValueError, r"sample_weight contains NaN or infinite values \(first at index 9"),
    (np.ones(9), ValueError, r"sample_weight has 9 weights but X has 10 samples"),
    (np.zeros(10), ValueError, r"sample_weight is all zeros"),
    (np.ones((10, 1)), ValueError, r"sample_weight must be 1-D \(one weight per sample\), got shape \(10, 1\)"),
    (np.array(["a"] * 10), TypeError, r"sample_weight must hold real numbers, got dtype <U1"),
])
def test_bad_sample_weight_names_itself(weights, error, match, rng):
    with pytest.raises(error, match=match):
        _net().fit(rng.normal(size=(10, 3)), rng.normal(size=10), sample_weight=weights)
