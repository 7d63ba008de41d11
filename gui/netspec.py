"""Network and training settings, and how they become a compiled ``fastnn.Sequential``.

``Settings`` is a plain dataclass edited by the panels and sent to the worker. ``build_net``
turns it into a network; ``structure_key`` tells which edits need new weights.
"""
from dataclasses import dataclass, field, replace

import numpy as np

OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")
SCHEDULES = ("none", "step decay", "exponential", "inverse time")
REGULARIZATIONS = ("none", "L1", "L2")
# The library's activations (fastnn._spec.ACTIVATIONS without its aliases).
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu", "prelu")

LOSSES = {
    "binary": ("binary_cross_entropy", "softmax_cross_entropy", "hinge", "mse"),
    "multiclass": ("softmax_cross_entropy", "mse"),
    "regression": ("mse",),
}


@dataclass
class LayerSpec:
    """One hidden layer: number of neurons and activation name."""

    units: int = 4
    activation: str = "tanh"


@dataclass
class Settings:
    """Everything the user sets about the network and its training."""

    layers: list = field(default_factory=lambda: [LayerSpec(4), LayerSpec(2)])
    loss: str = ""                      # "" = the default loss of the task
    optimizer: str = "SGD"
    lr: float = 0.03
    schedule: str = "none"
    regularization: str = "none"
    reg_rate: float = 0.0
    batch_size: int = 10
    dropout: float = 0.0
    backend: str = "numpy"
    seed: int = 0

    def copy(self, **changes):
        """A deep-enough copy (layers duplicated) with ``changes`` applied."""
        layers = changes.pop("layers", self.layers)
        return replace(self, layers=[LayerSpec(l.units, l.activation) for l in layers],
                       **changes)


def loss_for(settings, task):
    """The loss to compile: the chosen one when it suits the task, else the task default."""
    options = LOSSES[task]
    return settings.loss if settings.loss in options else options[0]


def n_outputs(loss, task, n_classes):
    """Output units: K for multi-class, 2 for a 2-class softmax, else 1."""
    if task == "multiclass":
        return n_classes
    return 2 if loss == "softmax_cross_entropy" else 1


def structure_key(settings, task, n_inputs):
    """Settings whose change needs freshly initialised weights (layer shapes, loss)."""
    # PReLU adds learned slopes to the parameters, so switching to/from it changes shapes.
    return (n_inputs, tuple((l.units, l.activation == "prelu") for l in settings.layers),
            loss_for(settings, task))


def make_optimizer(settings):
    """A fresh ``fastnn.optim`` optimizer for the chosen name, lr and schedule."""
    import fastnn
    opt = fastnn.optim
    name, lr = settings.optimizer, float(settings.lr)
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning rate must be a positive number, got {settings.lr}")
    schedule = make_schedule(settings.schedule)
    kwargs = {"schedule": schedule} if schedule is not None else {}
    if name == "SGD":
        return opt.SGD(lr=lr, **kwargs)
    if name == "Momentum":
        return opt.SGD(lr=lr, momentum=0.9, **kwargs)
    if name == "Nesterov":
        return opt.SGD(lr=lr, momentum=0.9, nesterov=True, **kwargs)
    classes = {"AdaGrad": "AdaGrad", "RMSProp": "RMSProp", "Adam": "Adam"}
    if name not in classes:
        raise ValueError(f"unknown optimizer '{name}'; expected one of {list(OPTIMIZERS)}")
    return getattr(opt, classes[name])(lr=lr, **kwargs)


def make_schedule(name):
    """A per-epoch learning-rate schedule object, or None for a constant rate."""
    import fastnn
    opt = fastnn.optim
    if name == "none":
        return None
    if name == "step decay":
        return opt.StepDecay(step_size=100, gamma=0.5)
    if name == "exponential":
        return opt.ExponentialDecay(gamma=0.995)
    if name == "inverse time":
        return opt.InverseTimeDecay(decay_rate=0.01)
    raise ValueError(f"unknown schedule '{name}'; expected one of {list(SCHEDULES)}")


def reg_rates(settings):
    """(l1, l2) penalties for every Dense layer."""
    rate = float(settings.reg_rate)
    if not np.isfinite(rate) or rate < 0:
        raise ValueError(f"regularization rate must be >= 0, got {settings.reg_rate}")
    return (rate if settings.regularization == "L1" else 0.0,
            rate if settings.regularization == "L2" else 0.0)


def build_net(settings, task, n_inputs, n_classes, seed):
    """Build and compile the network described by ``settings``.

    Hidden layers get their own activation; the output Dense layer is linear (the loss adds
    sigmoid/softmax). A Dropout layer follows every hidden layer when ``dropout > 0``.
    """
    import fastnn
    loss = loss_for(settings, task)
    l1, l2 = reg_rates(settings)
    if not 0.0 <= settings.dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {settings.dropout}")
    layers = []
    for spec in settings.layers:
        if not 1 <= int(spec.units) <= 512:
            raise ValueError(f"a hidden layer needs 1..512 neurons, got {spec.units}")
        layers.append(fastnn.Dense(int(spec.units), activation=spec.activation, l1=l1, l2=l2))
        if settings.dropout > 0:
            layers.append(fastnn.Dropout(float(settings.dropout)))
    layers.append(fastnn.Dense(n_outputs(loss, task, n_classes), l1=l1, l2=l2))
    net = fastnn.Sequential(layers, input_dim=n_inputs)
    net.compile(loss=loss, optimizer=make_optimizer(settings), backend=settings.backend,
                dtype="float32", seed=int(seed))
    return net


def recompile(net, settings, task):
    """Recompile ``net`` with a new optimizer/back end; fastnn keeps the trained weights."""
    net.compile(loss=loss_for(settings, task), optimizer=make_optimizer(settings),
                backend=settings.backend, dtype="float32", seed=int(settings.seed))


def apply_live(net, settings):
    """Apply the edits that need no recompile: activations, L1/L2, dropout rate, lr."""
    l1, l2 = reg_rates(settings)
    dense = list(net.dense_layers)
    for layer, spec in zip(dense[:-1], settings.layers):
        layer.activation = spec.activation
    for layer in dense:
        layer.l1, layer.l2 = l1, l2
    for layer in net.layers:
        if hasattr(layer, "rate"):
            layer.rate = float(settings.dropout)
    net.optimizer.lr = float(settings.lr)
