"""The NumPy reference passes a float64 central-difference check for every activation x loss,
and every compiled back end computes the same loss and gradient as the reference for every
activation and every loss."""
import numpy as np
import pytest

import fastnn
from fastnn import _spec as S
from fastnn import activations
from fastnn.backends import get_backend, numpy_ref

ACTIVATIONS = list(activations.REGISTRY)
LOSSES = ["mse", "binary_cross_entropy", "softmax_cross_entropy", "hinge"]
# The second hidden layer takes a partner activation: the test networks then mix activations, and
# each pair shares one compiled kernel specialisation (the Numba back end compiles one per set
# of activations), which halves the suite's compile time.
PARTNER = {a: ACTIVATIONS[min(i ^ 1, len(ACTIVATIONS) - 2 + i % 2)] for i, a in enumerate(ACTIVATIONS)}
# The compiled back ends' activation code does not depend on the loss, nor the loss code on the
# activations: every activation with mse and every loss with tanh covers every branch of both.
BACKEND_CASES = ([(a, "mse") for a in ACTIVATIONS]
                 + [("tanh", loss) for loss in LOSSES if loss != "mse"])


def _targets(loss, n, n_out, rng):
    if loss == "softmax_cross_entropy":
        return rng.integers(0, n_out, n)
    if loss in ("binary_cross_entropy", "hinge"):
        return rng.integers(0, 2, (n, n_out))
    return rng.normal(size=(n, n_out))


def _net(activation, loss, backend="numpy"):
    net = fastnn.Sequential([
        fastnn.Dense(5, activation=activation, l1=0.01, l2=0.02, alpha=0.3),
        fastnn.Dense(4, activation=PARTNER[activation], l2=0.05),
        fastnn.Dense(3),
    ], input_dim=3)
    net.compile(loss=loss, backend=backend, dtype="float64", seed=7)
    return net


def _move_off_kinks(net, X):
    """Nudge biases so no pre-activation sits within 1e-3 of 0, where ReLU/|w| have kinks."""
    for Z in net.layer_outputs(X):
        assert np.isfinite(Z).all()
    W = net.get_weights()
    net.set_weights([(w[0], w[1] + 0.0123) + tuple(w[2:]) for w in W])


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_reference_matches_central_differences(activation, loss, rng):
    X = rng.normal(size=(6, 3))
    y = _targets(loss, 6, 3, rng)
    net = _net(activation, loss)
    _move_off_kinks(net, X)
    assert fastnn.gradcheck(net, X, y, backend="numpy") < 1e-5


@pytest.mark.parametrize("activation, loss", BACKEND_CASES)
def test_backend_loss_and_grad_match_reference(backend, activation, loss, rng):
    X = rng.normal(size=(9, 3))
    y = _targets(loss, 9, 3, rng)
    net = _net(activation, loss, backend)
    loss_ref, grads_ref = _net(activation, loss, "numpy").gradients(X, y)
    loss_be, grads_be = net.gradients(X, y)
    assert loss_be == pytest.approx(loss_ref, rel=1e-10)
    for ref, got in zip(grads_ref, grads_be):
        for a, b in zip(ref, got):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation, loss", BACKEND_CASES)
def test_backend_evaluate_and_layer_outputs_match_reference(backend, activation, loss, rng):
    X = rng.normal(size=(9, 3))
    y = _targets(loss, 9, 3, rng)
    spec, params = _net(activation, loss)._spec(), _net(activation, loss).params
    Y = fastnn._validation.check_targets(y, spec.loss, 3, 9, np.float64)
    module = get_backend(backend)
    np.testing.assert_allclose(module.evaluate(spec, params, X, Y),
                               numpy_ref.evaluate(spec, params, X, Y), rtol=1e-10)
    for got, ref in zip(module.layer_outputs(spec, params, X),
                        numpy_ref.layer_outputs(spec, params, X), strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


def test_gradcheck_detects_a_wrong_gradient(rng, monkeypatch):
    """The check itself can fail: break the tanh derivative and the error becomes large."""
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 3, 6)
    net = _net("tanh", "softmax_cross_entropy")
    original = numpy_ref.activation_backward

    def wrong(code, Z, A, dA, alpha, prelu):
        dZ, extra = original(code, Z, A, dA, alpha, prelu)
        return (dZ * 1.1 if code == S.TANH else dZ), extra

    monkeypatch.setattr(numpy_ref, "activation_backward", wrong)
    assert fastnn.gradcheck(net, X, y, backend="numpy") > 1e-3


def test_compiled_backend_passes_gradcheck_in_float64(backend, rng):
    X = rng.normal(size=(6, 3))
    net = _net("elu", "softmax_cross_entropy", backend)
    assert fastnn.gradcheck(net, X, rng.integers(0, 3, 6)) < 1e-5
    assert get_backend(backend).NAME == backend


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_forward_close_to_float64_reference(backend, activation, rng):
    """float32 kernels (numba's vectorised rational tanh included) stay within float32 rounding."""
    X = rng.normal(size=(50, 3)) * 3
    net = _net(activation, "mse", backend)
    ref = _net(activation, "mse", "numpy")
    net.compile("mse", backend=backend, dtype="float32")
    np.testing.assert_allclose(net.predict(X), ref.predict(X), rtol=1e-5, atol=2e-6)
