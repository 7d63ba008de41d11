"""The kernels' vectorising exp, log, log1p and tanh against the C library, in both dtypes."""
import math

import numpy as np
import pytest

from fastnn.backends import _vecmath as vm
from fastnn.backends._jit import njit

# Most ulps from the C library's result (float32: from the float64 result rounded to float32)
MAX_ULP = {"exp": 1, "log": 2, "log1p": 3, "tanh": 4}


def _reference(name, x):
    if name == "exp":
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf
    if name == "log":
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if name == "log1p":
        return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)
    return math.tanh(x)


def _vectorised(name):
    function = getattr(vm, name)

    @njit
    def loop(x, out):
        for i in range(x.shape[0]):
            out[i] = function(x[i])
    return loop


_LOOPS = {name: _vectorised(name) for name in MAX_ULP}
_RANGES = {"exp": (-760.0, 720.0), "log": (0.0, 1e6), "log1p": (-1.0, 10.0),
           "tanh": (-30.0, 30.0)}
_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1e-310, 1e-45, -1e-45, 1.0, -1.0, 2.0,
            88.72, 88.73, -103.97, -104.0, 709.78, 709.79, -745.13, -745.14, 1e38, 3.4e38]


def _inputs(name, dtype):
    lo, hi = _RANGES[name]
    positive = np.geomspace(1e-300, 1e300, 20_001)
    with np.errstate(over="ignore"):
        return np.concatenate([np.linspace(lo, hi, 200_001), positive, -positive,
                               np.random.default_rng(0).normal(0, 3, 20_000),
                               _SPECIAL]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(MAX_ULP))
def test_within_a_few_ulp_of_the_c_library_with_its_special_values(name, dtype):
    x = _inputs(name, dtype)
    got = np.empty_like(x)
    _LOOPS[name](x, got)
    with np.errstate(over="ignore"):
        want = np.array([_reference(name, float(v)) for v in x]).astype(dtype)
    assert got.dtype == dtype
    # NaN, infinities and zeros (with their sign) exactly where the C library has them
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    exact = ~np.isfinite(want) | (want == 0)
    np.testing.assert_array_equal(got[exact & ~np.isnan(want)], want[exact & ~np.isnan(want)])
    np.testing.assert_array_equal(np.signbit(got[want == 0]), np.signbit(want[want == 0]))
    finite = np.isfinite(want) & (want != 0)
    assert np.isfinite(got[finite]).all()
    unit = np.spacing(np.maximum(np.abs(want[finite]), np.finfo(dtype).smallest_normal))
    ulps = np.abs(got[finite].astype(np.float64) - want[finite]) / unit.astype(np.float64)
    assert ulps.max() <= MAX_ULP[name], (x[finite][ulps.argmax()], ulps.max())


def test_the_python_functions_are_the_c_librarys():
    assert vm.exp(0.5) == math.exp(0.5) and vm.tanh(-0.3) == math.tanh(-0.3)
    assert vm.log(3.0) == math.log(3.0) and vm.log(0.0) == -math.inf
    assert math.isnan(vm.log(-1.0))
    assert vm.log1p(1e-20) == math.log1p(1e-20) and vm.log1p(-1.0) == -math.inf
    assert math.isnan(vm.log1p(-2.0))
