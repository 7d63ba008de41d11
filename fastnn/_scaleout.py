"""Populations on a Dask cluster: chunks of members trained on the workers, gathered back.

The training data are scattered to every worker once; each chunk of members is one task that
trains them as a local population (:func:`fastnn.population.train_members`) and returns them.
Members do not depend on one another (each lane of a population computes only its member), so
the result is the one a local run gives.  A task whose worker dies is rerun by Dask on another
worker (the data are on every worker); a cluster that fails altogether raises
:class:`ScaleOutError`, which carries every member already gathered.

Needs ``dask.distributed`` (``pip install "fastnn[dask]"``).
"""
from __future__ import annotations

import math
from contextlib import contextmanager

from . import _members as M

CONNECT_TIMEOUT_S = 10
RETRIES = 3             # reruns of a chunk whose task itself failed (a lost worker is not counted)


class ScaleOutError(RuntimeError):
    """The Dask cluster failed before every chunk came back.

    Attributes: ``population`` (a :class:`fastnn.Population` of the members gathered; its
    ``configs`` are theirs), ``missing`` (indices of the configs not trained).
    """

    def __init__(self, message, population, missing):
        super().__init__(message)
        self.population, self.missing = population, missing


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ImportError('client= and n_workers= need dask.distributed: pip install '
                          '"fastnn[dask]"') from None
    return distributed


@contextmanager
def connected(client, n_workers):
    """A running ``distributed.Client``: ``client`` itself, one connected to the scheduler
    address ``client``, or (``n_workers``) a new local cluster, closed on exit."""
    distributed = _distributed()
    if client is None:
        if not isinstance(n_workers, int) or isinstance(n_workers, bool) or n_workers < 1:
            raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
        with distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                      processes=True, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as local:
            yield local
        return
    if isinstance(client, str):
        try:
            remote = distributed.Client(client, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(f"could not reach the Dask scheduler at {client!r} within "
                                  f"{CONNECT_TIMEOUT_S} s ({type(exc).__name__}: {exc}); start "
                                  f"one (dask scheduler) or check the address") from None
        with remote:
            yield remote
        return
    if not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a dask.distributed.Client or a scheduler address, "
                        f"got {type(client).__name__}")
    if client.status != "running":
        raise ValueError(f"client is {client.status} (not running); pass a running "
                         f"dask.distributed.Client, or n_workers= for a local cluster")
    yield client


def chunks(n_members, n_workers, chunk_size):
    """Index ranges of the chunks: ``chunk_size`` members each, or by default two chunks per
    worker (fewer, larger chunks fill the SIMD lanes better; two per worker balance the load)."""
    if chunk_size is None:
        chunk_size = math.ceil(n_members / max(1, 2 * n_workers))
    elif not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    return [range(i, min(i + chunk_size, n_members)) for i in range(0, n_members, chunk_size)]


def _train_chunk(template, X, y, configs, indices, kwargs):
    """On a worker: one chunk as a local population; results carry the configs' indices."""
    from .population import train_many
    pop = train_many(template, X, y, configs, **kwargs)
    return _pack(pop, indices)


def _train_members_chunk(members, X, Y):
    from ._population_loop import Result
    from .population import train_members
    pop = train_members(members, X, Y, [{}] * len(members), warn=False)
    results = [Result(m.index, model, history, error, callbacks) for m, model, history, error,
               callbacks in zip(members, pop.members, pop.histories, pop.errors, pop.callbacks)]
    return results, pop.groups          # groups of the members' own indices


def _pack(pop, indices):
    """The chunk's results, and its groups as indices of all the configs."""
    from ._population_loop import Result
    results = [Result(i, model, history, error, callbacks) for i, model, history, error, callbacks
               in zip(indices, pop.members, pop.histories, pop.errors, pop.callbacks)]
    return results, [[indices[i] for i in group] for group in pop.groups]


def _run(client, submit, pieces, verbose):
    """Submit one task per piece, gather as they finish (a progress bar over members)."""
    distributed = _distributed()
    futures = {submit(piece): piece for piece in pieces}
    bar = None
    if verbose:
        from tqdm.auto import tqdm
        bar = tqdm(total=sum(len(p) for p in pieces), unit="member", desc="train_many (dask)")
    results, groups, failure = [], [], None
    try:
        for future in distributed.as_completed(futures):
            try:
                chunk_results, chunk_groups = future.result()
            except Exception as exc:  # noqa: BLE001 - the cluster's failure, kept with what came back
                failure = failure or exc
                continue
            results += chunk_results
            groups += chunk_groups
            if bar is not None:
                bar.update(len(futures[future]))
    finally:
        if bar is not None:
            bar.close()
    return results, groups, failure


def _population(results, groups, configs, failure, indices):
    from .population import Population
    merged = sorted(groups, key=min)
    if failure is None:
        return Population(results, configs, merged)
    done = {r.index for r in results}
    missing = [i for i in indices if i not in done]
    partial = Population(results, [c for i, c in zip(indices, configs) if i in done], merged)
    raise ScaleOutError(f"the Dask cluster failed with {len(missing)} of {len(configs)} members "
                        f"not trained ({type(failure).__name__}: {failure}); the "
                        f"{len(done)} trained members are in this error's .population and the "
                        f"untrained configs' indices in .missing", partial, missing)


def train_many(template, X, y, configs, client, n_workers, chunk_size, kwargs, verbose):
    """:func:`fastnn.train_many` on a Dask cluster (see the module docstring)."""
    with connected(client, n_workers) as c:
        workers = max(1, len(c.scheduler_info().get("workers", {})))
        pieces = chunks(len(configs), workers, chunk_size)
        X_f, y_f = c.scatter([X, y], broadcast=True)
        local = dict(kwargs, verbose=0)
        results, groups, failure = _run(
            c, lambda piece: c.submit(_train_chunk, template, X_f, y_f,
                                      [configs[i] for i in piece], list(piece), local,
                                      pure=False, retries=RETRIES),
            pieces, verbose)
    return _population(results, groups, configs, failure, range(len(configs)))


def train_members(members, X, Y, client, n_workers, chunk_size=None):
    """:func:`fastnn.population.train_members` on a Dask cluster (the searches' members)."""
    with connected(client, n_workers) as c:
        workers = max(1, len(c.scheduler_info().get("workers", {})))
        by_group = [g for _, g in M.group(members, None)]
        pieces = [group[r.start:r.stop] for group in by_group
                  for r in chunks(len(group), workers, chunk_size)]
        X_f, Y_f = c.scatter([X, Y], broadcast=True)
        results, groups, failure = _run(
            c, lambda piece: c.submit(_train_members_chunk, piece, X_f, Y_f, pure=False,
                                      retries=RETRIES),
            pieces, 0)
    return _population(results, groups, [{}] * len(members), failure, [m.index for m in members])
