"""fastnn's estimators as skl2onnx operators, so ``skl2onnx.to_onnx(pipeline, X)`` converts a
scikit-learn ``Pipeline`` whose last step is a fastnn estimator like any scikit-learn one.

The converters add the same nodes as :func:`fastnn.onnx.export` (:mod:`._outputs`) to
skl2onnx's container, in the float type of their input.  Classifiers register skl2onnx's
``zipmap`` option: by default their probabilities become a list of ``{class: probability}``
maps, as for scikit-learn's classifiers; pass ``options={"zipmap": False}`` for the plain
(N, n_classes) tensor (needed for a multilabel ``MLPClassifier``).
"""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, numpy_helper
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType
from skl2onnx.common.shape_calculator import (
    calculate_linear_classifier_output_shapes,
    calculate_linear_regressor_output_shapes,
)

from ..estimators import (
    LinearRegression,
    LogisticRegression,
    MLPClassifier,
    MLPRegressor,
    SoftmaxRegression,
)
from . import _graph, _outputs


class ContainerEmitter(_graph.Emitter):
    """Nodes and initializers go into skl2onnx's container, names come from its scope."""

    def __init__(self, scope, container, dtype):
        super().__init__(dtype)
        self.scope, self.container = scope, container

    def _unique(self, hint):
        return self.scope.get_unique_variable_name(hint)

    def _add_node(self, op_type, inputs, outputs, attrs):
        self.container.add_node(op_type, inputs, outputs,
                                name=self.scope.get_unique_operator_name(op_type), **attrs)

    def _add_const(self, name, array):
        if array.dtype == object:          # string labels
            self.container.add_initializer(name, TensorProto.STRING, list(array.shape),
                                           [str(s).encode() for s in array.ravel()])
        else:
            self.container.add_initializer(name, None, None, numpy_helper.from_array(array))


def _float_type(variable):
    """The numpy float type of a skl2onnx input variable."""
    return np.float64 if isinstance(variable.type, DoubleTensorType) else np.float32


def convert_classifier(scope, operator, container):
    """skl2onnx converter of the fastnn classifiers: ``label`` and ``probabilities``."""
    g = ContainerEmitter(scope, container, _float_type(operator.inputs[0]))
    _outputs.classifier(g, operator.raw_operator, operator.inputs[0].full_name,
                        (operator.outputs[0].full_name, operator.outputs[1].full_name))


def convert_regressor(scope, operator, container):
    """skl2onnx converter of the fastnn regressors: ``variable``."""
    g = ContainerEmitter(scope, container, _float_type(operator.inputs[0]))
    _outputs.regressor(g, operator.raw_operator, operator.inputs[0].full_name,
                       operator.outputs[0].full_name)


def classifier_shapes(operator):
    """skl2onnx's shapes of a linear classifier; (N, n_labels) both ways when multilabel."""
    est = operator.raw_operator
    if getattr(est, "_y_type", None) != "multilabel-indicator":
        calculate_linear_classifier_output_shapes(operator)
        return
    n = operator.inputs[0].get_first_dimension()
    k = len(est.classes_)
    operator.outputs[0].type = Int64TensorType([n, k])
    float_type = type(operator.inputs[0].type)
    operator.outputs[1].type = (float_type if float_type in (FloatTensorType, DoubleTensorType)
                                else FloatTensorType)([n, k])


def register():
    """Register every fastnn estimator with skl2onnx (done when :mod:`fastnn.onnx` loads)."""
    classifiers: tuple[type, ...] = (MLPClassifier, LogisticRegression, SoftmaxRegression)
    regressors: tuple[type, ...] = (MLPRegressor, LinearRegression)
    for cls in classifiers:
        update_registered_converter(cls, f"Fastnn{cls.__name__}", classifier_shapes,
                                    convert_classifier,
                                    options={"zipmap": [True, False, "columns"], "nocl": [False]})
    for cls in regressors:
        update_registered_converter(cls, f"Fastnn{cls.__name__}",
                                    calculate_linear_regressor_output_shapes, convert_regressor)
