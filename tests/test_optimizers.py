"""Optimizers: one hand-worked step each (PyTorch's rules), every back end's epoch equal to the
reference's, and learning-rate schedules."""
import numpy as np
import pytest

import fastnn
from fastnn import _spec as S
from fastnn.backends import get_backend, numpy_ref
from fastnn.optim import SGD, AdaGrad, Adam, ExponentialDecay, InverseTimeDecay, RMSProp, StepDecay

# One linear unit, one sample: x = 2, y = 3, W = 0.5, b = 0.
# z = 0.5 * 2 = 1;  mse gradient dL/dz = z - y = -2;  gW = x * (-2) = -4;  gb = -2.
X1, Y1 = np.array([[2.0]]), np.array([3.0])

HAND_WORKED = [
    # SGD lr=0.1:  W = 0.5 - 0.1*(-4) = 0.9;   b = 0 - 0.1*(-2) = 0.2
    (SGD(lr=0.1), 0.9, 0.2),
    # Nesterov, first step: buf = g, update with g + 0.9*buf = 1.9 g:
    # W = 0.5 - 0.1*1.9*(-4) = 1.26;   b = 0 - 0.1*1.9*(-2) = 0.38
    (SGD(lr=0.1, momentum=0.9, nesterov=True), 1.26, 0.38),
    # AdaGrad lr=0.1: s = g^2;  W = 0.5 - 0.1*(-4)/sqrt(16) = 0.6;   b = 0 - 0.1*(-2)/sqrt(4) = 0.1
    (AdaGrad(lr=0.1), 0.6, 0.1),
    # RMSProp lr=0.01, alpha=0.99: s = 0.01*g^2;  W = 0.5 - 0.01*(-4)/sqrt(0.16) = 0.6;
    # b = 0 - 0.01*(-2)/sqrt(0.04) = 0.1
    (RMSProp(lr=0.01), 0.6, 0.1),
    # Adam lr=0.1: m = 0.1 g, v = 0.001 g^2; bias-corrected m/(1-0.9) = g, sqrt(v/(1-0.999)) = |g|:
    # W = 0.5 - 0.1 * (-4)/4 = 0.6;   b = 0 - 0.1 * (-2)/2 = 0.1
    (Adam(lr=0.1), 0.6, 0.1),
]


def _unit(optimizer, backend):
    net = fastnn.Sequential([fastnn.Dense(1)], input_dim=1)
    net.compile(loss="mse", optimizer=optimizer, backend=backend, dtype="float64")
    net.set_weights([(np.array([[0.5]]), np.array([0.0]))])
    return net


@pytest.mark.parametrize("optimizer, W, b", HAND_WORKED, ids=lambda v: repr(v)[:30])
def test_one_hand_worked_step(any_backend, optimizer, W, b):
    net = _unit(optimizer, any_backend)
    net.fit(X1, Y1, epochs=1, batch_size=1, shuffle=False)
    (W_new, b_new), = net.get_weights()
    assert W_new[0, 0] == pytest.approx(W, abs=1e-6)
    assert b_new[0] == pytest.approx(b, abs=1e-6)


def test_momentum_buffer_carries_over(any_backend):
    # Step 1 as plain SGD: W = 0.9, b = 0.2, buffers (-4, -2).
    # Step 2: z = 0.9*2 + 0.2 = 2, dL/dz = -1, g = (-2, -1);
    # buf = 0.9*(-4) - 2 = -5.6 and 0.9*(-2) - 1 = -2.8;  W = 0.9 + 0.56 = 1.46;  b = 0.2 + 0.28 = 0.48
    net = _unit(SGD(lr=0.1, momentum=0.9), any_backend)
    net.fit(np.vstack([X1, X1]), np.concatenate([Y1, Y1]), epochs=1, batch_size=1, shuffle=False)
    (W, b), = net.get_weights()
    assert (W[0, 0], b[0]) == pytest.approx((1.46, 0.48), abs=1e-9)


OPTIMIZER_CODES = {"sgd": S.SGD, "adagrad": S.ADAGRAD, "rmsprop": S.RMSPROP, "adam": S.ADAM}


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("name", sorted(OPTIMIZER_CODES))
def test_one_epoch_matches_reference(backend, name, dtype, tol, rng):
    """Kernel level: a whole epoch with PReLU, L1/L2 and dropout, on every optimizer."""
    spec = S.make_spec([3, 6, 5, 3], [S.TANH, S.PRELU, S.IDENTITY], act_alpha=[0, 0.25, 0],
                       l1=[0.01, 0, 0.02], l2=[0.03, 0.01, 0], drop=[0.2, 0.3, 0],
                       loss=S.SOFTMAX_CE)
    params = (rng.normal(size=spec.n_params) * 0.5).astype(dtype)
    X = rng.normal(size=(23, 3)).astype(dtype)
    Y = np.eye(3, dtype=dtype)[rng.integers(0, 3, 23)]
    opt = np.array([OPTIMIZER_CODES[name], 0.05, 0.9, 1, 0.9, 0.999, 1e-8, 0.99, 0.01, 0.01])
    order = rng.permutation(23)
    runs = []
    for module in (numpy_ref, get_backend(backend)):
        p, state = params.copy(), np.zeros((2, spec.n_params), dtype)
        stats = module.train_epoch(spec, p, state, X, Y, order, 5, opt, 4, 99)
        runs.append((np.array(stats), p, state))
    for ref, got in zip(runs[0], runs[1]):
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


