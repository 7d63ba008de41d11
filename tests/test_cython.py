"""The Cython back end: really compiled, equal to the NumPy reference in float32 and float64, a
missing or stale extension reported with what to do, and the optional build in setup.py (a failed
build falls back unless FASTNN_REQUIRE_EXT=1).

The shared back-end tests (test_gradients, test_optimizers, test_model) also run on "cython"
whenever it is available; these are the checks only this back end needs.
"""
import importlib
import os
import runpy
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
import setuptools

from fastnn import _spec as S
from fastnn import activations, backends
from fastnn.backends import numpy_ref

if "cython" not in backends.available():
    pytest.skip(f"cython back end unavailable: {backends.status()['cython'][1]}",
                allow_module_level=True)

from fastnn.backends import _cython_kernels, cython_cpu  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = {np.float64: 1e-10, np.float32: 2e-4}


def test_extension_is_compiled_and_codes_match_the_spec():
    assert _cython_kernels.__file__.endswith(sysconfig.get_config_var("EXT_SUFFIX"))
    assert cython_cpu.NAME == "cython" and cython_cpu.availability() == (True, "")
    assert _cython_kernels.EXPECTED_CODES == {
        "activations": tuple(a.code for a in activations.BY_CODE),
        "losses": (S.MSE, S.BCE, S.SOFTMAX_CE, S.HINGE),
        "optimizers": (S.SGD, S.ADAGRAD, S.RMSPROP, S.ADAM)}


def _problem(dtype, rng, sizes=(7, 12, 9, 4)):
    """A network using every feature at once: PReLU, ELU, L1/L2, dropout, softmax CE."""
    spec = S.make_spec(sizes, [S.PRELU, S.ELU, S.IDENTITY], act_alpha=[0.25, 1.0, 0],
                       l1=[0.01, 0, 0.02], l2=[0.03, 0.01, 0], drop=[0.1, 0.3, 0.2],
                       loss=S.SOFTMAX_CE)
    params = (rng.normal(size=spec.n_params) * 0.4).astype(dtype)
    X = rng.normal(size=(37, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], 37)]
    return spec, params, X, Y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_feature_at_once_matches_reference(dtype, rng):
    spec, params, X, Y = _problem(dtype, rng)
    tol = TOLERANCE[dtype]
    outs = [module.forward(spec, params, X, np.empty((37, 4), dtype))
            for module in (numpy_ref, cython_cpu)]
    np.testing.assert_allclose(outs[1], outs[0], rtol=tol, atol=tol)
    grads = [np.empty_like(params), np.empty_like(params)]
    losses = [module.loss_and_grad(spec, params, X, Y, g)
              for module, g in zip((numpy_ref, cython_cpu), grads)]
    assert losses[1] == pytest.approx(losses[0], rel=tol)
    np.testing.assert_allclose(grads[1], grads[0], rtol=tol, atol=tol)
    opt = np.array([S.ADAM, 0.01, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.001, 0])
    order = rng.permutation(37)
    runs = []
    for module in (numpy_ref, cython_cpu):
        p, state = params.copy(), np.zeros((2, spec.n_params), dtype)
        stats = [module.train_epoch(spec, p, state, X, Y, order, 8, opt, 10 * e, 42)
                 for e in range(3)]
        runs.append((np.array(stats), p, state))
    for ref, got in zip(*runs):
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


def test_forward_chunks_and_accepts_non_contiguous_rows(rng, monkeypatch):
    monkeypatch.setattr(cython_cpu, "PREDICT_CHUNK", 5)
    spec, params, X, _ = _problem(np.float64, rng)
    X_strided = np.asfortranarray(X)
    got = cython_cpu.forward(spec, params, X_strided, np.empty((37, 4)))
    np.testing.assert_allclose(got, numpy_ref.forward(spec, params, X, np.empty((37, 4))),
                               rtol=1e-12)


def test_engine_reuses_its_workspace(rng):
    spec, params, X, Y = _problem(np.float64, rng)
    state = np.zeros((2, spec.n_params))
    engine = cython_cpu.Engine(spec, params, state, X, Y, 8)
    opt = np.array([S.SGD, 0.1, 0.9, 1, 0, 0, 0, 0, 0, 0])
    p_ref, s_ref = params.copy(), state.copy()
    for epoch in range(2):
        order = rng.permutation(37)
        got = engine.epoch(order, opt, 5 * epoch, 7)
        ref = numpy_ref.train_epoch(spec, p_ref, s_ref, X, Y, order, 8, opt, 5 * epoch, 7)
        np.testing.assert_allclose(got, ref, rtol=1e-10)
    np.testing.assert_allclose(params, p_ref, rtol=1e-10, atol=1e-12)


