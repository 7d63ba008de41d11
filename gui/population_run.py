"""Many networks on one problem, trained as one population a chunk of epochs at a time (no Qt).

The race (racers: the current network with another optimizer, learning rate or batch size, all
from the same initial weights) and the seeds view (the current network from :data:`N_SEEDS`
initial weights) each train through one :class:`fastnn.PopulationSession`.  The worker thread
owns a :class:`PopulationRun`, calls :meth:`~PopulationRun.train` and sends what the views need:
:func:`race_snapshots` or :func:`seed_spread`.
"""
import re
import warnings
from dataclasses import dataclass

import numpy as np

import fastnn
from fastnn.population import PopulationSplitWarning

from . import settings as settings_mod
from .snapshot import Snapshot, class_scores, surface_values
from .training_run import targets

MAX_RACERS = 16     # racers in one race
N_SEEDS = 32        # initial weights the seeds view trains

# The racers differ in optimizer kind and batch size on purpose, so the library trains them as
# a few groups and warns; a racer that diverges is reported by the race itself.  Only warnings
# raised on behalf of this module are silenced.
warnings.filterwarnings("ignore", category=PopulationSplitWarning, module=re.escape(__name__))
warnings.filterwarnings("ignore", message="train_many: .* diverged", category=RuntimeWarning,
                        module=re.escape(__name__))


def check_race_size(n):
    """Refuse a race of fewer than 2 or more than :data:`MAX_RACERS` racers (ValueError)."""
    if not 2 <= n <= MAX_RACERS:
        raise ValueError(f"a race has 2 to {MAX_RACERS} racers; these settings give {n}"
                         + (" (list fewer learning rates)" if n > MAX_RACERS else ""))


def starting_note(what, backend):
    """What a view says until the first report, as lines: "Starting 12 racers…", and on a back
    end that compiles kernels that the first population of a kind compiles them (once: they
    are cached on disk)."""
    lines = [f"Starting {what}…"]
    if backend in settings_mod.COMPILED_BACKENDS:
        lines += [f"The first population on {backend} compiles", "its kernels (up to a minute; "
                  "then cached)."]
    return lines


def race_configs(variants, n_rows):
    """Member configs of a race of ``variants`` (Settings that differ from the first in
    optimizer, learning rate, schedule or batch size) on ``n_rows`` training rows: no
    ``seed``, so every racer starts from the template's initial weights."""
    check_race_size(len(variants))
    return [{"optimizer": settings_mod.make_optimizer(v),
             "batch_size": settings_mod.batch_rows(v, n_rows)} for v in variants]


def seed_configs(settings, n=N_SEEDS):
    """Member configs of ``n`` initial weights of ``settings``'s network (seeds ``seed`` to
    ``seed + n - 1``; the first is the playground's own until it draws new weights).  The
    shuffles stay those of ``settings.seed``, so the members differ in their initial weights
    only."""
    return [{"seed": int(settings.seed) + k} for k in range(n)]


