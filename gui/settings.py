"""Network and training settings, and how they become a compiled ``fastnn.Sequential``.

``Settings`` is a plain dataclass edited by the panels and sent to the worker. ``build_net``
turns it into a network; ``structure_key`` tells which edits need new weights.  The lists of
activations, losses and optimizers come from the library's registries.
"""
from dataclasses import dataclass, field, replace

import fastnn
from fastnn import activations, losses, optim

OPTIMIZERS = tuple(info.label for info in optim.REGISTRY.values())
SCHEDULES = ("none", "step decay", "exponential", "inverse time")
REGULARIZATIONS = ("none", "L1", "L2")
ACTIVATIONS = tuple(activations.REGISTRY)


def losses_for(task):
    """Names of the losses that suit ``task``, its default first."""
    return tuple(loss.name for loss in losses.for_task(task))


def describe(kind, name):
    """The tooltip of one menu item, from the library's registry: ``kind`` is "activation",
    "loss" or "optimizer" (``name`` its label)."""
    if kind == "activation":
        a = activations.get(name)
        return f"{a.formula}   (da/dz = {a.derivative}): {a.description}"
    if kind == "loss":
        loss = losses.get(name)
        return f"{loss.formula}: {loss.description} Targets: {loss.targets}."
    return optimizer_info(name).description


@dataclass
class HiddenLayer:
    """One hidden layer: number of neurons and activation name."""

    units: int = 4
    activation: str = "tanh"


@dataclass
class Settings:
    """Everything the user sets about the network and its training."""

    layers: list = field(default_factory=lambda: [HiddenLayer(4), HiddenLayer(2)])
    loss: str = ""                      # "" = the default loss of the task
    optimizer: str = "SGD"              # a label of fastnn.optim.REGISTRY
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
        return replace(self, layers=[HiddenLayer(h.units, h.activation) for h in layers],
                       **changes)


def batch_rows(settings, n_rows):
    """``batch_size`` as the library takes it: None (full batch) for 0 or a size of at least
    ``n_rows``, else the size."""
    size = settings.batch_size
    return None if size <= 0 or size >= n_rows else int(size)


def loss_for(settings, task):
    """The loss to compile: the chosen one when it suits the task, else the task default."""
    options = losses_for(task)
    return settings.loss if settings.loss in options else options[0]


def n_outputs(loss, task, n_classes):
    """Output units: K for multi-class, 2 for a 2-class softmax, else 1."""
    if task == "multiclass":
        return n_classes
    return 2 if loss == "softmax_cross_entropy" else 1


def structure_key(settings, task, n_inputs):
    """Settings whose change needs freshly initialised weights (layer shapes, loss)."""
    # PReLU adds learned slopes to the parameters, so switching to/from it changes shapes.
    return (n_inputs, tuple((h.units, h.activation == "prelu") for h in settings.layers),
            loss_for(settings, task))


def optimizer_info(label):
    """The :data:`fastnn.optim.REGISTRY` entry shown as ``label``."""
    for info in optim.REGISTRY.values():
        if info.label == label:
            return info
    raise ValueError(f"unknown optimizer '{label}'; expected one of {list(OPTIMIZERS)}")


def make_optimizer(settings):
    """A fresh ``fastnn.optim`` optimizer for the chosen name, lr and schedule."""
    return optimizer_info(settings.optimizer).make(lr=float(settings.lr),
                                                   schedule=make_schedule(settings.schedule))


def make_schedule(name):
    """A per-epoch learning-rate schedule object, or None for a constant rate."""
    if name == "none":
        return None
    if name == "step decay":
        return optim.StepDecay(step_size=100, gamma=0.5)
    if name == "exponential":
        return optim.ExponentialDecay(gamma=0.995)
    if name == "inverse time":
        return optim.InverseTimeDecay(decay_rate=0.01)
    raise ValueError(f"unknown schedule '{name}'; expected one of {list(SCHEDULES)}")


def reg_rates(settings):
    """(l1, l2) penalties for every Dense layer (the layers check the value)."""
    rate = settings.reg_rate
    return (rate if settings.regularization == "L1" else 0.0,
            rate if settings.regularization == "L2" else 0.0)


def build_net(settings, task, n_inputs, n_classes, seed):
    """Build and compile the network described by ``settings``.

    Hidden layers get their own activation; the output Dense layer is linear (the loss adds
    sigmoid/softmax).  A Dropout layer follows every hidden layer, at rate 0 when dropout is
    off, so changing the rate is a live edit.
    """
    loss = loss_for(settings, task)
    l1, l2 = reg_rates(settings)
    layers = []
    for hidden in settings.layers:
        if not 1 <= int(hidden.units) <= 512:
            raise ValueError(f"a hidden layer needs 1..512 neurons, got {hidden.units}")
        layers.append(fastnn.Dense(int(hidden.units), activation=hidden.activation, l1=l1, l2=l2))
        layers.append(fastnn.Dropout(settings.dropout))
    layers.append(fastnn.Dense(n_outputs(loss, task, n_classes), l1=l1, l2=l2))
    net = fastnn.Sequential(layers, input_dim=n_inputs)
    net.compile(loss=loss, optimizer=make_optimizer(settings), backend=settings.backend,
                dtype="float32", seed=int(seed))
    return net


def apply_live(net, settings):
    """Apply the edits that need no new weights: activations, L1/L2, dropout rate, lr."""
    l1, l2 = reg_rates(settings)
    dense = list(net.dense_layers)
    for layer, hidden in zip(dense[:-1], settings.layers):
        layer.activation = hidden.activation
    for layer in dense:
        layer.l1, layer.l2 = l1, l2
    for layer in net.layers:
        if isinstance(layer, fastnn.Dropout):
            layer.rate = settings.dropout


COMPILED_BACKENDS = ("numba", "cuda")    # the back ends that compile kernels when first used


def kernel_key(settings, loss, training):
    """What a compiled back end specialises its kernels on, as these settings set it: the back
    end, the hidden activations, the loss, whether dropout and a penalty are on and (when
    ``training``) the optimizer; None for a back end that compiles nothing (numpy, cython)."""
    if settings.backend not in COMPILED_BACKENDS:
        return None
    acts = tuple(sorted({activations.get(h.activation).name for h in settings.layers}))
    return (settings.backend, acts, loss, settings.dropout > 0,
            settings.regularization != "none" and settings.reg_rate > 0,
            settings.optimizer if training else None)


def kernel_label(key):
    """``"gelu + adam"``-style words for a :func:`kernel_key`."""
    _, acts, loss, dropout, penalty, optimizer = key
    words = list(acts) or ["a linear model"]
    words.append(losses.get(loss).name.replace("_", " "))
    if optimizer:
        words.append(optimizer.lower())
    extras = [w for w, on in (("dropout", dropout), ("L1/L2", penalty)) if on]
    return " + ".join(words) + (f" (with {' and '.join(extras)})" if extras else "")
