"""The activation rules of :mod:`fastnn.activations`, compiled for the GPU from their one source.

``forward_rule(code, z, alpha)`` and ``grad_rule(code, z, a, alpha)`` here are the registry's own
plain-Python functions compiled with ``numba.cuda.jit(device=True)``.  A device function can only
call other device functions, so :func:`device` first compiles, the same way, every plain Python
function the rule reads as a global (the per-activation rules ``forward_rule`` dispatches to, and
the helpers those call, such as ``_sigmoid``), and gives the rule a copy of its module's globals
in which those names point to the compiled versions.  Nothing here names an activation: one added
to :mod:`fastnn.activations` (its rules and its branch in ``forward_rule``/``grad_rule``) is on the
GPU without touching the CUDA back end.
"""
from __future__ import annotations

import dis
import types

from numba import cuda

from .. import activations as _activations

_compiled: dict = {}
_compiling: set = set()


def _global_functions(fn):
    """``{name: function}`` of the plain Python functions ``fn``'s code loads as globals."""
    names = {ins.argval for ins in dis.get_instructions(fn) if ins.opname == "LOAD_GLOBAL"}
    return {name: fn.__globals__[name] for name in names
            if isinstance(fn.__globals__.get(name), types.FunctionType)}


def device(fn):
    """``fn`` (a plain Python scalar function) as a CUDA device function, with every plain
    function it calls through a global compiled for the device too (memoised per function)."""
    if fn in _compiled:
        return _compiled[fn]
    if fn in _compiling:
        raise ValueError(f"{fn.__module__}.{fn.__qualname__} calls itself (directly or through "
                         "another rule); CUDA device functions cannot recurse, so write it as a loop")
    _compiling.add(fn)
    try:
        namespace = dict(fn.__globals__)
        namespace.update({name: device(callee) for name, callee in _global_functions(fn).items()})
        clone = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__,
                                   fn.__closure__)
        clone.__qualname__, clone.__module__, clone.__doc__ = fn.__qualname__, fn.__module__, fn.__doc__
        _compiled[fn] = cuda.jit(device=True)(clone)
    finally:
        _compiling.discard(fn)
    return _compiled[fn]


forward_rule = device(_activations.forward_rule)
grad_rule = device(_activations.grad_rule)
