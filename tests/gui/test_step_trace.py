"""The step-through trace (NumPy, the notes' formulas) against the back end's own gradients, for
every loss and a few activations; and the lessons' closed form against scikit-learn's solver."""
from importlib import import_module

import numpy as np
import pytest

import fastnn

CASES = [("binary_cross_entropy", 1, "tanh"), ("softmax_cross_entropy", 3, "sigmoid"),
         ("mse", 1, "relu"), ("hinge", 1, "elu"), ("mse", 3, "gelu"),
         ("binary_cross_entropy", 1, "prelu")]


@pytest.fixture
def trace_mod(gui_pkg):
    return import_module(gui_pkg.__name__ + ".step_trace")


@pytest.mark.parametrize("loss, n_out, act", CASES)
def test_the_trace_gradient_is_the_back_ends(trace_mod, loss, n_out, act):
    rng = np.random.default_rng(0)
    net = fastnn.Sequential([fastnn.Dense(5, activation=act, l2=0.01),
                             fastnn.Dense(4, activation=act, l1=0.001), fastnn.Dense(n_out)],
                            input_dim=3)
    net.compile(loss=loss, optimizer="sgd", backend="numpy", dtype="float64", seed=1)
    x = rng.normal(size=(1, 3))
    if loss == "softmax_cross_entropy":
        T = np.array([2])
    elif loss == "mse":
        T = rng.normal(size=(1, n_out))
    else:
        T = np.array([[1.0]])
    t = trace_mod.trace(net, loss, x[0], T[0])
    value, grads = net.gradients(x, T)
    penalty = sum(layer.l1 * np.abs(w[0]).sum() + layer.l2 * (w[0] ** 2).sum()
                  for layer, w in zip(net.dense_layers, net.get_weights()))
    assert t.loss + penalty == pytest.approx(value, rel=1e-9)
    for layer, (dW, db, *_) in zip(t.layers, grads):
        np.testing.assert_allclose(layer.dW, dW, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(layer.db, db, rtol=1e-7, atol=1e-10)
    out = t.layers[-1]
    np.testing.assert_allclose(out.Z, net.layer_outputs(x)[-1][0], rtol=1e-9)
    np.testing.assert_allclose(t.output, net.predict(x)[0], rtol=1e-9)
    assert "{k}" not in t.link + t.loss_formula + t.error_formula


def test_the_normal_equation_is_least_squares(gui_pkg):
    lessons = import_module(gui_pkg.__name__ + ".lessons")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 3.0 + 0.01 * rng.normal(size=50)
    w, b = lessons.normal_equation(X, y)
    np.testing.assert_allclose(w, [1.5, -2.0, 0.5], atol=0.01)
    assert b == pytest.approx(3.0, abs=0.01)
