"""Many networks at once: :func:`train_many` trains a population of same-shaped networks side by
side, :class:`Population` holds what it trained, and :class:`PopulationSession` trains one a few
epochs at a time (the same training as one call).

>>> template = fastnn.Sequential([fastnn.Dense(8, activation="tanh"), fastnn.Dense(2)], input_dim=2)
>>> template.compile("softmax_cross_entropy", fastnn.optim.Adam(lr=0.01))      # doctest: +SKIP
>>> pop = fastnn.train_many(template, X, y, [{"seed": s, "lr": lr} for s in range(8)
...                                          for lr in (1e-3, 1e-2)], epochs=50)  # doctest: +SKIP
>>> pop[3], pop.histories[3]["loss"], pop.best("loss"), pop.predict(X).shape    # doctest: +SKIP

Member ``i`` is, by definition, what this gives (``member`` builds the model and ``fit``'s
arguments from the template and ``configs[i]``; see :mod:`fastnn._members`)::

    m = fastnn.population.member_model(template, configs[i], X)
    m.fit(X[rows], y[rows], epochs=..., batch_size=..., shuffle=..., seed=shuffle_seed,
          validation_data=..., callbacks=configs[i].get("callbacks"))
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from . import _members as M
from . import _population_loop as loop
from . import _validation as V
from .model import Sequential

MEMORY_SHARE = 0.8      # of the available memory a population may use when memory_limit is None


class PopulationSplitWarning(UserWarning):
    """The configs of one :func:`train_many` call could not all share one kernel."""


class Population:
    """The networks trained by :func:`train_many`, in the order of their configs.

    ``pop[i]`` is the trained :class:`fastnn.Sequential` of ``configs[i]``; ``len(pop)``,
    iteration and slicing (a list) work as on a list.

    Attributes
    ----------
    members : list of Sequential
    configs : list of dict
        The configs, as given.
    histories : list of dict
        ``histories[i]["loss"]`` etc.: what ``fit(...).history`` holds for member ``i``.
    errors : list of Exception or None
        A member whose loss became NaN/inf keeps the weights of its last finite epoch and its
        :class:`fastnn.DivergenceError` here (``fit`` would have raised it); None otherwise.
    groups : list of list of int
        The configs trained together in one population (one list unless they had to be split).
    callbacks : list of list
        Each member's callbacks as training left them (on Dask: the copies that ran there).
    """

    def __init__(self, results, configs, groups):
        results = sorted(results, key=lambda r: r.index)
        self.members = [r.model for r in results]
        self.histories = [r.history for r in results]
        self.errors = [r.error for r in results]
        self.callbacks = [r.callbacks for r in results]
        self.configs = list(configs)
        self.groups = [list(g) for g in groups]

    def __len__(self):
        return len(self.members)

    def __getitem__(self, index):
        return self.members[index]

    def __iter__(self):
        return iter(self.members)

    def __repr__(self):
        epochs = max((len(h.get("loss", ())) for h in self.histories), default=0)
        return (f"Population({len(self)} members in {len(self.groups)} group"
                f"{'s' if len(self.groups) != 1 else ''}, up to {epochs} epochs)")

    def curves(self, metric="loss"):
        """``metric`` (a history key such as ``"loss"`` or ``"val_accuracy"``) per member and
        epoch, shape (n_members, most epochs); NaN after a member stopped."""
        self._check_metric(metric)
        longest = max(len(h.get(metric, ())) for h in self.histories)
        out = np.full((len(self), longest), np.nan)
        for i, h in enumerate(self.histories):
            out[i, :len(h.get(metric, ()))] = h.get(metric, ())
        return out

    def _check_metric(self, metric):
        keys = sorted({k for h in self.histories for k in h})
        if metric not in keys:
            hint = (" (pass validation_data= to train_many for the val_ metrics)"
                    if metric.startswith("val_") else "")
            raise ValueError(f"metric {metric!r} is not in the histories; they have {keys}{hint}")

    def best_index(self, metric="val_loss", mode="auto"):
        """Index of the member whose last logged ``metric`` is best (smallest for losses,
        largest for accuracies with ``mode="auto"``; or ``"min"``/``"max"``)."""
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self._check_metric(metric)
        last = np.array([h[metric][-1] if h.get(metric) else np.nan for h in self.histories])
        if np.isnan(last).all():
            raise ValueError(f"no member logged a finite {metric!r}")
        larger = mode == "max" or (mode == "auto" and "acc" in metric)
        return int(np.nanargmax(last) if larger else np.nanargmin(last))

    def best(self, metric="val_loss", mode="auto"):
        """The member with the best last ``metric`` (see :meth:`best_index`)."""
        return self.members[self.best_index(metric, mode)]

    def predict(self, X):
        """Every member's ``predict(X)``, stacked: shape (n_members, n_samples, n_outputs)."""
        widths = {m.dense_layers[-1].units for m in self.members}
        if len(widths) > 1:
            raise ValueError(f"the members have different output widths {sorted(widths)}; "
                             f"predict with each group of Population.groups instead")
        return np.stack([m.predict(X) for m in self.members])

    def evaluate(self, X, y):
        """``{"loss": (n_members,), "accuracy": (n_members,)}`` (no accuracy for mse) on
        ``(X, y)``: each member's ``evaluate``."""
        results = [m.evaluate(X, y) for m in self.members]
        return {key: np.array([r[key] for r in results]) for key in results[0]}


