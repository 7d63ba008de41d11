"""The CUDA back end against the NumPy reference, in the simulator (or on a GPU), on small shapes.

Same checks as the CPU back ends get in tests/test_backends.py, test_gradients.py and
test_optimizers.py: gradients of every activation x loss, one epoch of every optimizer with
dropout, PReLU and L1/L2, the device-resident Engine through ``fit``, and inference; over every
path through a network (the ``path`` fixture: one-block epochs, per-batch fused kernels, tiled
products, cuBLAS products, and tiled and cuBLAS layers mixed).
"""
import inspect

import numpy as np
import pytest

import fastnn
from fastnn import _spec as S
from fastnn import activations as acts
from fastnn.backends import numba_cuda, numpy_ref

ACTIVATIONS = [a.code for a in acts.BY_CODE]        # every registered one, new ones included
LOSSES = [S.MSE, S.BCE, S.SOFTMAX_CE, S.HINGE]
ALPHA = {a.code: {"leaky_relu": 0.1, "elu": 0.7}.get(a.name, a.alpha or 0.0) for a in acts.BY_CODE}


def _problem(hidden_act, loss, out_act=S.IDENTITY, dtype=np.float64, rows=10, seed=0, **kw):
    """A 3 -> 5 -> 4 -> 3 network (PReLU slopes spread around 0.25) and matching targets."""
    rng = np.random.default_rng(seed)
    act = [hidden_act, hidden_act, out_act]
    spec = S.make_spec([3, 5, 4, 3], act, act_alpha=[ALPHA.get(a, 0.0) for a in act], loss=loss, **kw)
    params = rng.normal(scale=0.8, size=spec.n_params)
    for layer in range(spec.n_layers):
        if spec.p_off[layer] >= 0:
            p0 = spec.p_off[layer]
            params[p0:p0 + spec.sizes[layer + 1]] = rng.uniform(0.05, 0.5, spec.sizes[layer + 1])
    X = rng.normal(size=(rows, 3))
    labels = rng.integers(0, 3, rows)
    if loss == S.SOFTMAX_CE:
        Y = np.eye(3)[labels]
    elif loss == S.BCE:
        Y = (rng.random((rows, 3)) > 0.5).astype(float)
    elif loss == S.HINGE:
        Y = np.where(rng.random((rows, 3)) > 0.5, 1.0, -1.0)
    else:
        Y = rng.normal(size=(rows, 3))
    return spec, params.astype(dtype), X.astype(dtype), Y.astype(dtype)


def test_available_in_the_simulator():
    assert fastnn.backends.status()["cuda"] == (True, "")
    assert "cuda" in fastnn.backends.available()


def test_same_contract_as_the_reference():
    for function in fastnn.backends.CONTRACT:
        assert (inspect.signature(getattr(numba_cuda, function)).parameters.keys()
                == inspect.signature(getattr(numpy_ref, function)).parameters.keys())


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_loss_and_grad_matches_reference(act, loss):
    spec, params, X, Y = _problem(act, loss, l1=[0.01, 0, 0], l2=[0, 0.02, 0])
    expected, got = np.zeros_like(params), np.full_like(params, np.nan)
    value = numba_cuda.loss_and_grad(spec, params, X, Y, got)
    assert value == pytest.approx(numpy_ref.loss_and_grad(spec, params, X, Y, expected), rel=1e-12)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("out_act", [S.SIGMOID, S.ELU, S.PRELU])
def test_output_activation_with_mse(path, out_act):
    spec, params, X, Y = _problem(S.TANH, S.MSE, out_act=out_act)
    expected, got = np.zeros_like(params), np.zeros_like(params)
    value = numba_cuda.loss_and_grad(spec, params, X, Y, got)
    assert value == pytest.approx(numpy_ref.loss_and_grad(spec, params, X, Y, expected), rel=1e-12)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_forward_matches_reference(path):
    spec, params, X, _ = _problem(S.PRELU, S.SOFTMAX_CE, rows=13)
    expected, got = np.empty((13, 3)), np.empty((13, 3))
    numpy_ref.forward(spec, params, X, expected)
    numba_cuda.forward(spec, params, X, got)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("loss", LOSSES)
