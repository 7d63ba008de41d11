"""Train one network on one problem in chunks of epochs and record what the views need.

No Qt here: the worker thread owns a ``TrainingRun`` and calls it; tests can drive it directly.
The network trains through one :class:`fastnn.Session` for as long as its data and shapes stay
the same, so a chunk of epochs only launches kernels (nothing is validated, converted or, on a
GPU, uploaded again).
"""
import numpy as np

import fastnn
from fastnn import activations, preprocessing

from . import settings as settings_mod
from .problem import THUMB_RES
from .snapshot import Snapshot, class_scores

GRAD_SAMPLES = 256   # samples used for the per-layer gradient-norm diagnostic


class TrainingRun:
    """A compiled network, its data, its training session, initial weights and history."""

    def __init__(self, problem, settings, init_weights=None):
        self.problem = problem
        self.settings = settings.copy()
        self.reinitialisations = 0
        self.session = None
        self._prepare_data()
        self._build(init_weights)

    # -- construction -------------------------------------------------------------------
    def _prepare_data(self):
        p = self.problem
        self.loss = settings_mod.loss_for(self.settings, p.task)
        self.X_train, self.X_test = p.inputs(p.X_train), p.inputs(p.X_test)
        self.T_train, self.T_test = self.targets(p.y_train), self.targets(p.y_test)
        grid = p.surface_grid()
        self.grid = None if grid is None else p.inputs(grid)
        thumbs = p.surface_grid(THUMB_RES)
        self.thumb_grid = None if thumbs is None else p.inputs(thumbs)

    def targets(self, y):
        """Targets in the form the loss expects (see :func:`targets`)."""
        return targets(self.problem, self.loss, y)

    def _build(self, init_weights=None):
        s, p = self.settings, self.problem
        seed = s.seed + 1000 * self.reinitialisations
        self.net = settings_mod.build_net(s, p.task, p.n_inputs, p.n_classes, seed)
        if init_weights is not None:
            self.net.set_weights(init_weights)
        self.initial_weights = _copy(self.net.get_weights())
        self._clear_history()
        self._open_session()

    def _open_session(self):
        """A session on the training set at the current batch size (closing the last one)."""
        if self.session is not None:
            self.session.close()
        self.batch = 0       # a new session starts a new epoch
        batch = settings_mod.batch_rows(self.settings, len(self.X_train))
        self.session = self.net.session(self.X_train, self.T_train, batch_size=batch,
                                        shuffle=True, seed=self.settings.seed)

    def close(self):
        """Release the session (and its back end's buffers)."""
        self.session.close()

    def _clear_history(self):
        self.epoch = 0               # epochs completed
        self.batch = 0               # mini-batches done of the epoch in progress
        self.steps = 0               # mini-batches trained in all
        self.last_batch = None       # the logs of the last Session.step()
        self.last_update = None      # (weights before, weights after, "batch" | "epochs")
        self.train_now = self.test_now = None    # losses at the current weights
        self._evaluated = None       # position of the last evaluate() (None: weights edited)
        self._test_labels = None     # (position, predicted test labels), see test_labels()
        self.loss_x, self.loss_y = [], []
        self.test_x, self.test_y = [], []
        self.acc_x, self.acc_train, self.acc_test = [], [], []
        self.grad_x, self.grad_norms = [], []

    # -- settings -------------------------------------------------------------------------
    def update_settings(self, settings):
        """Apply edited settings, keeping the trained weights whenever the shapes allow.

        Returns "rebuild" (new weights, history cleared), "recompile" (new optimizer state
        or back end, weights kept) or "live" (applied in place).
        """
        old, self.settings = self.settings, settings.copy()
        p = self.problem
        if settings_mod.structure_key(old, p.task, p.n_inputs) != \
                settings_mod.structure_key(settings, p.task, p.n_inputs):
            self._prepare_data()
            self._build()
            return "rebuild"
        kind = "live"
        if old.backend != settings.backend:
            self.net.compile(self.loss, settings_mod.make_optimizer(settings),
                             backend=settings.backend, dtype="float32", seed=int(settings.seed))
            kind = "recompile"
        elif old.optimizer != settings.optimizer:
            self.session.set_optimizer(settings_mod.make_optimizer(settings))
            kind = "recompile"
        elif old.schedule != settings.schedule:
            self.session.set_optimizer(schedule=settings_mod.make_schedule(settings.schedule))
        if old.batch_size != settings.batch_size:
            self._open_session()
        settings_mod.apply_live(self.net, settings)
        self.session.set_optimizer(lr=float(settings.lr))
        self._network_changed()      # e.g. an activation: the same weights compute otherwise
        return kind

    def reset(self, same_weights):
        """Back to epoch 0: the same initial weights, or freshly drawn ones."""
        if same_weights:
            self._build(self.initial_weights)
        else:
            self.reinitialisations += 1
            self._build()

    def adopt(self, net):
        """Continue with a loaded network; it must fit the current data and features."""
        p = self.problem
        weights = net.get_weights()
        n_in, n_out = weights[0][0].shape[0], weights[-1][0].shape[1]
        want_out = settings_mod.n_outputs(self.loss, p.task, p.n_classes)
        if n_in != p.n_inputs or n_out != want_out:
            raise ValueError(f"the model has {n_in} inputs and {n_out} outputs, but this data "
                             f"with these features needs {p.n_inputs} inputs and {want_out} "
                             f"outputs; pick the data set the model was trained on")
        dense = list(net.dense_layers)
        layers = [settings_mod.HiddenLayer(w[0].shape[1], _activation_name(d))
                  for w, d in zip(weights[:-1], dense[:-1])]
        self.settings = self.settings.copy(layers=layers)
        self._build(_copy(weights))

    @property
    def position(self):
        """Training progress in epochs: completed epochs plus the share of the one in progress."""
        return self.epoch + self.batch / self.session.batches_per_epoch

    def set_weight(self, layer, row, col, value):
        """Set one weight: ``row == fan_in`` addresses the bias of unit ``col``."""
        if not np.isfinite(value):
            raise ValueError(f"a weight must be a finite number, got {value}")
        weights = _copy(self.net.get_weights())
        W, b = weights[layer][:2]
        if row == W.shape[0]:
            b[col] = value
        else:
            W[row, col] = value
        self.net.set_weights(weights)
        self._network_changed()

    def _network_changed(self):
        """Forget what was computed at the current position: the losses and predictions shown
        must be the edited network's."""
        self._evaluated = self._test_labels = None

    # -- training -------------------------------------------------------------------------
    def train(self, epochs, track=False):
        """Train ``epochs`` epochs and record the losses; returns the number trained.

        An epoch left unfinished by :meth:`step` is completed first and counts as the first.
        ``track`` keeps the weights from before, for :attr:`last_update`.  Raises
        ``fastnn.DivergenceError`` (after recording the epochs that stayed finite) when the loss
        becomes NaN/inf; the library has restored the last weights whose loss is finite.
        """
        before, weights = self.net.epoch, self._weights() if track else None
        try:
            hist = self.session.run(int(epochs))
        except fastnn.DivergenceError:
            self.epoch += max(0, self.net.epoch - before)
            self.batch = 0
            raise
        losses = hist.history["loss"]
        self.loss_x.extend(range(self.epoch + 1, self.epoch + len(losses) + 1))
        self.loss_y.extend(float(v) for v in losses)
        n = self.session.batches_per_epoch
        self.steps += len(losses) * n - self.batch
        self.epoch += len(losses)
        self.batch = 0
        self._updated(weights, "epochs")
        return len(losses)

    def step(self, track=False):
        """Train exactly one mini-batch (``Session.step``); returns its logs (the batch's loss
        before the update, its place in the epoch).  ``track`` as for :meth:`train`."""
        before, weights = self.net.epoch, self._weights() if track else None
        try:
            logs = self.session.step()
        except fastnn.DivergenceError:
            self.epoch = max(0, self.epoch + self.net.epoch - before)   # back to a kept epoch
            self.batch = 0
            raise
        self.steps += 1
        self.batch = logs["batch"] + 1
        if self.batch == self.session.batches_per_epoch:
            self.epoch, self.batch = self.epoch + 1, 0
        self.last_batch = logs
        self.loss_x.append(self.position)
        self.loss_y.append(float(logs["loss"]))
        self._updated(weights, "batch")
        return logs

    def _weights(self):
        return _copy(self.net.get_weights())

    def _updated(self, before, what):
        if before is not None:
            self.last_update = (before, self._weights(), what)

    def evaluate(self):
        """Record the training and test losses (and accuracies) at the current weights, once per
        position, again after a weight was edited (replacing the point at the same position)."""
        position = self.position
        if self._evaluated == position:
            return
        if self.test_x and self.test_x[-1] == position:
            self.test_x.pop()
            self.test_y.pop()
            if self.acc_x and self.acc_x[-1] == position:
                self.acc_x.pop()
                self.acc_train.pop()
                self.acc_test.pop()
        train = self.session.evaluate()
        test = self.net.evaluate(self.X_test, self.T_test)
        self.train_now, self.test_now = float(train["loss"]), float(test["loss"])
        self.test_x.append(position)
        self.test_y.append(self.test_now)
        if self.problem.task != "regression":
            self.acc_x.append(position)
            self.acc_train.append(float(train["accuracy"]) if "accuracy" in train else
                                  self._accuracy_on_training_set())
            self.acc_test.append(float(np.mean(self.test_labels() == self.problem.y_test)))
        self._evaluated = position

    def _accuracy_on_training_set(self):
        """Training accuracy from predictions (the losses that log no accuracy: mse)."""
        return float(np.mean(self.predict_labels(self.X_train) == self.problem.y_train))

    def test_labels(self):
        """Predicted class labels of the test set at the current weights (computed once per
        position: the loss curve and the confusion matrix of one snapshot share them)."""
        if self._test_labels is None or self._test_labels[0] != self.position:
            self._test_labels = (self.position, self.predict_labels(self.X_test))
        return self._test_labels[1]

    def predict_labels(self, X):
        """Predicted class labels for network inputs ``X``."""
        scores = class_scores(self.net.predict(X), self.loss, self.problem.task)
        return (scores > 0.5).astype(np.int64) if scores.ndim == 1 else scores.argmax(axis=1)

    def record_gradients(self):
        """Append the per-layer gradient norms ||dW|| on a fixed training subset."""
        n = min(GRAD_SAMPLES, len(self.X_train))
        _, grads = self.net.gradients(self.X_train[:n], self.T_train[:n])
        self.grad_x.append(self.epoch)
        self.grad_norms.append([float(np.sqrt(np.sum(g[0].astype(np.float64) ** 2)))
                                for g in grads])

    # -- views ----------------------------------------------------------------------------
    def snapshot(self, detail=True, views=None):
        """A :class:`Snapshot` of the history and (when ``detail``) every view's data;
        ``views`` (a :class:`~.snapshot.ViewRequests`) asks for the hovered neuron's map, the
        drawn digit's probabilities and the step-through trace."""
        snap = Snapshot(
            epoch=self.epoch, position=self.position, steps=self.steps, batch=self.batch,
            batches_per_epoch=self.session.batches_per_epoch, problem_uid=self.problem.uid,
            train_now=self.train_now, test_now=self.test_now,
            loss_x=np.array(self.loss_x, dtype=np.float64),
            loss_y=np.array(self.loss_y, dtype=np.float64),
            test_x=np.array(self.test_x, dtype=np.float64),
            test_y=np.array(self.test_y, dtype=np.float64),
            acc_x=np.array(self.acc_x), acc_train=np.array(self.acc_train),
            acc_test=np.array(self.acc_test),
            grad_x=np.array(self.grad_x, dtype=np.float64),
            grad_norms=np.array(self.grad_norms, dtype=np.float64).reshape(
                len(self.grad_x), len(self.grad_norms[0]) if self.grad_norms else 0),
            task=self.problem.task, loss=self.loss)
        if detail:
            snap.fill_views(self, views)
        return snap


def targets(problem, loss, y):
    """Labels ``y`` of ``problem`` in the form ``loss`` expects (labels, 0/1 floats or one-hot
    rows)."""
    task = problem.task
    if task == "regression":
        return y.astype(np.float32)
    if loss == "mse" and task == "multiclass":
        return preprocessing.one_hot(y, problem.n_classes)
    if loss in ("mse", "binary_cross_entropy", "hinge"):
        return y.astype(np.float32)
    return y


def _copy(weights):
    """Deep copy of a ``get_weights()`` list."""
    return [tuple(np.array(a, copy=True) for a in w) for w in weights]


def _activation_name(dense):
    """Canonical name of a Dense layer's activation (aliases such as "linear" resolved)."""
    return activations.get(dense.activation).name