def member_model(template, config, X):
    """The untrained model of ``config`` (see the module docstring): a copy of ``template``
    with the config's initial weights, penalties, dropout rates and optimizer."""
    X = np.asarray(X)
    config = M.check_configs([config], X.shape[0])[0]
    return M.member(0, _checked_template(template), config, X.shape[1], X.shape[0], 1, None,
                    None).model


def _checked_template(template):
    if not isinstance(template, Sequential):
        raise TypeError(f"template must be a compiled fastnn.Sequential, got "
                        f"{type(template).__name__}")
    if template.loss is None:
        raise ValueError("template is not compiled; call template.compile(loss=..., "
                         "optimizer=...) first")
    return template


def train_many(template, X, y, configs, epochs=1, batch_size=32, shuffle=True, seed=None,
               validation_data=None, backend=None, client=None, n_workers=None,
               chunk_size=None, memory_limit=None, verbose=0, sample_weight=None):
    """Train one network per config, all side by side; returns a :class:`Population`.

    Parameters
    ----------
    template : fastnn.Sequential
        A compiled model: the layers, loss, optimizer, back end and dtype every member starts
        from (a config's ``"model"`` replaces it for that member).
    X : array (n_samples, n_features)
    y : targets, as for :meth:`fastnn.Sequential.fit`
    configs : list of dict
        One dict per member, with keys from :data:`fastnn._members.KEYS`: ``seed`` (initial
        weights), ``shuffle_seed``, ``lr`` and the optimizer's other hyper-parameters, ``l1``,
        ``l2``, ``dropout``, ``rows`` or ``sample_mask`` (the member's training rows: folds,
        bootstrap resamples), ``epochs``, ``batch_size``, ``callbacks``, ``optimizer``, ``model``.
    epochs, batch_size, shuffle, validation_data
        As for ``fit``; ``epochs`` and ``batch_size`` are defaults a config may override.
    seed : int, optional
        ``fit``'s ``seed`` (shuffles and dropout) for members whose config has no
        ``shuffle_seed``.
    backend : str, optional
        Back end for every member (default: each model's own).
    client : dask.distributed.Client or str, optional
        Train chunks of members on this Dask cluster (a scheduler address connects to it).
    n_workers : int, optional
        Without ``client``: start a local Dask cluster of this many worker processes.
    chunk_size : int, optional
        Members per Dask task (default: the members spread evenly over the workers, a few
        chunks each).
    memory_limit : int, optional
        Bytes a population may use (default 80% of the memory available); a larger estimate is
        refused with a MemoryError before anything is allocated.
    verbose : int
        1 shows a progress bar (across the chunks on Dask), one step per member trained.
    sample_weight : array (n_samples,), optional
        As for ``fit``, one weight per row of ``X``; each member trains with the weights of its
        own rows.  Weighted members train member by member on every back end (the numba
        population kernel has no sample weights), still side by side in one call.

    Returns
    -------
    Population
        ``pop[i]`` equals ``configs[i]`` trained alone with ``fit`` (see the module docstring).

    Members that differ in architecture, activations, loss, optimizer kind, dtype, back end or
    batch size cannot share a kernel: they are grouped, each group trained as its own
    population, and a :class:`PopulationSplitWarning` says which configs went where and why.
    """
    template = _checked_template(template)
    X = V.check_X(X, template.input_dim, template.dtype)
    configs = M.check_configs(configs, X.shape[0])
    epochs = V.check_positive_int(epochs, "epochs")
    _check_common(batch_size, validation_data)
    if client is not None or n_workers is not None:
        from . import _scaleout
        return _scaleout.train_many(template, X, y, configs, client, n_workers, chunk_size,
                                    dict(epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                                         seed=seed, validation_data=validation_data,
                                         backend=backend, memory_limit=memory_limit,
                                         sample_weight=sample_weight),
                                    verbose)
    members = _members(template, X, configs, epochs, batch_size, seed, shuffle, sample_weight)
    return train_members(members, X, y, configs, validation_data, backend, memory_limit, verbose)


