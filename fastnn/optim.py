"""Optimizers with PyTorch's documented update rules and defaults, and learning-rate schedules.

With gradient ``g`` (plus ``weight_decay * p`` when set) at step ``t`` (1-based):

* :class:`SGD`:      ``buf = momentum*buf + g``; ``g = g + momentum*buf`` (Nesterov) or ``buf``;
  ``p -= lr*g``  (Sutskever et al. 2013, as in ``torch.optim.SGD`` with dampening 0)
* :class:`AdaGrad`:  ``s += g²``; ``p -= lr/(1+(t-1)*lr_decay) * g/(sqrt(s)+eps)``  (Duchi et al. 2011)
* :class:`RMSProp`:  ``s = alpha*s + (1-alpha)*g²``; ``u = g/(sqrt(s)+eps)``; with momentum
  ``buf = momentum*buf + u``, ``u = buf``; ``p -= lr*u``  (Hinton, Coursera lecture 6e)
* :class:`Adam`:     ``m = b1*m + (1-b1)*g``; ``v = b2*v + (1-b2)*g²``;
  ``p -= lr/(1-b1^t) * m/(sqrt(v)/sqrt(1-b2^t) + eps)``  (Kingma & Ba 2015)

Schedules set the learning rate of each epoch ``e`` (0-based) from the base rate, like PyTorch's
epoch-wise ``lr_scheduler``; pass one as ``schedule=``.
"""
from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from numbers import Real

import numpy as np

from . import _spec as S


def _positive(value, name, allow_zero=False):
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        need = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{name} must be {need} finite number, got {value!r}")
    return float(value)


