"""fastnn: train linear models and multilayer perceptrons fast, and watch them learn.

>>> import fastnn
>>> net = fastnn.Sequential([fastnn.Dense(16, activation="tanh"), fastnn.Dense(3)], input_dim=2)
>>> net.compile(loss="softmax_cross_entropy", optimizer=fastnn.optim.Adam(lr=1e-2))
"""
from . import backends, callbacks, datasets, optim, preprocessing
from ._threads import get_num_threads, set_num_threads
from ._modelfile import ModelFileError
from .gradcheck import gradcheck
from .io import load, save
from .layers import Dense, Dropout
from .model import DivergenceError, Sequential
from .population import Population, train_many
from .estimators import (LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor,
                         SoftmaxRegression)

__version__ = "0.1.0"
__all__ = ["Sequential", "Dense", "Dropout", "DivergenceError", "train_many", "Population", "optim", "callbacks", "backends",
           "datasets", "preprocessing",
           "gradcheck", "save", "load", "ModelFileError", "set_num_threads", "get_num_threads", "__version__",
           "MLPClassifier", "MLPRegressor", "LinearRegression", "LogisticRegression",
           "SoftmaxRegression"]