def train_members(members, X, y, configs, validation_data=None, backend=None, memory_limit=None,
                  verbose=0, warn=True):
    """Train built :class:`fastnn._members.Member` objects group by group (what
    :func:`train_many` and the model-selection searches share); returns a Population.
    ``warn=False`` leaves the groups and divergences to the caller to report."""
    session = PopulationSession._of(members, X, y, configs, validation_data, backend,
                                    memory_limit, warn, stacklevel=4)
    bar = _progress_bar(verbose, members)
    try:
        session._train(None, bar.update if bar else None)
    finally:
        if bar is not None:
            bar.close()
    if warn:
        _warn_divergence(session._results(), stacklevel=4)
    return session.population


class PopulationSession:
    """A population bound to one training set, trained a few epochs at a time: what the app's
    race and seeds views step, epoch by epoch, with the losses and outputs read in between.

    ``run(k)`` trains every member ``k`` more epochs; each member's weights, optimizer state,
    shuffle generator, dropout stream, epoch/step counters and history carry on between calls,
    so ``run(1)`` called ``k`` times is the same training as ``run(k)`` (and as
    ``train_many(..., epochs=k)``).  Between calls the members' models (``members[i]``) hold
    their current weights; the optimizer's hyper-parameters (``members[i].optimizer.lr = ...``)
    may be changed and take effect at the next call, and weights set with ``set_weights`` are
    trained on from there.

    Parameters
    ----------
    template, X, y, configs, batch_size, shuffle, seed, validation_data, backend, memory_limit,
    sample_weight
        As for :func:`train_many` (checked the same way, here).  A config's ``"epochs"`` caps
        that member's total epochs; without it a member trains as long as ``run`` is called.

    Attributes
    ----------
    members, configs, histories, errors, groups
        As on :class:`Population`; ``histories[i]["val_loss"]`` etc. grow by one entry per
        epoch.  :attr:`population` is a :class:`Population` view of them (``curves``, ``best``,
        ``predict``, ``evaluate``).

    >>> race = PopulationSession(template, X, y, [{"seed": s} for s in range(32)],
    ...                          validation_data=(Xv, yv))                  # doctest: +SKIP
    >>> for _ in range(100):                                                # doctest: +SKIP
    ...     race.run(1)
    ...     val = race.curves("val_loss")              # (32, epochs so far)
    ...     grid_outputs = race.predict(grid)          # (32, n_points, n_outputs)
    """

    def __init__(self, template, X, y, configs, batch_size=32, shuffle=True, seed=None,
                 validation_data=None, backend=None, memory_limit=None, sample_weight=None):
        template = _checked_template(template)
        X = V.check_X(X, template.input_dim, template.dtype)
        configs = M.check_configs(configs, X.shape[0])
        _check_common(batch_size, validation_data)
        members = _members(template, X, configs, None, batch_size, seed, shuffle, sample_weight)
        self._setup(members, X, y, configs, validation_data, backend, memory_limit, True, 3)

    @classmethod
    def _of(cls, members, X, y, configs, validation_data, backend, memory_limit, warn,
            stacklevel):
        """A session of members already built (by :func:`train_many` or a search)."""
        session = cls.__new__(cls)
        session._setup(members, X, y, configs, validation_data, backend, memory_limit, warn,
                       stacklevel + 1)
        return session

    def _setup(self, members, X, y, configs, validation_data, backend, memory_limit, warn,
               stacklevel):
        groups = M.group(members, backend)
        if len(groups) > 1 and warn:
            warnings.warn("train_many: " + M.describe_split(groups), PopulationSplitWarning,
                          stacklevel=stacklevel)
        self._runs = []
        for key, group in groups:
            model, spec = group[0].model, group[0].spec
            Xg = V.convert(X, "X", model.dtype) if X.dtype != model.dtype else X
            Yg = V.check_targets(y, spec.loss, spec.n_out, X.shape[0], model.dtype)
            val = _validation(validation_data, model, spec)
            check_memory(group, spec, X.shape[0], model.dtype, memory_limit)
            self._runs.append(loop.Run(group, Xg, Yg, key["back end"], group[0].batch_size,
                                       val))
        self.configs = list(configs)
        self.groups = [[m.index for m in g] for _, g in groups]

    def run(self, epochs=1):
        """Train every member ``epochs`` more epochs (fewer for a member whose config's
        ``epochs`` is reached, or whose callbacks stop it); returns ``self``.

        A member that diverges keeps the weights of its last finite epoch and its
        :class:`fastnn.DivergenceError` in :attr:`errors` (a RuntimeWarning says so), and is
        not trained again.
        """
        epochs = V.check_positive_int(epochs, "epochs")
        before = {r.index for r in self._results() if r.error is not None}
        self._train(epochs, None)
        _warn_divergence(self._results(), stacklevel=3, known=before)
        return self

    def _train(self, epochs, progress):
        for run in self._runs:
            run.train(epochs, progress)

    def _results(self):
        return sorted((r for run in self._runs for r in run.results()), key=lambda r: r.index)

    @property
    def population(self):
        """A :class:`Population` of the members as they are now (the same models and
        histories, not copies)."""
        return Population(self._results(), self.configs, self.groups)

    @property
    def members(self):
        """Each member's model, in the order of the configs (its weights as trained so far)."""
        return self.population.members

    @property
    def histories(self):
        """Each member's history: ``histories[i]["loss"]`` etc., one entry per epoch so far."""
        return self.population.histories

    @property
    def errors(self):
        """Each member's DivergenceError, or None (see :attr:`Population.errors`)."""
        return self.population.errors

    @property
    def epochs(self):
        """Epochs each member has trained in this session, as a list."""
        return [len(h.get("loss", ())) for h in self.histories]

    def curves(self, metric="loss"):
        """See :meth:`Population.curves`: (n_members, epochs so far)."""
        return self.population.curves(metric)

    def predict(self, X):
        """See :meth:`Population.predict`: every member's outputs, (n_members, n, n_outputs)."""
        return self.population.predict(X)

    def __len__(self):
        return len(self.configs)

    def __repr__(self):
        return f"PopulationSession({len(self)} members, up to {max(self.epochs)} epochs)"