def test_missing_extension_raises_import_error_with_instructions(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastnn.backends._cython_kernels", None)
    monkeypatch.delattr(backends, "_cython_kernels")
    monkeypatch.delitem(sys.modules, "fastnn.backends.cython_cpu")
    with pytest.raises(ImportError, match=r"_cython_kernels is missing or broken .*"
                                          r"pip install -e \. --no-build-isolation"):
        importlib.import_module("fastnn.backends.cython_cpu")


def test_stale_extension_reports_itself_unavailable(monkeypatch):
    monkeypatch.setattr(cython_cpu, "ABI", cython_cpu.ABI + 1)
    ok, reason = cython_cpu.availability()
    assert not ok
    assert reason.startswith("the compiled extension is out of date") and "pip install -e" in reason


# --- setup.py: the optional extension -------------------------------------------------------------


def _setup_py(monkeypatch, **env):
    """Run setup.py with ``setuptools.setup`` captured; return (its keyword arguments, globals)."""
    for name in ("FASTNN_NO_EXT", "FASTNN_REQUIRE_EXT", "FASTNN_PORTABLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    captured = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: captured.update(kwargs))
    monkeypatch.chdir(ROOT)
    return captured, runpy.run_path(str(ROOT / "setup.py"))


def test_setup_declares_an_optional_extension_and_keeps_the_gui_package(monkeypatch):
    kwargs, _ = _setup_py(monkeypatch)
    (ext,) = kwargs["ext_modules"]
    assert ext.name == "fastnn.backends._cython_kernels" and ext.optional
    assert "-O3" in ext.extra_compile_args
    assert kwargs["package_dir"] == {"fastnn_gui": "gui"} and "fastnn_gui" in kwargs["packages"]
    assert _setup_py(monkeypatch, FASTNN_NO_EXT="1")[0]["ext_modules"] == []
    assert not _setup_py(monkeypatch, FASTNN_REQUIRE_EXT="1")[0]["ext_modules"][0].optional


@pytest.mark.parametrize("stage", ["run", "build_extension"])
def test_failed_build_falls_back_unless_required(stage, monkeypatch, capsys):
    from distutils.errors import CompileError

    from setuptools.command.build_ext import build_ext

    def fail(*args):
        raise CompileError("gcc: command not found")
    kwargs, _ = _setup_py(monkeypatch)
    command = kwargs["cmdclass"]["build_ext"](setuptools.Distribution())
    monkeypatch.setattr(build_ext, stage, fail)
    args = [] if stage == "run" else kwargs["ext_modules"]
    getattr(command, stage)(*args)
    assert "cython back end unavailable, using fallback (CompileError: gcc: command not found)" \
        in capsys.readouterr().out
    monkeypatch.setenv("FASTNN_REQUIRE_EXT", "1")
    with pytest.raises(RuntimeError, match="FASTNN_REQUIRE_EXT=1 but the Cython extension failed "
                                           "to build: gcc: command not found"):
        getattr(command, stage)(*args)


def test_the_kernels_are_built_for_this_cpu_else_for_any(monkeypatch, capsys):
    """-march=native first; a compiler that refuses it builds with the portable flags, and
    FASTNN_PORTABLE=1 asks for those alone."""
    from distutils.errors import CompileError
    from types import SimpleNamespace

    from setuptools.command.build_ext import build_ext

    tried = []

    def build(self, ext):
        tried.append(list(ext.extra_compile_args))
        if "-march=native" in ext.extra_compile_args:
            raise CompileError("unrecognized option '-march=native'")
    kwargs, _ = _setup_py(monkeypatch)
    (ext,) = kwargs["ext_modules"]
    portable = list(ext.extra_compile_args)
    command = kwargs["cmdclass"]["build_ext"](setuptools.Distribution())
    command.compiler = SimpleNamespace(compiler_type="unix")
    monkeypatch.setattr(build_ext, "build_extension", build)
    command.build_extension(ext)
    assert tried == [portable + ["-march=native"], portable]
    assert "building them for any CPU" in capsys.readouterr().out
    tried.clear()
    monkeypatch.setenv("FASTNN_PORTABLE", "1")
    command.build_extension(ext)
    assert tried == [portable]


@pytest.mark.parametrize("required", [False, True])
def test_build_without_a_compiler(required, tmp_path):
    """A real ``build_ext`` with ``CC=/bin/false``: it succeeds without the extension, or fails
    when FASTNN_REQUIRE_EXT=1."""
    env = {k: v for k, v in os.environ.items() if k not in ("FASTNN_NO_EXT", "FASTNN_REQUIRE_EXT")}
    env.update(CC="/bin/false", **({"FASTNN_REQUIRE_EXT": "1"} if required else {}))
    result = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--build-lib", str(tmp_path / "lib"),
         "--build-temp", str(tmp_path / "temp")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert not list(tmp_path.rglob("*.so"))
    if required:
        assert result.returncode != 0
        assert "FASTNN_REQUIRE_EXT=1 but the Cython extension failed to build" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert "cython back end unavailable, using fallback" in result.stdout