def test_evaluate_and_layer_outputs_match_reference(path, loss):
    spec, params, X, Y = _problem(S.ELU, loss, rows=11, l2=[0, 0.02, 0])
    np.testing.assert_allclose(numba_cuda.evaluate(spec, params, X, Y),
                               numpy_ref.evaluate(spec, params, X, Y), rtol=1e-10)
    for got, ref in zip(numba_cuda.layer_outputs(spec, params, X),
                        numpy_ref.layer_outputs(spec, params, X), strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


OPTIMIZERS = {
    "sgd_nesterov": {S.OPT_CODE: S.SGD, S.OPT_LR: 0.05, S.OPT_MOMENTUM: 0.9, S.OPT_NESTEROV: 1},
    "adagrad": {S.OPT_CODE: S.ADAGRAD, S.OPT_LR: 0.1, S.OPT_EPS: 1e-10, S.OPT_LR_DECAY: 0.01},
    "rmsprop": {S.OPT_CODE: S.RMSPROP, S.OPT_LR: 0.01, S.OPT_ALPHA: 0.99, S.OPT_EPS: 1e-8,
                S.OPT_MOMENTUM: 0.5},
    "adam": {S.OPT_CODE: S.ADAM, S.OPT_LR: 0.01, S.OPT_BETA1: 0.9, S.OPT_BETA2: 0.999,
             S.OPT_EPS: 1e-8},
}


def _opt(settings, weight_decay=0.01):
    opt = np.zeros(S.OPT_SIZE)
    for slot, value in settings.items():
        opt[slot] = value
    opt[S.OPT_WEIGHT_DECAY] = weight_decay
    return opt


def _epoch_both(spec, params, X, Y, opt, batch_size=4, step=5, seed=2024):
    """One epoch by the reference and by the CUDA back end from the same start; both results."""
    order = np.random.default_rng(7).permutation(X.shape[0])
    runs = []
    for module in (numpy_ref, numba_cuda):
        p, state = params.copy(), np.zeros((2, spec.n_params), params.dtype)
        loss, accuracy = module.train_epoch(spec, p, state, X, Y, order, batch_size, opt, step, seed)
        runs.append((loss, accuracy, p, state))
    return runs


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_train_epoch_matches_reference(name):
    spec, params, X, Y = _problem(S.PRELU, S.SOFTMAX_CE, l1=[0.01, 0, 0], l2=[0, 0.02, 0],
                                  drop=[0.2, 0.3, 0.1])
    (loss0, acc0, p0, s0), (loss1, acc1, p1, s1) = _epoch_both(spec, params, X, Y,
                                                               _opt(OPTIMIZERS[name]))
    assert (loss1, acc1) == pytest.approx((loss0, acc0), rel=1e-12)
    np.testing.assert_allclose(p1, p0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s1, s0, rtol=1e-10, atol=1e-12)


def test_train_epoch_on_every_path_matches_reference(path):
    spec, params, X, Y = _problem(S.ELU, S.BCE, l1=[0, 0.01, 0], l2=[0.02, 0, 0.01],
                                  drop=[0.25, 0, 0.3])
    (loss0, acc0, p0, s0), (loss1, acc1, p1, s1) = _epoch_both(
        spec, params, X, Y, _opt(OPTIMIZERS["adam"]), batch_size=6)
    assert (loss1, acc1) == pytest.approx((loss0, acc0), rel=1e-12)
    np.testing.assert_allclose(p1, p0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s1, s0, rtol=1e-10, atol=1e-12)


def test_float32_epoch_close_to_reference():
    spec, params, X, Y = _problem(S.RELU, S.HINGE, dtype=np.float32, drop=[0, 0.5, 0])
    (loss0, acc0, p0, _), (loss1, acc1, p1, _) = _epoch_both(spec, params, X, Y,
                                                             _opt(OPTIMIZERS["sgd_nesterov"]))
    assert p1.dtype == np.float32
    assert loss1 == pytest.approx(loss0, rel=1e-5)
    assert acc1 == pytest.approx(acc0)
    np.testing.assert_allclose(p1, p0, rtol=1e-4, atol=1e-5)


def _xor_net(backend):
    net = fastnn.Sequential([fastnn.Dense(8, "tanh"), fastnn.Dense(1)], input_dim=2)
    net.compile("binary_cross_entropy", fastnn.optim.Adam(lr=0.1), backend=backend,
                dtype="float64", seed=3)
    return net


def test_fit_on_the_device_learns_xor_like_the_reference():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([0, 1, 1, 0])
    histories = {}
    for backend in ("numpy", "cuda"):
        net = _xor_net(backend)
        histories[backend] = net.fit(X, y, epochs=40, batch_size=4, shuffle=False, seed=0)
        if backend == "cuda":
            assert net.evaluate(X, y)["accuracy"] == 1.0
            np.testing.assert_array_equal(net.predict_classes(X), y)
            weights = net.params.copy()
    reference, device = histories["numpy"].history, histories["cuda"].history
    np.testing.assert_allclose(device["loss"], reference["loss"], rtol=1e-9)
    assert device["loss"][-1] < 0.1 * device["loss"][0]
    # fit leaves the host weights current (Engine.sync) and training can continue from them
    net.fit(X, y, epochs=1, batch_size=2, shuffle=False)
    assert not np.array_equal(net.params, weights)


def test_engine_snapshot_restore_and_sync():
    spec, params, X, Y = _problem(S.TANH, S.MSE)
    state = np.zeros((2, spec.n_params))
    start = params.copy()
    engine = numba_cuda.Engine(spec, params, state, X, Y, 4)
    opt = _opt(OPTIMIZERS["adam"], weight_decay=0)
    engine.epoch(np.arange(10), opt, 0, 1)
    assert np.array_equal(params, start)              # nothing copied back per batch or epoch
    engine.restore()                                 # back to the construction-time weights
    engine.sync()
    assert np.array_equal(params, start)
    engine.epoch(np.arange(10), opt, 0, 1)
    engine.snapshot()
    engine.sync()
    after_one = params.copy()
    assert not np.array_equal(after_one, start) and engine.params_finite()
    engine.epoch(np.arange(10), opt, 3, 1)
    engine.restore()
    engine.sync()
    assert np.array_equal(params, after_one)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_divergence_is_caught_and_weights_restored():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 2)) * 1e3, rng.normal(size=8) * 1e3
    net = fastnn.Sequential([fastnn.Dense(4, "relu"), fastnn.Dense(1)], input_dim=2)
    net.compile("mse", fastnn.optim.SGD(lr=1e6), backend="cuda", dtype="float32", seed=0)
    with pytest.raises(fastnn.DivergenceError, match="Lower the learning rate"):
        net.fit(X, y, epochs=5, batch_size=4)
    assert np.isfinite(net.params).all()