def _members(template, X, configs, epochs, batch_size, seed, shuffle, sample_weight):
    """The :class:`fastnn._members.Member` of every config, with the sample weights of its
    rows (refused, naming the config, when they are all zero)."""
    members = [M.member(i, template, c, X.shape[1], X.shape[0], epochs, batch_size, seed, shuffle)
               for i, c in enumerate(configs)]
    weights = V.check_sample_weight(sample_weight, X.shape[0])
    for m in members if weights is not None else ():
        m.weights = weights if m.rows is None else weights[m.rows]
        if not m.weights.any():
            raise ValueError(f"sample_weight is zero on every training row of {m.label}; a "
                             f"member needs a row of positive weight")
    return members


def _check_common(batch_size, validation_data):
    """The checks of train_many's and PopulationSession's shared arguments."""
    if batch_size is not None:
        V.check_positive_int(batch_size, "batch_size")
    if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                        or len(validation_data) != 2):
        raise ValueError("validation_data must be a tuple (X_val, y_val)")


def _validation(validation_data, model, spec):
    if validation_data is None:
        return None
    Xv = V.check_X(validation_data[0], model.input_dim, model.dtype, name="validation X")
    Yv = V.check_targets(validation_data[1], spec.loss, spec.n_out, Xv.shape[0], model.dtype,
                         name="validation y")
    return Xv, Yv


