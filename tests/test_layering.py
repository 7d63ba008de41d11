"""Layers only talk down: what ``import fastnn`` pulls in, and which modules may import which."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path):
    """Module names imported by a file (relative ones as written, e.g. '.io', '..model')."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            names.update(f"{base}.{alias.name}" if node.module else base + alias.name
                         for alias in node.names)
    return names


def test_import_fastnn_loads_no_estimator_gui_or_heavy_dependency():
    code = ("import sys, fastnn; print(sorted(m for m in ('sklearn', 'scipy', 'PySide6', "
            "'matplotlib', 'onnx', 'onnxruntime', 'skl2onnx', 'fastnn.estimators', 'fastnn.onnx', "
            "'fastnn.cli', 'fastnn.population', 'fastnn.model_selection', 'distributed', 'tqdm') "
            "if m in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "FASTNN_BACKEND"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_estimators_stay_importable_from_the_top_level():
    import fastnn
    from fastnn import MLPClassifier
    assert MLPClassifier is fastnn.estimators.MLPClassifier
    assert "LinearRegression" in dir(fastnn)
    with pytest.raises(AttributeError, match="module 'fastnn' has no attribute 'MLPClasifier'"):
        fastnn.MLPClasifier   # noqa: B018


def test_train_many_and_population_are_loaded_when_first_asked_for():
    import fastnn
    from fastnn import Population, train_many
    from fastnn import population as module
    assert train_many is module.train_many and Population is module.Population
    assert {"train_many", "Population"} <= set(dir(fastnn)) & set(fastnn.__all__)


@pytest.mark.parametrize("module, forbidden", [
    ("model.py", {".io", ".backends.numpy_ref", ".backends.numba_cpu", ".backends.cython_cpu",
                  ".backends.numba_cuda"}),
    ("session.py", {".io", ".model", ".backends.numpy_ref"}),
    ("demo.py", {".cli", "PySide6"}),
])
def test_model_layer_imports_no_back_end_module_and_not_io(module, forbidden):
    imported = _imports(ROOT / "fastnn" / module)
    assert not imported & forbidden, imported & forbidden


def test_the_library_never_imports_qt_or_the_app():
    for path in (ROOT / "fastnn").rglob("*.py"):
        imported = _imports(path)
        assert not any(name.split(".")[0] in ("PySide6", "fastnn_gui", "gui")
                       for name in imported), path
