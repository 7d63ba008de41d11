"""ONNX export of fastnn networks and estimators (``pip install "fastnn[onnx]"``).

>>> import fastnn.onnx                                           # doctest: +SKIP
>>> fastnn.onnx.export(clf, "clf.onnx")                          # an estimator or a Sequential
>>> import onnxruntime
>>> session = onnxruntime.InferenceSession("clf.onnx")
>>> label, proba = session.run(None, {"X": X.astype(np.float32)})

The graph's input is ``X`` (N, n_features) in the model's float type (float32 or float64, or the
one asked for).  A :class:`fastnn.Sequential` outputs ``output`` (its ``predict``); classifiers
``label`` and ``probabilities`` (``predict`` and ``predict_proba``), regressors ``variable``
(``predict`` as a column per output).  Every activation of :data:`fastnn.activations.REGISTRY`
has a rule (:data:`._graph.RULES`).  Importing this module also registers fastnn's estimators
with skl2onnx when it is installed, so ``skl2onnx.to_onnx`` converts a scikit-learn
``Pipeline`` that ends in one (see :mod:`._skl2onnx`).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from .. import _validation as V
from ..model import Sequential
from . import _graph, _outputs

DEFAULT_OPSET = 17
"""The opset written unless asked otherwise: run by onnxruntime since 1.11."""
MIN_OPSET = 13
"""The oldest opset these graphs can be written in (``ReduceSum`` with axes as an input)."""


def export(model, path, *, dtype=None, opset=DEFAULT_OPSET, allow_untrained=False):
    """Write ``model`` (a :class:`fastnn.Sequential` or a fitted fastnn estimator) to ``path`` as
    an ONNX model, check it, and when onnxruntime is installed load it there; returns the
    :class:`onnx.ModelProto`.

    Parameters
    ----------
    model : fastnn.Sequential or fastnn estimator
        A compiled network with trained weights, or a fitted estimator.
    path : str or os.PathLike
    dtype : {"float32", "float64"}, optional
        The graph's float type; the model's own by default.
    opset : int
        The ONNX opset to write (at least ``MIN_OPSET``).
    allow_untrained : bool
        Export a compiled ``Sequential`` that has never trained (its initial weights).

    Raises
    ------
    TypeError
        ``model`` is neither a ``Sequential`` nor a fastnn estimator.
    ValueError
        An uncompiled or untrained network, a bad ``dtype`` or ``opset``, or an opset that the
        installed onnxruntime cannot run (the file is written; the message names its opset).
    NotFittedError
        An estimator before ``fit``.
    """
    proto = to_onnx(model, dtype=dtype, opset=opset, allow_untrained=allow_untrained)
    onnx.save(proto, path)
    _check_runtime(proto, path, opset)
    return proto


def to_onnx(model, *, dtype=None, opset=DEFAULT_OPSET, allow_untrained=False):
    """The :class:`onnx.ModelProto` :func:`export` writes (same arguments, no file)."""
    opset = V.check_number(opset, "opset", low=MIN_OPSET, integer=True)
    kind, float_type = _kind(model, allow_untrained)
    float_type = np.dtype(float_type if dtype is None else V.check_float_dtype(dtype))
    if float_type not in _graph.ONNX_TYPES:
        raise ValueError(f"dtype must be float32 or float64, got {float_type}")
    g = _graph.StandaloneEmitter(float_type)
    outputs = {"sequential": _outputs.sequential, "classifier": _outputs.classifier,
               "regressor": _outputs.regressor}[kind](g, model, "X")
    n_features = model.input_dim if kind == "sequential" else model.n_features_in_
    elem = _graph.ONNX_TYPES[float_type]
    graph = helper.make_graph(
        g.nodes, f"fastnn_{type(model).__name__}",
        [helper.make_tensor_value_info("X", elem, [None, n_features])],
        [helper.make_tensor_value_info(name, *_output_type(kind, model, name, elem))
         for name in outputs],
        g.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="fastnn")
    if opset <= onnx.defs.onnx_opset_version():   # newer opsets: onnxruntime has the last word
        onnx.checker.check_model(proto)
    return proto


def _kind(model, allow_untrained):
    """``("sequential" | "classifier" | "regressor", float dtype)`` of an exportable model."""
    if isinstance(model, Sequential):
        if model.loss is None:
            raise ValueError("the model is not compiled: call compile(loss=...) first (its loss "
                             "decides what the exported graph outputs)")
        if model._params is None and model.input_dim is None:
            raise ValueError("the model has no weights yet: give input_dim or fit it first")
        if not allow_untrained and model.epoch == 0 and model.step == 0:
            raise ValueError("the model has not been trained (epoch 0, no optimizer step): fit "
                             "it first, or pass allow_untrained=True to export its initial "
                             "weights")
        return "sequential", model.dtype
    from ..estimators import _classifier, _regressor
    if isinstance(model, (_classifier.BaseClassifier, _regressor.BaseRegressor)):
        model._network()                       # NotFittedError before fit
        kind = "classifier" if isinstance(model, _classifier.BaseClassifier) else "regressor"
        return kind, model.model_.dtype
    raise TypeError(f"model must be a fastnn.Sequential or a fastnn estimator, got "
                    f"{type(model).__name__}")


def _output_type(kind, model, name, elem):
    """``(element type, shape)`` of the graph output ``name``."""
    if kind == "sequential":
        return elem, [None, model._spec().n_out]
    n_out = model.model_._spec().n_out
    if kind == "regressor":
        return elem, [None, n_out]
    multilabel = model._y_type == "multilabel-indicator"
    if name == "probabilities":
        return elem, [None, n_out if multilabel else max(2, n_out)]
    if multilabel:
        return onnx.TensorProto.INT64, [None, n_out]
    return _outputs.label_table(model.classes_)[1], [None]


def _check_runtime(proto, path, opset):
    """Load the written model in onnxruntime, when it is installed."""
    try:
        import onnxruntime
    except ImportError:
        return
    try:
        onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own Fail/InvalidGraph types
        raise ValueError(f"wrote {path} with ONNX opset {opset}, which onnxruntime "
                         f"{onnxruntime.__version__} cannot run ({' '.join(str(exc).split())}); "
                         f"export with a lower opset, e.g. opset={DEFAULT_OPSET}") from None


def _register_skl2onnx():
    try:
        from . import _skl2onnx
    except ImportError:            # skl2onnx (or scikit-learn) is not installed
        return
    _skl2onnx.register()


_register_skl2onnx()
__all__ = ["export", "to_onnx", "DEFAULT_OPSET", "MIN_OPSET"]