def test_fit_with_dropout_is_repeatable_and_backend_independent(backend, rng):
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    weights = []
    for name in ("numpy", backend, backend):
        net = fastnn.Sequential([fastnn.Dense(8, activation="relu"), fastnn.Dropout(0.25),
                                 fastnn.Dense(2)], input_dim=2)
        net.compile("softmax_cross_entropy", Adam(lr=0.01), backend=name, dtype="float64", seed=3)
        net.fit(X, y, epochs=3, batch_size=8, seed=5)
        weights.append(net.get_weights())
    for other in weights[1:]:
        for (W0, b0), (W1, b1) in zip(weights[0], other):
            np.testing.assert_allclose(W1, W0, rtol=1e-10)
            np.testing.assert_allclose(b1, b0, rtol=1e-10)


@pytest.mark.parametrize("schedule, expected", [
    (StepDecay(step_size=2, gamma=0.5), [0.1, 0.1, 0.05, 0.05, 0.025]),
    (ExponentialDecay(gamma=0.5), [0.1, 0.05, 0.025, 0.0125, 0.00625]),
    (InverseTimeDecay(decay_rate=1.0), [0.1, 0.05, 0.1 / 3, 0.025, 0.02]),
])
def test_schedules_set_each_epochs_rate(schedule, expected):
    net = _unit(SGD(lr=0.1, schedule=schedule), "numpy")
    history = net.fit(X1, Y1 / 10, epochs=5, batch_size=1)
    assert history.history["lr"] == pytest.approx(expected)


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(lr=0), "learning rate lr must be a positive"),
    (lambda: SGD(lr=-1), "learning rate lr must be a positive"),
    (lambda: Adam(lr=float("nan")), "learning rate lr must be a positive"),
    (lambda: SGD(momentum=1.5), r"momentum must be in \[0, 1\)"),
    (lambda: SGD(nesterov=True), "nesterov=True needs a momentum"),
    (lambda: Adam(beta1=1.0), r"beta1 must be in \[0, 1\)"),
    (lambda: fastnn.optim.get("adamw"), "unknown optimizer 'adamw'; expected"),
    (lambda: StepDecay(step_size=0), "step_size must be a positive integer"),
])
def test_bad_hyper_parameters_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_learning_rate_change_between_fits_takes_effect():
    net = _unit(SGD(lr=0.1), "numpy")
    net.optimizer.lr = 0.2
    net.fit(X1, Y1, epochs=1, batch_size=1)
    assert net.get_weights()[0][0][0, 0] == pytest.approx(0.5 + 0.2 * 4)
    with pytest.raises(ValueError, match="learning rate lr must be a positive"):
        net.optimizer.lr = 0


@pytest.mark.parametrize("make, field, value, match", [
    (Adam, "beta1", 1.0, r"beta1 must be in \[0, 1\), got 1.0"),
    (Adam, "beta2", -0.5, r"beta2 must be a non-negative finite number, got -0.5"),
    (Adam, "eps", 0.0, "eps must be a positive finite number, got 0.0"),
    (SGD, "momentum", 1.0, r"momentum must be in \[0, 1\), got 1.0"),
    (fastnn.optim.AdaGrad, "lr_decay", float("inf"), "lr_decay must be a non-negative finite"),
    (fastnn.optim.RMSProp, "alpha", float("nan"), "alpha must be a non-negative finite"),
    (SGD, "weight_decay", -1.0, "weight_decay must be a non-negative finite number, got -1.0"),
    (SGD, "schedule", 3, "schedule must be callable"),
])
def test_hyper_parameters_changed_after_construction_are_checked(make, field, value, match):
    optimizer = make()
    with pytest.raises(ValueError, match=match):
        setattr(optimizer, field, value)
    assert optimizer.get_config() == make().get_config()      # the bad value was not kept


def test_nesterov_without_momentum_after_construction_is_refused_before_training():
    optimizer = SGD(momentum=0.9, nesterov=True)
    optimizer.momentum = 0.0
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0"):
        optimizer.pack(0)


def test_registry_names_defaults_and_descriptions():
    registry = fastnn.optim.REGISTRY
    assert list(registry) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    assert registry["adam"].defaults == {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                         "weight_decay": 0.0}
    assert registry["nesterov"].defaults["momentum"] == 0.9
    # PyTorch's learning-rate defaults (torch.optim.SGD: 1e-3, as the README promises)
    assert {name: registry[name].defaults["lr"] for name in ("sgd", "adagrad", "rmsprop", "adam")} \
        == {"sgd": 1e-3, "adagrad": 1e-2, "rmsprop": 1e-2, "adam": 1e-3}
    nesterov = fastnn.optim.get("nesterov")
    assert isinstance(nesterov, fastnn.optim.SGD) and nesterov.nesterov
    assert registry["momentum"].make(lr=0.5).lr == 0.5
    assert all(info.description and info.label for info in registry.values())
