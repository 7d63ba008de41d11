"""Which kernels the CUDA back end runs, and the activation rules it compiles from
fastnn.activations: the one-launch epoch, the per-batch path, the cuBLAS products (their
operands wrapped once), and every registered activation's device rule against its Python rule."""
import math
import types

import numpy as np
import pytest
from numba import cuda

from fastnn import _spec as S
from fastnn import activations as acts
from fastnn.backends import _cuda_gemm, _cuda_rules, numba_cuda, numpy_ref

ADAM = np.zeros(S.OPT_SIZE)
ADAM[[S.OPT_CODE, S.OPT_LR, S.OPT_BETA1, S.OPT_BETA2, S.OPT_EPS]] = S.ADAM, 0.01, 0.9, 0.999, 1e-8


def _net(rows=10, seed=0):
    rng = np.random.default_rng(seed)
    spec = S.make_spec([3, 5, 4, 3], [S.TANH, S.RELU, S.IDENTITY], loss=S.SOFTMAX_CE,
                       l2=[0.01, 0, 0], drop=[0, 0.2, 0])
    X, Y = rng.normal(size=(rows, 3)), np.eye(3)[rng.integers(0, 3, rows)]
    return spec, rng.normal(scale=0.5, size=spec.n_params), X, Y


def _engine_epoch(spec, params, X, Y, batch_size):
    """One epoch through the Engine and through the reference; both (loss, accuracy, params)."""
    order = np.random.default_rng(3).permutation(X.shape[0])
    out = []
    for module in (numba_cuda, numpy_ref):
        p, state = params.copy(), np.zeros((2, spec.n_params))
        engine = module.Engine(spec, p, state, X, Y, batch_size)
        loss, accuracy = engine.epoch(order, ADAM, 4, 99)
        engine.sync()
        out.append((loss, accuracy, p))
    return out


def _refuse(*args, **kwargs):
    raise AssertionError("this path must not run here")


def test_small_batches_of_a_narrow_net_train_in_one_launch(monkeypatch):
    spec, params, X, Y = _net()
    assert numba_cuda.epoch_in_one_block(spec, 4)
    monkeypatch.setattr(numba_cuda._Net, "batch", _refuse)
    (loss, acc, p), (ref_loss, ref_acc, ref_p) = _engine_epoch(spec, params, X, Y, 4)
    assert (loss, acc) == pytest.approx((ref_loss, ref_acc), rel=1e-12)
    np.testing.assert_allclose(p, ref_p, rtol=1e-10, atol=1e-12)


def test_large_batches_take_the_per_batch_kernels(monkeypatch):
    spec, params, X, Y = _net()
    monkeypatch.setattr(numba_cuda, "EPOCH_MAX_WORK", 4 * spec.n_params - 1)
    assert not numba_cuda.epoch_in_one_block(spec, 4)
    monkeypatch.setattr(numba_cuda._Net, "epoch", _refuse)
    (loss, _, p), (ref_loss, _, ref_p) = _engine_epoch(spec, params, X, Y, 4)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(p, ref_p, rtol=1e-10, atol=1e-12)


def test_gemm_layers_multiply_through_the_provider_with_operands_wrapped_once(gemm, monkeypatch):
    monkeypatch.setattr(numba_cuda, "FUSED_MAX_WIDTH", 0)
    calls = {"operand": 0, "matmul": 0}
    for name in calls:
        method = getattr(_cuda_gemm.CupyGemm, name)

        def counted(self, *args, _method=method, _name=name):
            calls[_name] += 1
            return _method(self, *args)
        monkeypatch.setattr(_cuda_gemm.CupyGemm, name, counted)
    spec, params, X, Y = _net()
    (loss, _, p), (ref_loss, _, ref_p) = _engine_epoch(spec, params, X, Y, 4)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(p, ref_p, rtol=1e-10, atol=1e-12)
    # batches of 4, 4 and 2 rows; per batch 3 forward, 2 backward and 3 weight-gradient products,
    # each of 3 operands wrapped once per batch size
    assert len(gemm) == 1 and calls == {"operand": 2 * 8 * 3, "matmul": 3 * 8}


def test_without_a_provider_every_layer_is_tiled(monkeypatch):
    monkeypatch.setattr(numba_cuda, "FUSED_MAX_WIDTH", 0)
    monkeypatch.setattr(numba_cuda, "gemm_provider", None)
    monkeypatch.setattr(_cuda_gemm, "GEMM_MIN_WORK", 0)
    spec, *_ = _net()
    net = numba_cuda._Net(spec, np.float64, 8)
    assert net.gemm is None and net.gemm_layers == (False, False, False)


@cuda.jit
def _rules_kernel(codes, zs, alphas, a_out, d_out):
    i = cuda.grid(1)
    if i < zs.shape[0]:
        a = _cuda_rules.forward_rule(codes[i], zs[i], alphas[i])
        a_out[i] = a
        d_out[i] = _cuda_rules.grad_rule(codes[i], zs[i], a, alphas[i])


def test_device_rules_are_the_registry_rules_for_every_activation():
    zs = np.array([-3.0, -0.5, -1e-3, 0.0, 2e-3, 0.7, 4.0])
    codes = np.repeat([a.code for a in acts.BY_CODE], zs.size).astype(np.int64)
    z = np.tile(zs, len(acts.BY_CODE))
    alphas = np.full(z.size, 0.3)
    a_out, d_out = np.zeros_like(z), np.zeros_like(z)
    _rules_kernel[_cdiv(z.size, 32), 32](codes, z, alphas, a_out, d_out)
    for i in range(z.size):
        a = acts.forward_rule(int(codes[i]), z[i], 0.3)
        assert a_out[i] == pytest.approx(a, rel=1e-14, abs=1e-15), acts.BY_CODE[codes[i]].name
        assert d_out[i] == pytest.approx(acts.grad_rule(int(codes[i]), z[i], a, 0.3),
                                         rel=1e-14, abs=1e-15), acts.BY_CODE[codes[i]].name


def _cdiv(a, b):
    return -(-a // b)


def _module_with(source):
    module = types.ModuleType("rules_under_test")
    module.math = math
    exec(source, module.__dict__)
    return module


def test_device_compiles_the_helpers_a_rule_calls_through_globals():
    rules = _module_with("def helper(z):\n    return math.exp(-z * z)\n"
                         "def rule(z, alpha):\n    return alpha * helper(z)\n")
    compiled = _cuda_rules.device(rules.rule)
    assert compiled is _cuda_rules.device(rules.rule)            # memoised
    assert rules.rule.__globals__["helper"] is rules.helper      # the module itself is untouched

    @cuda.jit
    def kernel(out):
        out[0] = compiled(0.5, 2.0)

    out = np.zeros(1)
    kernel[1, 1](out)
    assert out[0] == pytest.approx(2.0 * math.exp(-0.25))


def test_device_refuses_a_rule_that_recurses():
    rules = _module_with("def rule(z, alpha):\n    return z if z < 1 else rule(z / 2, alpha)\n")
    with pytest.raises(ValueError, match=r"rules_under_test\.rule calls itself .*cannot recurse"):
        _cuda_rules.device(rules.rule)