def _fraction(value, name):
    _positive(value, name, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


def _learning_rate(value, name):
    return _positive(value, "learning rate lr")


def _non_negative(value, name):
    return _positive(value, name, allow_zero=True)


def _schedule(value, name):
    if value is not None and not callable(value):
        raise ValueError(f"{name} must be callable (lr, epoch) -> lr, got {value!r}")
    return value


class _Checked:
    """A hyper-parameter checked by ``check(value, name)`` on every assignment, so a value changed
    after construction (by a user or the GUI) is refused at once instead of inside a kernel."""

    def __init__(self, check):
        self.check = check

    def __set_name__(self, owner, name):
        self.name, self.slot = name, "_" + name

    def __get__(self, obj, owner=None):
        return self if obj is None else getattr(obj, self.slot)

    def __set__(self, obj, value):
        setattr(obj, self.slot, self.check(value, self.name))


# --- learning-rate schedules -----------------------------------------------------------------------


class StepDecay:
    """``lr * gamma ** (epoch // step_size)`` (PyTorch ``StepLR``)."""

    def __init__(self, step_size, gamma=0.1):
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = step_size, _positive(gamma, "gamma")

    def __call__(self, lr, epoch):
        return lr * self.gamma ** (epoch // self.step_size)

    def get_config(self):
        return {"type": "StepDecay", "step_size": self.step_size, "gamma": self.gamma}


class ExponentialDecay:
    """``lr * gamma ** epoch`` (PyTorch ``ExponentialLR``)."""

    def __init__(self, gamma):
        self.gamma = _positive(gamma, "gamma")

    def __call__(self, lr, epoch):
        return lr * self.gamma ** epoch

    def get_config(self):
        return {"type": "ExponentialDecay", "gamma": self.gamma}


class InverseTimeDecay:
    """``lr / (1 + decay_rate * epoch / decay_steps)``."""

    def __init__(self, decay_rate, decay_steps=1):
        self.decay_rate = _positive(decay_rate, "decay_rate", allow_zero=True)
        self.decay_steps = _positive(decay_steps, "decay_steps")

    def __call__(self, lr, epoch):
        return lr / (1 + self.decay_rate * epoch / self.decay_steps)

    def get_config(self):
        return {"type": "InverseTimeDecay", "decay_rate": self.decay_rate,
                "decay_steps": self.decay_steps}


SCHEDULES = {cls.__name__: cls for cls in (StepDecay, ExponentialDecay, InverseTimeDecay)}


# --- optimizers ------------------------------------------------------------------------------------


class Optimizer(ABC):
    """Base class: hyper-parameters, validated on assignment, packed into the kernels' vector."""

    code = -1
    _fields: tuple = ()
    squared_rows: tuple = ()    # rows of the (2, n_params) state holding squared gradients (>= 0)
    lr = _Checked(_learning_rate)        # the base rate; a schedule scales it per epoch
    weight_decay = _Checked(_non_negative)
    schedule = _Checked(_schedule)

    def __init__(self, lr, weight_decay=0.0, schedule=None):
        self.lr = lr
        self.weight_decay = weight_decay
        self.schedule = schedule

    def lr_at(self, epoch: int) -> float:
        """Learning rate used during ``epoch`` (0-based)."""
        lr = self.schedule(self.lr, epoch) if self.schedule else self.lr
        return _positive(lr, f"scheduled learning rate at epoch {epoch}")

    def pack(self, epoch: int) -> np.ndarray:
        """The float64 hyper-parameter vector the kernels read (slots ``fastnn._spec.OPT_*``)."""
        opt = np.zeros(S.OPT_SIZE)
        opt[S.OPT_CODE] = self.code
        opt[S.OPT_LR] = self.lr_at(epoch)
        opt[S.OPT_WEIGHT_DECAY] = self.weight_decay
        opt[S.OPT_EPS] = 1.0   # overwritten by optimizers that divide; keeps unused slots harmless
        opt[S.OPT_BETA1] = opt[S.OPT_BETA2] = 0.0
        self._pack(opt)
        return opt

    def pack_epochs(self, first: int, count: int) -> np.ndarray:
        """:meth:`pack` of epochs ``first .. first + count - 1`` as rows of one (count, OPT_SIZE)
        array (only the learning rate can differ between them)."""
        opts = np.repeat(self.pack(first)[None, :], count, axis=0)
        if self.schedule:
            opts[1:, S.OPT_LR] = [self.lr_at(first + e) for e in range(1, count)]
        return opts

    @abstractmethod
    def _pack(self, opt):
        """Write this optimizer's own slots of ``opt``."""

    def get_config(self) -> dict:
        config = {"type": type(self).__name__, "lr": self.lr, "weight_decay": self.weight_decay}
        config.update({name: getattr(self, name) for name in self._fields})
        config["schedule"] = self.schedule.get_config() if hasattr(self.schedule, "get_config") else None
        return config

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "type" and v)
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum."""

    code = S.SGD
    _fields = ("momentum", "nesterov")
    momentum = _Checked(_fraction)
    nesterov = _Checked(lambda value, name: bool(value))

    def __init__(self, lr=1e-3, momentum=0.0, nesterov=False, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.momentum = momentum
        self.nesterov = nesterov
        self._check_nesterov()

    def _check_nesterov(self):
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs a momentum > 0 (as in PyTorch)")

    def _pack(self, opt):
        self._check_nesterov()      # momentum may have been set to 0 after construction
        opt[S.OPT_MOMENTUM] = self.momentum
        opt[S.OPT_NESTEROV] = float(self.nesterov)


class AdaGrad(Optimizer):
    """AdaGrad: per-parameter rates shrinking with the accumulated squared gradients."""

    code = S.ADAGRAD
    _fields = ("lr_decay", "eps")
    squared_rows = (0,)
    lr_decay = _Checked(_non_negative)
    eps = _Checked(_positive)

    def __init__(self, lr=0.01, lr_decay=0.0, eps=1e-10, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.lr_decay, self.eps = lr_decay, eps

    def _pack(self, opt):
        opt[S.OPT_LR_DECAY] = self.lr_decay
        opt[S.OPT_EPS] = self.eps


class RMSProp(Optimizer):
    """RMSProp: divide by a running root mean square of the gradients."""

    code = S.RMSPROP
    _fields = ("alpha", "eps", "momentum")
    squared_rows = (0,)
    alpha = _Checked(_fraction)
    eps = _Checked(_positive)
    momentum = _Checked(_fraction)

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.alpha, self.eps, self.momentum = alpha, eps, momentum

    def _pack(self, opt):
        opt[S.OPT_ALPHA] = self.alpha
        opt[S.OPT_EPS] = self.eps
        opt[S.OPT_MOMENTUM] = self.momentum


class Adam(Optimizer):
    """Adam: bias-corrected first and second moment estimates."""

    code = S.ADAM
    _fields = ("beta1", "beta2", "eps")
    squared_rows = (1,)
    beta1 = _Checked(_fraction)
    beta2 = _Checked(_fraction)
    eps = _Checked(_positive)

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def _pack(self, opt):
        opt[S.OPT_BETA1] = self.beta1
        opt[S.OPT_BETA2] = self.beta2
        opt[S.OPT_EPS] = self.eps


OPTIMIZERS = {"sgd": SGD, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam}


@dataclass(frozen=True)
class OptimizerInfo:
    """One entry of :data:`REGISTRY`: an optimizer class with preset hyper-parameters.

    Attributes: ``name`` (what :func:`get` accepts), ``label`` (for menus), ``cls``, ``preset``
    (hyper-parameters that differ from the class defaults) and ``description``.
    """

    name: str
    label: str
    cls: type
    preset: dict
    description: str

    @property
    def defaults(self) -> dict:
        """Every hyper-parameter of this entry with its default value (``schedule`` aside)."""
        signature = inspect.signature(self.cls)
        values = {k: p.default for k, p in signature.parameters.items() if k != "schedule"}
        return {**values, **self.preset}

    def make(self, **hyper) -> Optimizer:
        """A new optimizer of this entry, ``hyper`` overriding its defaults."""
        return self.cls(**{**self.preset, **hyper})


REGISTRY = {info.name: info for info in (
    OptimizerInfo("sgd", "SGD", SGD, {}, "Plain stochastic gradient descent: p -= lr * g."),
    OptimizerInfo("momentum", "Momentum", SGD, {"momentum": 0.9},
                  "SGD with heavy-ball momentum 0.9: a running sum of gradients smooths steps."),
    OptimizerInfo("nesterov", "Nesterov", SGD, {"momentum": 0.9, "nesterov": True},
                  "SGD with Nesterov momentum 0.9: the step looks ahead along the momentum."),
    OptimizerInfo("adagrad", "AdaGrad", AdaGrad, {},
                  "Per-parameter rates that shrink with the squared gradients seen so far."),
    OptimizerInfo("rmsprop", "RMSProp", RMSProp, {},
                  "Divides by a running root mean square of the gradients (decay 0.99)."),
    OptimizerInfo("adam", "Adam", Adam, {},
                  "Bias-corrected running means of the gradients and their squares."),
)}


def get(optimizer) -> Optimizer:
    """An optimizer from an instance or a :data:`REGISTRY` name (``sgd``, ``momentum``,
    ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``) with its default hyper-parameters."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in REGISTRY:
        return REGISTRY[optimizer.lower()].make()
    raise ValueError(f"unknown optimizer {optimizer!r}; expected an Optimizer or one of "
                     f"{sorted(REGISTRY)}")


def from_config(config: dict) -> Optimizer:
    """Rebuild an optimizer from :meth:`Optimizer.get_config` output."""
    config = dict(config)
    kind = config.pop("type", None)
    classes = {cls.__name__: cls for cls in OPTIMIZERS.values()}
    if kind not in classes:
        raise ValueError(f"unknown optimizer type {kind!r}; expected one of {sorted(classes)}")
    schedule = config.pop("schedule", None)
    if schedule:
        schedule = dict(schedule)
        name = schedule.pop("type", None)
        if name not in SCHEDULES:
            raise ValueError(f"unknown schedule type {name!r}; expected one of {sorted(SCHEDULES)}")
        config["schedule"] = SCHEDULES[name](**schedule)
    return classes[kind](**config)