class PopulationRun:
    """The population of ``configs`` (see :func:`race_configs`, :func:`seed_configs`) of the
    network of ``settings`` on ``problem``, with the test set as validation data.

    ``settings`` give what the members share: layers, loss, penalties, dropout, back end, the
    initial weights of members without a ``seed``, the shuffle seed and the batch size of
    members without one.
    """

    def __init__(self, problem, settings, configs):
        self.problem, self.settings = problem, settings.copy()
        p = problem
        self.loss = settings_mod.loss_for(settings, p.task)
        X, Xt = p.inputs(p.X_train), p.inputs(p.X_test)
        self.X_test = Xt
        grid = p.surface_grid()
        self.grid = None if grid is None else p.inputs(grid)
        template = settings_mod.build_net(settings, p.task, p.n_inputs, p.n_classes,
                                          settings.seed)
        self.session = fastnn.PopulationSession(
            template, X, targets(p, self.loss, p.y_train), configs,
            batch_size=settings_mod.batch_rows(settings, len(X)), shuffle=True,
            seed=int(settings.seed), validation_data=(Xt, targets(p, self.loss, p.y_test)))

    def __len__(self):
        return len(self.session)

    @property
    def epoch(self):
        """Epochs trained by the members still training (the most any member trained)."""
        return max(self.session.epochs)

    def alive(self):
        """Whether any member is still training (has not diverged)."""
        return any(e is None for e in self.session.errors)

    def failed(self):
        """Per member: None, or why it stopped ("diverged at epoch 12: ...")."""
        return [None if e is None else f"diverged at epoch {n}: {e}"
                for e, n in zip(self.session.errors, self.session.epochs)]

    def train(self, epochs):
        """Train every member that has not diverged ``epochs`` more epochs."""
        self.session.run(int(epochs))

    def surfaces(self):
        """Every member's output on the surface grid (see :attr:`Snapshot.surface`), or None
        for a problem without one."""
        if self.grid is None:
            return [None] * len(self)
        return [surface_values(pred, self.loss, self.problem)
                for pred in self.session.predict(self.grid)]

    def test_accuracies(self):
        """Every member's accuracy on the test set (None for regression)."""
        if self.problem.task == "regression":
            return [None] * len(self)
        out = []
        for pred in self.session.predict(self.X_test):
            scores = class_scores(pred, self.loss, self.problem.task)
            labels = (scores > 0.5).astype(np.int64) if scores.ndim == 1 else scores.argmax(1)
            out.append(float(np.mean(labels == self.problem.y_test)))
        return out


def race_snapshots(run):
    """One :class:`Snapshot` per racer: its training and test loss per epoch, its test accuracy
    now (one point) and, unless it diverged, its surface."""
    failed = run.failed()
    surfaces, accuracies = run.surfaces(), run.test_accuracies()
    snaps = []
    for i, history in enumerate(run.session.histories):
        loss, test = np.asarray(history.get("loss", ()), np.float64), \
            np.asarray(history.get("val_loss", ()), np.float64)
        epoch = len(loss)
        acc = [] if accuracies[i] is None else [accuracies[i]]
        snaps.append(Snapshot(
            epoch=epoch, position=float(epoch), problem_uid=run.problem.uid,
            loss_x=np.arange(1, epoch + 1, dtype=np.float64), loss_y=loss,
            test_x=np.arange(1, len(test) + 1, dtype=np.float64), test_y=test,
            acc_x=np.full(len(acc), float(epoch)), acc_train=np.array([]),
            acc_test=np.array(acc), grad_x=np.array([]), grad_norms=np.zeros((0, 0)),
            task=run.problem.task, loss=run.loss,
            surface=surfaces[i] if failed[i] is None else None))
    return snaps


@dataclass
class SeedSpread:
    """The seeds view's data: the training loss of every member per epoch, with its mean and
    standard deviation over the members (those that diverged are left out after they did).

    epochs : (E,) 1..E; curves : (n_members, E), NaN after a member stopped;
    mean, std : (E,); test_loss : (n_members,) the last test loss of each member.
    """

    epochs: np.ndarray
    curves: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    test_loss: np.ndarray


def seed_spread(run):
    """The :class:`SeedSpread` of ``run`` now."""
    curves = run.session.curves("loss")
    val = run.session.curves("val_loss")
    mean, std = nan_mean_std(curves)
    last = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan
                     for row in val])
    return SeedSpread(np.arange(1, curves.shape[1] + 1, dtype=np.float64), curves, mean, std,
                      last)


def nan_mean_std(curves):
    """Mean and (population) standard deviation of each column of ``curves`` over its finite
    entries; NaN where a column has none (``np.nanmean`` would warn, which the worker thread
    must not: the warnings filters are process-wide)."""
    finite = np.isfinite(curves)
    count = finite.sum(axis=0)
    values = np.where(finite, curves, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(axis=0) / count
        std = np.sqrt(np.where(finite, (values - mean) ** 2, 0.0).sum(axis=0) / count)
    return mean, std
