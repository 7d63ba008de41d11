"""The losses: one registry of names, aliases, integer codes, descriptions and the tasks they suit.

The GUI, the command line and the estimators read this instead of keeping their own lists; the
kernels see only the integer ``code`` (see :mod:`fastnn._spec`).  Each loss is computed on the
network's raw outputs ``z`` (the last Dense layer must be linear for the three classification
losses, which apply their own link):

>>> from fastnn import losses
>>> losses.get("bce").name, losses.default_for("multiclass").name
('binary_cross_entropy', 'softmax_cross_entropy')
"""
from __future__ import annotations

from dataclasses import dataclass

MSE, BCE, SOFTMAX_CE, HINGE = range(4)
TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class Loss:
    """One loss.

    Attributes
    ----------
    name : str
        Canonical name (what ``compile(loss=...)`` stores).
    code : int
        Integer code the kernels switch on.
    formula : str
        Per-sample loss on the outputs ``z`` and targets ``y``.
    description : str
        One sentence for tooltips and help texts.
    targets : str
        What ``y`` must hold.
    link : str or None
        What ``predict`` applies to the outputs: ``"softmax"``, ``"sigmoid"`` or None.
    classification : bool
        Whether the loss trains a classifier (and ``fit`` logs an accuracy).
    tasks : tuple of str
        The tasks (:data:`TASKS`) the loss suits.
    aliases : tuple of str
        Other accepted names.
    """

    name: str
    code: int
    formula: str
    description: str
    targets: str
    link: str | None
    classification: bool
    tasks: tuple
    aliases: tuple = ()


REGISTRY = (
    Loss("mse", MSE, "1/2 sum_j (z_j - y_j)^2",
         "Half the squared error; its gradient is z - y. For regression (or scores).",
         "any finite values, one column per output", None, False, TASKS,
         ("mean_squared_error",)),
    Loss("binary_cross_entropy", BCE, "sum_j max(z,0) - z*y + log(1 + exp(-|z|))",
         "Cross-entropy of a sigmoid on each output: one unit for two classes, or one per "
         "label (one-vs-rest); gradient sigmoid(z) - y.",
         "0/1 labels or probabilities in [0, 1]", "sigmoid", True, ("binary",), ("bce",)),
    Loss("softmax_cross_entropy", SOFTMAX_CE, "logsumexp(z) - y . z",
         "Cross-entropy of a softmax over the outputs (one unit per class); gradient "
         "softmax(z) - y.",
         "integer labels 0..K-1 or one-hot rows", "softmax", True, ("binary", "multiclass"),
         ("categorical_cross_entropy", "cross_entropy")),
    Loss("hinge", HINGE, "sum_j max(0, 1 - y z)",
         "The SVM margin loss on +-1 labels; outputs above 0 mean class 1.",
         "0/1 or -1/+1 labels", None, True, ("binary",)),
)
BY_CODE = tuple(sorted(REGISTRY, key=lambda loss: loss.code))
NAMES = {name: loss for loss in REGISTRY for name in (loss.name,) + loss.aliases}
_DEFAULTS = {"binary": BCE, "multiclass": SOFTMAX_CE, "regression": MSE}


def get(name) -> Loss:
    """The loss called ``name`` (or an alias; case-insensitive).

    Raises ``ValueError`` listing the valid names for an unknown one.
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in NAMES:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(NAMES)}")
    return NAMES[key]


def _check_task(task):
    if task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}")


def default_for(task) -> Loss:
    """The loss to train ``task`` ("binary", "multiclass" or "regression") with by default."""
    _check_task(task)
    return BY_CODE[_DEFAULTS[task]]


def for_task(task) -> tuple:
    """The losses that suit ``task``, its default first."""
    _check_task(task)
    default = default_for(task)
    return (default,) + tuple(loss for loss in REGISTRY if task in loss.tasks and loss != default)
