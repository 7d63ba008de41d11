"""The activation registry and its scalar rules (what the compiled kernels are built from)
against the NumPy reference's independent vectorised formulas."""
import numpy as np
import pytest

import fastnn
from fastnn import _spec as S
from fastnn import activations
from fastnn.backends import numpy_ref

Z = np.concatenate([np.linspace(-9, 9, 181), [-1e-3, 0.0, 1e-3]])
ALPHA = 0.3


@pytest.mark.parametrize("activation", activations.BY_CODE, ids=lambda a: a.name)
def test_rules_match_the_reference(activation):
    prelu = np.full_like(Z, ALPHA) if activation.learns_alpha else None
    A = numpy_ref.activate(activation.code, Z, ALPHA, prelu)
    forward = np.array([activations.forward_rule(activation.code, z, ALPHA) for z in Z])
    np.testing.assert_allclose(forward, A, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose([activation.forward(z, ALPHA) for z in Z], A, rtol=1e-14, atol=1e-15)
    dZ, _ = numpy_ref.activation_backward(activation.code, Z, A, np.ones_like(Z), ALPHA, prelu)
    grad = np.array([activations.grad_rule(activation.code, z, a, ALPHA) for z, a in zip(Z, A)])
    np.testing.assert_allclose(grad, dZ, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("activation", activations.BY_CODE, ids=lambda a: a.name)
def test_derivative_rule_matches_central_differences(activation):
    z = Z[np.abs(Z) > 1e-2]                     # away from the kinks of the ReLU family
    h = 1e-6
    f = activation.forward
    numeric = np.array([(f(v + h, ALPHA) - f(v - h, ALPHA)) / (2 * h) for v in z])
    analytic = np.array([activation.grad(v, f(v, ALPHA), ALPHA) for v in z])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_registry_codes_names_and_aliases():
    assert [a.code for a in activations.BY_CODE] == list(range(len(activations.REGISTRY)))
    assert all(activations.REGISTRY[a.name] is a for a in activations.BY_CODE)
    assert S.ACTIVATIONS == {name: a.code for name, a in activations.NAMES.items()}
    assert activations.get("Linear") is activations.REGISTRY["identity"]
    assert activations.get("logistic").code == S.SIGMOID
    for a in activations.BY_CODE:
        assert a.description and a.formula and a.derivative
        assert (a.alpha is None) == (a.alpha_meaning == "")


def test_unknown_activation_lists_the_names():
    with pytest.raises(ValueError, match=r"unknown activation 'rleu'; expected one of \[.*'relu'"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="unknown activation 'rleu'"):
        fastnn.Dense(3, activation="rleu")


def _pytorch_formulas():
    """The activations as PyTorch's documentation defines them (torch.nn.GELU, GELU(approximate=
    'tanh'), SiLU, Softplus(beta=1, threshold=20)), written out independently of fastnn."""
    import math

    return {
        "gelu": lambda x: x * 0.5 * (1 + math.erf(x / math.sqrt(2))),
        "gelu_tanh": lambda x: 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi)
                                                        * (x + 0.044715 * x ** 3))),
        "silu": lambda x: x / (1 + math.exp(-x)),
        "softplus": lambda x: x if x > 20 else math.log(1 + math.exp(x)),
    }


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "softplus"])
def test_new_activations_match_pytorch(name):
    x = np.linspace(-12, 25, 371)
    got = np.array([activations.get(name).forward(v, 0.0) for v in x])
    want = np.array([_pytorch_formulas()[name](v) for v in x])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=3e-9)  # softplus: PyTorch is linear past 20
    try:
        import torch
    except ImportError:          # CI has no PyTorch; the formulas above are PyTorch's definitions
        return
    functions = {"gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu,
                 "softplus": torch.nn.functional.softplus,
                 "gelu_tanh": lambda t: torch.nn.functional.gelu(t, approximate="tanh")}
    np.testing.assert_allclose(got, functions[name](torch.from_numpy(x)).numpy(), rtol=1e-12,
                               atol=3e-9)
