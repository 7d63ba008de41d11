"""``exp``, ``log``, ``log1p`` and ``tanh`` that LLVM vectorises, for the Numba CPU kernels.

Numba compiles ``math.exp``, ``math.log``, ``math.log1p`` and ``math.tanh`` to calls of the C
library, one element at a time: without Intel's SVML (which PyPI's llvmlite is not built for) a
loop over them is never vectorised, and in float64 they cost 8-9 ns an element here (a float64
2-64-3 tanh network trained 0.86-0.92 ms an epoch with libm's tanh, 0.49-0.51 ms with this one).
These versions are straight-line arithmetic on the float's bits -- range reduction by
``k ln 2``, a polynomial, the exponent put back with an integer shift -- so a loop over them
becomes SIMD code (exp: 1.1-1.3 ns an element, float64, AVX-512).  They are what the kernels'
softmax cross-entropy, binary cross-entropy, sigmoid and float64 tanh call.

Accuracy, checked against the C library over dense grids and the special values in
``tests/test_vecmath.py``: within 1 ulp for exp, 2 for log, 3 for log1p and 4 for tanh, in both
dtypes; the same infinities, NaNs, signed zeros, overflow and underflow.  In Python the
functions are the C library's (``math``); the vectorising versions are their Numba overloads.

The formulas are the textbook ones (Cody & Waite's reduction; Taylor polynomials, whose
truncation error is below half an ulp on the reduced range):

* ``exp(x) = 2**k * p(r)``, ``k = round(x / ln 2)``, ``r = x - k ln 2`` (ln 2 in two parts),
  ``|r| <= ln(2) / 2``; the scale ``2**k`` is two factors, so results down to the subnormals are
  right.
* ``log(x) = e ln 2 + 2 atanh(s)``, ``x = 2**e * m`` with ``m`` in [sqrt(1/2), sqrt(2)) and
  ``s = (m - 1) / (m + 1)``, ``|s| <= 0.172``.
* ``log1p(x) = log(u) x / (u - 1)`` with ``u = 1 + x`` rounded (Goldberg's: the rounding of
  ``u`` cancels out), ``x`` itself where ``u`` rounds to 1.
* ``tanh(x) = u / (u + 2)`` with ``u = expm1(2|x|)``, its sign copied from ``x``.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

# Contraction into FMAs only: the kernels' reassociation would turn Cody & Waite's
# ``(x - k ln2_hi) - k ln2_lo`` into ``x - k (ln2_hi + ln2_lo)`` (200 ulp near the overflow).
_FASTMATH = {"contract"}

# --- the bits of a float, and a float of given bits (one LLVM bitcast, no instruction) ----------

_FLOAT_OF = {types.int64: (types.float64, ir.DoubleType()), types.int32: (types.float32,
                                                                             ir.FloatType())}
_BITS_OF = {types.float64: (types.int64, ir.IntType(64)), types.float32: (types.int32,
                                                                          ir.IntType(32))}


def _bitcast(types_to):
    """An intrinsic giving its argument's bits as the type ``types_to`` maps its type to."""
    @intrinsic
    def bitcast(typingctx, value):
        if value not in types_to:
            return None
        result, llvm_type = types_to[value]
        return result(value), lambda context, builder, sig, args: builder.bitcast(args[0],
                                                                                   llvm_type)
    return bitcast


_float_of_bits = _bitcast(_FLOAT_OF)
_bits_of_float = _bitcast(_BITS_OF)


class _Format:
    """The constants of one IEEE binary format."""

    def __init__(self, dtype, int_dtype, mantissa_bits, ln2_hi, ln2_lo, exp_terms, log_terms):
        f, i = dtype.type, int_dtype.type
        info = np.finfo(dtype)
        self.f, self.i = f, i
        self.one, self.two, self.half = f(1), f(2), f(0.5)
        self.bias, self.shift = i(info.maxexp - 1), i(mantissa_bits)
        self.mantissa = i((1 << mantissa_bits) - 1)
        self.exp_mask = i(2 * info.maxexp - 1)
        # exp: inputs beyond these give inf and 0 (and keep 2**k two normal factors)
        self.exp_high = f(math.log(float(info.max)))
        self.exp_low = f(math.log(float(info.smallest_subnormal)) - 1)
        self.log2e = f(1 / math.log(2))
        self.ln2_hi, self.ln2_lo = f(ln2_hi), f(ln2_lo)
        self.exp_coeffs = tuple(f(1 / math.factorial(n)) for n in range(exp_terms, -1, -1))
        # log: 2 atanh(s) = 2 (s + s**3 / 3 + s**5 / 5 + ...)
        self.log_coeffs = tuple(f(2 / (2 * n + 1)) for n in range(log_terms, -1, -1))
        self.sqrt2 = f(math.sqrt(2))
        self.subnormal_scale = f(2.0 ** (mantissa_bits + 1))
        self.subnormal_shift = i(mantissa_bits + 1)
        self.smallest_normal = f(info.smallest_normal)
        self.tanh_big = f(20.0 if dtype == np.float64 else 10.0)    # tanh rounds to 1 above


