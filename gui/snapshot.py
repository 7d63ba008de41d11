"""What the worker sends to the window: copies of the history and of every view's data.

A ``Snapshot`` holds plain NumPy arrays only, so it crosses threads safely by reference.
"""
from dataclasses import dataclass

import numpy as np

from . import features as feats
from . import step_trace
from .problem import THUMB_RES

N_MISCLASSIFIED = 32   # misclassified digits shown
N_SAMPLES = 64         # digits in the sample grid


def class_scores(pred, loss, task):
    """Map raw network predictions to class scores.

    Returns (n,) P(class 1) in [0, 1] for binary tasks and (n, K) probability-like rows for
    multi-class tasks. Hinge outputs (margins) map to [0, 1] by (v + 1) / 2, clipped.
    """
    pred = np.asarray(pred, dtype=np.float32)
    if task == "multiclass":
        if loss == "softmax_cross_entropy":
            return pred
        pos = np.clip(pred, 0.0, None) + 1e-6
        return pos / pos.sum(axis=1, keepdims=True)
    if pred.ndim == 2 and pred.shape[1] == 2:
        return pred[:, 1]
    pred = pred.reshape(len(pred))
    if loss == "hinge":
        return np.clip((pred + 1.0) / 2.0, 0.0, 1.0)
    return np.clip(pred, 0.0, 1.0)


def surface_values(pred, loss, problem):
    """The output view's array (see :attr:`Snapshot.surface`) from the raw predictions ``pred``
    of a network on ``problem``'s surface grid."""
    if problem.task == "regression":
        values = np.asarray(pred, dtype=np.float32).reshape(len(pred))
    else:
        values = class_scores(pred, loss, problem.task)
    if problem.n_raw == 2:
        res = int(round(np.sqrt(len(pred))))
        values = values.reshape((res, res) + values.shape[1:])
    return np.ascontiguousarray(values, dtype=np.float32)


@dataclass
class ViewRequests:
    """What the window asks the worker to add to its snapshots.

    focus : ``(column, unit)`` of the neuron under the mouse in the diagram (column 0: the input
            features, k: the k-th Dense layer), or None.
    pad : (784,) float32 digit drawn on the pad, or None.
    inspect : index of the training sample the step-through view follows, or None (the view is
              hidden: no trace, no weight copies).
    """

    focus: tuple = None
    pad: np.ndarray = None
    inspect: int = None


@dataclass
class Snapshot:
    """State of one training run at one epoch (arrays are copies).

    surface : binary (R, R) P(class 1); multiclass (R, R, K); 2-D regression (R, R) values;
              1-D problems (C,) curve values; None for wider inputs.
    neurons : per Dense layer, (units, r, r) activations on the thumbnail grid (or None).
    weights : ``get_weights()`` copy: (W, b) or (W, b, PReLU slopes) per Dense layer.
    confusion : (K, K) test confusion matrix (rows = true class) for classification.
    position : epochs trained, with the share of the epoch in progress (mini-batch steps).
    train_now, test_now : the losses at these weights (None before the first evaluation).
    problem_uid : the :class:`~.problem.Problem` it belongs to.
    focus, focus_surface : the hovered neuron and its output on the surface grid.
    pad_probs : (K,) class probabilities of the drawn digit.
    trace : the step-through :class:`~.step_trace.Trace` of the inspected sample.
    """

    epoch: int
    loss_x: np.ndarray
    loss_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    acc_x: np.ndarray
    acc_train: np.ndarray
    acc_test: np.ndarray
    grad_x: np.ndarray
    grad_norms: np.ndarray
    task: str
    loss: str
    surface: np.ndarray = None
    neurons: list = None
    weights: list = None
    confusion: np.ndarray = None
    misclassified: np.ndarray = None
    mis_pred: np.ndarray = None
    sample_pred: np.ndarray = None
    pred_test: np.ndarray = None
    epochs_per_s: float = 0.0
    rate_unit: str = "epochs/s"
    position: float = 0.0
    steps: int = 0
    batch: int = 0
    batches_per_epoch: int = 1
    problem_uid: int = 0
    train_now: float = None
    test_now: float = None
    focus: tuple = None
    focus_surface: np.ndarray = None
    pad_probs: np.ndarray = None
    trace: object = None

    def fill_views(self, run, views=None):
        """Compute the surface, neuron heatmaps, weights and digit views from ``run`` (a
        :class:`~.training_run.TrainingRun`), and what ``views`` asks for."""
        net, p = run.net, run.problem
        views = views or ViewRequests()
        self.weights = [tuple(np.array(a) for a in w) for w in net.get_weights()]
        if run.grid is not None:
            self.surface = surface_values(net.predict(run.grid), run.loss, p)
        if run.thumb_grid is not None:
            outs = net.layer_outputs(run.thumb_grid)
            rows = THUMB_RES if p.n_raw == 2 else 1
            self.neurons = [np.ascontiguousarray(
                np.asarray(A, dtype=np.float32).T.reshape(A.shape[1], rows, -1)) for A in outs]
        if p.task != "regression":
            self._fill_classification(run)
        elif run.grid is None:
            self.pred_test = np.asarray(net.predict(run.X_test), np.float32).reshape(-1)
        if views.focus is not None and run.grid is not None:
            self._fill_focus(run, views.focus)
        if views.pad is not None and p.image_shape is not None:
            self.pad_probs = class_scores(net.predict(views.pad.reshape(1, -1)), run.loss,
                                          p.task)[0]
        if views.inspect is not None and len(run.X_train):
            i = int(np.clip(views.inspect, 0, len(run.X_train) - 1))
            self.trace = step_trace.trace(net, run.loss, run.X_train[i], run.T_train[i], i,
                                          p.y_train[i], run.last_update)

    def _fill_focus(self, run, focus):
        """The output of neuron ``focus = (column, unit)`` on the whole surface grid."""
        column, unit = focus
        p = run.problem
        if column == 0:
            if unit >= len(p.features):
                return
            values = feats.transform(p.surface_grid(), p.features)[:, unit]
        else:
            outs = run.net.layer_outputs(run.grid)
            if column > len(outs) or unit >= outs[column - 1].shape[1]:
                return
            values = np.asarray(outs[column - 1])[:, unit]
        if p.n_raw == 2:
            res = int(round(np.sqrt(len(values))))
            values = values.reshape(res, res)
        self.focus, self.focus_surface = focus, np.ascontiguousarray(values, dtype=np.float32)

    def _fill_classification(self, run):
        p = run.problem
        pred = run.test_labels()
        k = p.n_classes
        self.confusion = np.bincount(p.y_test * k + pred, minlength=k * k).reshape(k, k)
        wrong = np.flatnonzero(pred != p.y_test)[:N_MISCLASSIFIED]
        self.misclassified, self.mis_pred = wrong, pred[wrong]
        self.sample_pred = pred[:N_SAMPLES]
