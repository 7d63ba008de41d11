"""fastnn: train linear models and multilayer perceptrons fast, and watch them learn.

>>> import fastnn
>>> net = fastnn.Sequential([fastnn.Dense(16, activation="tanh"), fastnn.Dense(3)], input_dim=2)
>>> net.compile(loss="softmax_cross_entropy", optimizer=fastnn.optim.Adam(lr=1e-2))

The scikit-learn-style estimators (``fastnn.MLPClassifier``...), the populations
(``fastnn.train_many``, ``fastnn.Population``) and the ONNX export (``fastnn.onnx``, with
``pip install "fastnn[onnx]"``) are imported on first use, so ``import fastnn`` does not pay
for scikit-learn, onnx or the population kernels.
"""
import importlib

from . import activations, backends, callbacks, datasets, losses, optim, preprocessing
from ._modelfile import ModelFileError
from ._threads import get_num_threads, set_num_threads
from .gradcheck import gradcheck
from .io import load, save
from .layers import Dense, Dropout
from .model import DivergenceError, Sequential
from .session import Session

__version__ = "0.1.0"
_ESTIMATORS = ("MLPClassifier", "MLPRegressor", "LinearRegression", "LogisticRegression",
               "SoftmaxRegression")
_POPULATION = ("train_many", "Population", "PopulationSession")
__all__ = ["Sequential", "Session", "Dense", "Dropout", "DivergenceError", "optim", "callbacks",
           "backends", "activations", "datasets", "losses", "preprocessing", "gradcheck", "save",
           "load", "ModelFileError", "set_num_threads", "get_num_threads", "__version__",
           *_POPULATION, *_ESTIMATORS]


def __getattr__(name):
    """The estimators (and ``fastnn.estimators``), ``train_many``/``Population`` and
    ``fastnn.onnx``, imported when first asked for."""
    if name in _ESTIMATORS or name == "estimators":
        estimators = importlib.import_module(f"{__name__}.estimators")
        return estimators if name == "estimators" else getattr(estimators, name)
    if name in _POPULATION:
        return getattr(importlib.import_module(f"{__name__}.population"), name)
    if name == "onnx":
        return importlib.import_module(f"{__name__}.onnx")
    raise AttributeError(f"module 'fastnn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
