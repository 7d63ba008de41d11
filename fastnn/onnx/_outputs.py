"""What a model's ONNX graph outputs: ``Sequential.predict`` for a network, and for an estimator
what its ``predict``/``predict_proba`` return (label mapping and output transform included).

Classifiers output ``label`` (N,) — the entry of ``classes_``, int64 or string — and
``probabilities`` (N, n_classes); a multilabel classifier ``label`` (N, n_labels), the 0/1
indicator of probabilities above 0.5, and the per-label ``probabilities``.  Regressors output
``variable`` (N, n_outputs), as skl2onnx's converters name them.
"""
from __future__ import annotations

import numpy as np
from onnx import TensorProto

from .. import activations
from . import _graph


def network_outputs(g, model, x):
    """The raw outputs of ``model`` (a fitted :class:`fastnn.Sequential`) on input ``x``, with
    its weights in the graph's float type."""
    spec = model._spec()
    params = np.asarray(model.params, dtype=g.dtype)
    names = [activations.BY_CODE[int(code)].name for code in spec.act]
    return _graph.network(g, spec, params, x, names)


def sequential(g, model, x):
    """``{"output": name}``: ``model.predict`` (probabilities for the cross-entropy losses)."""
    return {"output": _graph.link(g, model._loss_code, network_outputs(g, model, x), "output")}


def label_table(classes):
    """``(values, onnx element type)`` of ``classes_`` as a tensor ``label`` indexes into."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64), TensorProto.INT64
    if classes.dtype.kind == "f" and np.array_equal(classes, np.round(classes)):
        return classes.astype(np.int64), TensorProto.INT64
    if classes.dtype.kind in "UO":
        return classes.astype(str).astype(object), TensorProto.STRING
    raise ValueError(f"classes_ of dtype {classes.dtype} cannot be ONNX labels (integers or "
                     f"strings are)")


def classifier(g, est, x, names=("label", "probabilities")):
    """``{"label": name, "probabilities": name}`` of a fitted fastnn classifier."""
    model = est._network()
    raw = network_outputs(g, model, x)
    label_name, proba_name = names
    if est._y_type == "multilabel-indicator":
        proba = g.op("Sigmoid", [raw], output=proba_name)
        above = g.op("Greater", [proba, g.const(0.5)])
        return {"label": g.op("Cast", [above], output=label_name, to=TensorProto.INT64),
                "probabilities": proba}
    if model.loss == "softmax_cross_entropy":
        proba = g.op("Softmax", [raw], output=proba_name, axis=1)
    else:
        p = g.op("Sigmoid", [raw])
        if model._spec().n_out == 1:              # one sigmoid: [1 - p, p]
            proba = g.op("Concat", [g.op("Sub", [g.const(1.0), p]), p], output=proba_name, axis=1)
        else:                                     # one-vs-rest: normalised to sum to 1
            total = g.op("ReduceSum", [p, g.const([1], dtype=np.int64)], keepdims=1)
            tiny = g.const(np.finfo(g.dtype).tiny)
            proba = g.op("Div", [p, g.op("Max", [total, tiny])], output=proba_name)
    values, _ = label_table(est.classes_)
    if len(values) == 1:                          # one class: both columns name it
        values = np.repeat(values, 2)
    index = g.op("ArgMax", [proba], "index", axis=1, keepdims=0)
    table = g.const(values, "classes", dtype=values.dtype)
    return {"label": g.op("Gather", [table, index], output=label_name, axis=0),
            "probabilities": proba}


def regressor(g, est, x, name="variable"):
    """``{"variable": name}``: the predictions (N, n_outputs) of a fitted fastnn regressor."""
    return {"variable": g.op("Identity", [network_outputs(g, est._network(), x)], output=name)}