def _progress_bar(verbose, members):
    if not verbose:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=len(members), unit="member", desc="train_many", dynamic_ncols=True)


def _warn_divergence(results, stacklevel, known=()):
    """A RuntimeWarning naming the members that diverged (those in ``known`` were told)."""
    failed = [r.index for r in results if r.error is not None and r.index not in known]
    if failed:
        warnings.warn(f"train_many: {len(failed)} of {len(results)} members diverged (configs "
                      f"{failed[:10]}{' ...' if len(failed) > 10 else ''}); each keeps the "
                      f"weights of its last finite epoch, and Population.errors has the "
                      f"reason", RuntimeWarning, stacklevel=stacklevel)


# --- memory ------------------------------------------------------------------------------------


def member_bytes(spec, n_rows, batch, dtype) -> int:
    """Estimated bytes one member of a population needs: its weights, optimizer state,
    gradient and snapshots (about 10 copies of the parameters, counting the model the member
    ends in), its work buffers (about 6 per unit and row of a batch), and its row orders."""
    itemsize = np.dtype(dtype).itemsize
    units = int(np.sum(spec.sizes))
    return int(10 * spec.n_params * itemsize + 6 * batch * units * itemsize + 16 * n_rows)


def available_memory() -> int:
    """Bytes of memory available to a new allocation (Linux's MemAvailable; else the free
    physical pages; else 4 GiB)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def check_memory(group, spec, n_samples, dtype, memory_limit):
    """Refuse (MemoryError, with the figures) a population estimated to need more memory than
    ``memory_limit`` bytes (default: :data:`MEMORY_SHARE` of what is available)."""
    batch = n_samples if group[0].batch_size is None else min(group[0].batch_size, n_samples)
    each = member_bytes(spec, n_samples, batch, dtype)
    need = each * len(group)
    limit = int(MEMORY_SHARE * available_memory()) if memory_limit is None else int(memory_limit)
    if need > limit:
        fit = max(1, limit // each)
        arch = "-".join(str(int(s)) for s in spec.sizes)
        source = "memory_limit" if memory_limit is not None else \
            f"{MEMORY_SHARE:.0%} of the available memory"
        raise MemoryError(
            f"train_many: {len(group)} members of {arch} would need about {_size(need)} "
            f"({_size(each)} each), more than the {_size(limit)} allowed ({source}); "
            f"train at most {fit} at a time, or spread them over Dask workers with client=")


def _size(n_bytes):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024 or unit == "TiB":
            return f"{n_bytes:.1f} {unit}" if unit != "B" else f"{n_bytes} B"
        n_bytes /= 1024
    return f"{n_bytes:.1f} TiB"


__all__ = ["train_many", "Population", "PopulationSession", "PopulationSplitWarning",
           "member_model", "member_bytes"]