# ln 2 = ln2_hi + ln2_lo to twice the precision, ln2_hi with trailing zero bits so k ln2_hi is
# exact (fdlibm's and Cephes' constants)
_F64 = _Format(np.dtype(np.float64), np.dtype(np.int64), 52, 6.93147180369123816490e-01,
               1.90821492927058770002e-10, exp_terms=13, log_terms=11)
_F32 = _Format(np.dtype(np.float32), np.dtype(np.int32), 23, 0.693359375, -2.12194440e-4,
               exp_terms=7, log_terms=5)


def _format(x):
    return _F64 if x == types.float64 else (_F32 if x == types.float32 else None)


# --- the public functions: the C library's in Python, vectorising overloads in Numba ------------


def exp(x):
    """e ** x (see the module docstring)."""
    return math.exp(x)


def log(x):
    """The natural logarithm of x: -inf at 0, NaN below (see the module docstring)."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def log1p(x):
    """log(1 + x), accurate for small x: -inf at -1, NaN below (see the module docstring)."""
    return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)


def tanh(x):
    """The hyperbolic tangent of x (see the module docstring)."""
    return math.tanh(x)


# Each factory returns one straight-line function per format, with no helpers of its own: every
# jitted helper costs Numba a typing and lowering pass in each kernel's compile.

@functools.cache
def _exp_of(F):
    """``exp`` in the format F."""
    # Numba reads closure constants, not attributes of a Python object: bind them here
    c, float_, int_, half, log2e = F.exp_coeffs, F.f, F.i, F.half, F.log2e
    ln2_hi, ln2_lo, bias, shift = F.ln2_hi, F.ln2_lo, F.bias, F.shift
    low, high = F.exp_low, F.exp_high

    def exp_(x):
        clamped = low if x < low else (high if x > high else x)
        k = math.floor(clamped * log2e + half)          # an int64
        kf = float_(k)
        r = (clamped - kf * ln2_hi) - kf * ln2_lo
        p = c[0]                        # sum of r**n / n!, by Horner's rule
        for coefficient in c[1:]:
            p = p * r + coefficient
        part = k >> 1                   # 2**k as two normal factors
        y = p * _float_of_bits(int_((part + bias) << shift)) \
            * _float_of_bits(int_((k - part + bias) << shift))
        y = math.inf if x > high else y
        return y if x == x else x

    return exp_


@functools.cache
def _log_of(F):
    c, f_, i_, one, half, sqrt2 = F.log_coeffs, F.f, F.i, F.one, F.half, F.sqrt2
    tiny, scale_up, scale_shift = F.smallest_normal, F.subnormal_scale, F.subnormal_shift
    shift, exp_mask, bias, mantissa = F.shift, F.exp_mask, F.bias, F.mantissa
    ln2_hi, ln2_lo, one_int = F.ln2_hi, F.ln2_lo, F.i(1)

    def log_(x):
        small = x < tiny
        scaled = x * scale_up if small else x
        bits = _bits_of_float(scaled)
        e = ((bits >> shift) & exp_mask) - bias
        e = e - scale_shift if small else e
        m = _float_of_bits(i_((bits & mantissa) | (bias << shift)))     # in [1, 2)
        high = m > sqrt2
        m = m * half if high else m
        e = e + one_int if high else e
        s = (m - one) / (m + one)
        s2 = s * s
        p = c[0]
        for coefficient in c[1:]:
            p = p * s2 + coefficient
        ef = f_(e)
        y = ef * ln2_hi + (s * p + ef * ln2_lo)
        y = -math.inf if x == 0 else y
        y = math.inf if x == math.inf else y
        return y if x >= 0 else math.nan           # NaN below 0, and for NaN

    return log_


@functools.cache
def _log1p_of(F):
    one = F.one

    def log1p_(x):
        u = x + one
        y = log(u) * (x / (u - one))    # log is the overload above, for the same format
        y = x if u == one else y
        return u if u == math.inf else y

    return log1p_


@functools.cache
def _tanh_of(F):
    c, float_, int_, half, log2e = F.exp_coeffs, F.f, F.i, F.half, F.log2e
    ln2_hi, ln2_lo, bias, shift = F.ln2_hi, F.ln2_lo, F.bias, F.shift
    big, one, two = F.tanh_big, F.one, F.two

    def tanh_(x):
        a = abs(x)
        y = big + big if a > big else a + a
        # u = expm1(y) = 2**k (exp(r) - 1) + (2**k - 1), with exp(r) - 1 as its own series so
        # that small y (k = 0) loses nothing; 0 <= y <= 2 big, so 2**k is one normal factor
        k = math.floor(y * log2e + half)
        kf = float_(k)
        r = (y - kf * ln2_hi) - kf * ln2_lo
        p = c[0]
        for coefficient in c[1:-1]:
            p = p * r + coefficient
        scale = _float_of_bits(int_((k + bias) << shift))
        u = scale * (p * r) + (scale - one)
        t = math.copysign(u / (u + two), x)
        return t if x == x else x

    return tanh_


def _overloading(python_function, make):
    @overload(python_function, fastmath=_FASTMATH)
    def _implementation(x):
        F = _format(x)
        if F is None:
            return None
        return make(F)
    return _implementation


_overloading(exp, _exp_of)
_overloading(log, _log_of)
_overloading(log1p, _log1p_of)
_overloading(tanh, _tanh_of)
