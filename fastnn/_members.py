"""The members of a population: configs checked, each turned into the model ``fit`` would train,
and members grouped by what must be shared to train in one kernel.

A *config* is a dict of the keys in :data:`KEYS`; :func:`member` applies one to a copy of the
template, so that ``member(template, config, X, y)`` followed by ``fit`` with the member's
arguments is, by definition, what :func:`fastnn.train_many` computes for that config.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np

from . import _spec as S
from . import activations as acts
from . import callbacks as cb
from . import optim
from .layers import Dropout
from .model import Sequential

# key -> what it means (also the "expected" part of type errors).
KEYS = {
    "seed": "seed of the initial weights (an int; absent: a copy of the template's weights)",
    "shuffle_seed": "seed of the shuffles and dropout masks, fit(seed=...) (an int)",
    "lr": "learning rate (a positive number)",
    "momentum": "SGD/RMSProp momentum (a number in [0, 1))",
    "nesterov": "SGD Nesterov momentum (True or False)",
    "beta1": "Adam beta1 (a number in [0, 1))",
    "beta2": "Adam beta2 (a number in [0, 1))",
    "eps": "AdaGrad/RMSProp/Adam epsilon (a positive number)",
    "alpha": "RMSProp smoothing constant (a number in [0, 1))",
    "lr_decay": "AdaGrad learning-rate decay (a non-negative number)",
    "weight_decay": "weight decay (a non-negative number)",
    "schedule": "learning-rate schedule, a callable (lr, epoch) -> lr, or None",
    "optimizer": "optimizer: a name or a fastnn.optim.Optimizer",
    "l1": "L1 penalty of every Dense layer (a number, or one per Dense layer)",
    "l2": "L2 penalty of every Dense layer (a number, or one per Dense layer)",
    "dropout": "rate of every Dropout layer (a number in [0, 1), or one per Dropout layer)",
    "rows": "training rows: integer indices into X (repeats allowed: bootstrap)",
    "sample_mask": "training rows: a boolean mask over the rows of X",
    "epochs": "epochs to train (a positive int)",
    "batch_size": "rows per mini-batch (a positive int, or None for the full batch)",
    "callbacks": "list of fastnn.callbacks.Callback run on this member after every epoch",
    "model": "a compiled fastnn.Sequential to use instead of the template",
}
OPTIMIZER_KEYS = ("lr", "momentum", "nesterov", "beta1", "beta2", "eps", "alpha", "lr_decay",
                  "weight_decay", "schedule")
_OPTIMIZER_FIELDS = {cls: ("lr", "weight_decay", "schedule") + cls._fields
                     for cls in optim.OPTIMIZERS.values()}


@dataclass
class Member:
    """One network of a population: the model ``fit`` would start from and ``fit``'s arguments.

    ``rows`` are the member's training rows in the population's ``X`` (None: all of them);
    ``label`` names it in messages (default ``configs[index]``); ``weights`` are the sample
    weights of its training rows, in the order of ``rows`` (None: unweighted), as ``fit``'s
    ``sample_weight``.
    """

    index: int
    model: Sequential
    spec: S.NetSpec
    rows: np.ndarray | None
    shuffle_seed: int | None
    epochs: int | None          # None: no limit (a PopulationSession trains while run is called)
    batch_size: int | None
    callbacks: list = field(default_factory=list)
    shuffle: bool = True
    label: str = ""
    weights: np.ndarray | None = None

    def __post_init__(self):
        self.label = self.label or f"configs[{self.index}]"


def check_configs(configs, n_samples):
    """``configs`` as a list of dicts with known keys and values of the right types."""
    if isinstance(configs, dict) or not hasattr(configs, "__len__"):
        raise TypeError(f"configs must be a list of dicts, got {type(configs).__name__}")
    configs = list(configs)
    if not configs:
        raise ValueError("configs is empty; give at least one dict (e.g. [{'seed': 0}]), one per "
                         "network to train")
    for i, config in enumerate(configs):
        if not isinstance(config, dict):
            raise TypeError(f"configs[{i}] must be a dict, got {type(config).__name__}")
        unknown = sorted(set(config) - set(KEYS), key=str)
        if unknown:
            raise ValueError(f"configs[{i}] has unknown key {unknown[0]!r}; allowed keys are "
                             f"{sorted(KEYS)}")
        for key, value in config.items():
            _check_type(f"configs[{i}][{key!r}]", key, value, n_samples)
    return configs


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _check_type(where, key, value, n_samples):
    ok = True
    if key in ("seed", "shuffle_seed"):
        ok = value is None or (isinstance(value, Integral) and not isinstance(value, bool)
                               and value >= 0)
    elif key in OPTIMIZER_KEYS[:-1] and key != "nesterov":
        ok = _is_number(value) and math.isfinite(value)
    elif key == "nesterov":
        ok = isinstance(value, (bool, np.bool_))
    elif key == "schedule":
        ok = value is None or callable(value)
    elif key == "optimizer":
        ok = isinstance(value, (str, optim.Optimizer))
    elif key in ("l1", "l2", "dropout"):
        ok = _is_number(value) or (isinstance(value, (list, tuple, np.ndarray))
                                   and all(_is_number(v) for v in value))
    elif key == "epochs":
        ok = isinstance(value, Integral) and not isinstance(value, bool) and value >= 1
    elif key == "batch_size":
        ok = value is None or (isinstance(value, Integral) and not isinstance(value, bool)
                               and value >= 1)
    elif key == "callbacks":
        ok = isinstance(value, (list, tuple)) and all(isinstance(c, cb.Callback) for c in value)
    elif key == "model":
        ok = isinstance(value, Sequential) and value.loss is not None
    elif key == "rows":
        arr = np.asarray(value)
        ok = arr.ndim == 1 and arr.size > 0 and arr.dtype.kind in "iu"
        if ok and (arr.min() < 0 or arr.max() >= n_samples):
            raise ValueError(f"{where} holds row {int(arr.min() if arr.min() < 0 else arr.max())}"
                             f" but X has {n_samples} rows (0..{n_samples - 1})")
    elif key == "sample_mask":
        arr = np.asarray(value)
        ok = arr.dtype == bool and arr.shape == (n_samples,)
        if ok and not arr.any():
            raise ValueError(f"{where} selects no row; a member needs at least one training row")
    if not ok:
        shown = value if not hasattr(value, "__len__") or len(repr(value)) < 60 else \
            f"{type(value).__name__} of length {len(value)}"
        if key == "sample_mask":
            shown = f"{np.asarray(value).dtype} array of shape {np.asarray(value).shape}"
        raise TypeError(f"{where} must be {KEYS[key]}; got {shown!r}"
                        + (f" (X has {n_samples} rows)" if key == "sample_mask" else ""))


_KEEP = object()


def copy_model(model, input_dim=None, seed=_KEEP):
    """An independent copy of a compiled ``Sequential``: its layers, loss, optimizer (schedule
    included), back end, dtype, weights, optimizer state and epoch/step counters; or, given a
    ``seed``, fresh initial weights drawn with it (as ``compile(seed=seed)``)."""
    # the layers hold only validated scalars and names: a shallow copy is an independent layer
    clone = Sequential([copy.copy(layer) for layer in model.layers],
                       input_dim=model.input_dim or input_dim)
    fresh = seed is not _KEEP
    clone.compile(model.loss, copy.deepcopy(model.optimizer), backend=model.backend,
                  dtype=np.dtype(model.dtype).name, seed=seed if fresh else model.seed)
    if model.params is not None and not fresh:
        clone.params = model.params.copy()
        clone.opt_state = None if model.opt_state is None else model.opt_state.copy()
        clone.epoch, clone.step = model.epoch, model.step
    return clone


def member(index, template, config, n_features, n_samples, epochs, batch_size, shuffle_seed,
           shuffle=True):
    """The :class:`Member` for ``config`` (checked by :func:`check_configs`)."""
    where = f"configs[{index}]"
    model = copy_model(config.get("model", template), n_features, config.get("seed", _KEEP))
    _set_layers(model, config, where)
    _set_optimizer(model, config, where)
    rows = None
    if "rows" in config:
        rows = np.asarray(config["rows"], dtype=np.int64)
    elif "sample_mask" in config:
        rows = np.flatnonzero(np.asarray(config["sample_mask"])).astype(np.int64)
    return Member(index, model, spec_of(model), rows, config.get("shuffle_seed", shuffle_seed),
                  int(config["epochs"]) if "epochs" in config else epochs,
                  config.get("batch_size", batch_size),
                  list(config.get("callbacks", ())), bool(shuffle))


def _per_layer(value, layers, where, key, what):
    values = [value] * len(layers) if _is_number(value) else list(value)
    if len(values) != len(layers):
        raise ValueError(f"{where}[{key!r}] has {len(values)} values but the model has "
                         f"{len(layers)} {what}")
    return values


def _set_layers(model, config, where):
    dense = model.dense_layers
    dropouts = [layer for layer in model.layers if isinstance(layer, Dropout)]
    for key in ("l1", "l2"):
        if key in config:
            for layer, value in zip(dense, _per_layer(config[key], dense, where, key,
                                                      "Dense layers")):
                _checked(setattr, where, key, layer, key, float(value))
    if "dropout" in config:
        if not dropouts:
            raise ValueError(f"{where}['dropout'] sets the rate of the model's Dropout layers, "
                             f"but it has none; add fastnn.Dropout(0.0) where dropout should act")
        for layer, value in zip(dropouts, _per_layer(config["dropout"], dropouts, where,
                                                     "dropout", "Dropout layers")):
            _checked(setattr, where, "dropout", layer, "rate", float(value))


def _set_optimizer(model, config, where):
    if "optimizer" in config:
        model.optimizer = _checked(optim.get, where, "optimizer", copy.deepcopy(config["optimizer"]))
        model.opt_state, model.step = None, 0
    allowed = _OPTIMIZER_FIELDS[type(model.optimizer)]
    for key in OPTIMIZER_KEYS:
        if key not in config:
            continue
        if key not in allowed:
            raise ValueError(f"{where}[{key!r}]: {type(model.optimizer).__name__} has no "
                             f"hyper-parameter {key!r}; its are {list(allowed)}")
        _checked(setattr, where, key, model.optimizer, key, config[key])
    if isinstance(model.optimizer, optim.SGD):
        _checked(lambda o: o._pack(np.zeros(S.OPT_SIZE)), where, "nesterov", model.optimizer)


def _checked(function, where, key, *args):
    """``function(*args)``, its ValueError prefixed with where the value came from."""
    try:
        return function(*args)
    except ValueError as exc:
        raise ValueError(f"{where}[{key!r}]: {exc}") from None


# --- grouping -------------------------------------------------------------------------------------


def spec_of(model):
    """The :class:`~fastnn._spec.NetSpec` of a model with weights."""
    return model._spec()


def group_key(m: Member, backend):
    """What members must share to train in one kernel, as ``{what: value}``."""
    spec = m.spec
    return {
        "architecture": "-".join(str(int(s)) for s in spec.sizes),
        "activations": ", ".join(acts.BY_CODE[int(c)].name for c in spec.act)
        + "".join(f" (alpha {a:g})" for a in spec.act_alpha if a),
        "loss": m.model.loss,
        "trained biases": _biases(spec.train_bias),
        "penalty": "divided by each batch's weight sum" if spec.penalty_per_weight
        else "added as it is",
        "optimizer kind": type(m.model.optimizer).__name__,
        "dtype": np.dtype(m.model.dtype).name,
        "back end": backend or m.model.backend,
        "batch size": "full" if m.batch_size is None else str(m.batch_size),
    }


def _biases(train_bias):
    if train_bias.all():
        return "all"
    if not train_bias.any():
        return "none"
    return "layers " + ", ".join(str(i) for i in np.flatnonzero(train_bias))


def group(members, backend):
    """Members in groups that can share a kernel: ``[(key, [member, ...]), ...]`` in order of
    first appearance."""
    groups: dict = {}
    for m in members:
        key = group_key(m, backend)
        groups.setdefault(tuple(key.items()), (key, []))[1].append(m)
    return list(groups.values())


def describe_split(groups) -> str:
    """Why the members were split: which configs went where, and what differs."""
    keys = [key for key, _ in groups]
    differ = [what for what in keys[0] if len({k[what] for k in keys}) > 1]
    parts = []
    for key, members in groups:
        indices = [m.index for m in members]
        shown = indices if len(indices) <= 8 else indices[:8] + ["..."]
        parts.append(f"configs {shown} ({'; '.join(f'{w} {key[w]}' for w in differ)})")
    return (f"the {sum(len(ms) for _, ms in groups)} configs form {len(groups)} populations "
            f"trained one after another, because they differ in {', '.join(differ)}: "
            + ", ".join(parts))
