"""``class_weight`` of the logistic and softmax models, as scikit-learn computes it: each
sample's weight is multiplied by the weight of its class."""
from __future__ import annotations

import numpy as np

from .._validation import check_number


def class_weights(class_weight, classes, y, sample_weight=None):
    """The weight of each class in ``classes`` (sorted labels) for ``class_weight``:

    * None: all 1;
    * ``"balanced"``: ``sum(w) / (n_classes * sum of w over the class)`` (``w`` the sample
      weights, 1 when None), so every class carries the same total weight;
    * a dict ``{label: weight}``: the given weights, 1 for the classes it leaves out.
    """
    n_classes = len(classes)
    if class_weight is None:
        return np.ones(n_classes)
    codes = np.searchsorted(classes, y)
    if isinstance(class_weight, str) and class_weight == "balanced":
        counts = np.bincount(codes, weights=sample_weight, minlength=n_classes)
        with np.errstate(divide="ignore"):
            return np.where(counts > 0, counts.sum() / (n_classes * counts), 1.0)
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}, "
                         f"got {class_weight!r}")
    unknown = [label for label in class_weight if label not in set(classes.tolist())]
    if unknown:
        raise ValueError(f"class_weight has labels {unknown} that are not classes of y "
                         f"({classes.tolist()})")
    weights = np.ones(n_classes)
    for index, label in enumerate(classes.tolist()):
        if label in class_weight:
            weights[index] = float(check_number(class_weight[label], f"class_weight[{label!r}]",
                                                low=0))
    return weights


def sample_weights(class_weight, classes, y, sample_weight):
    """``sample_weight`` (None: all 1) times the class weight of each sample's label; None when
    both are absent."""
    if class_weight is None:
        return sample_weight
    per_class = class_weights(class_weight, classes, y, sample_weight)
    weights = per_class[np.searchsorted(classes, y)]
    return weights if sample_weight is None else weights * sample_weight
