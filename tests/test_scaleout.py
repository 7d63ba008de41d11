"""train_many and the searches on a 2-worker Dask LocalCluster: identical to a local run, a worker
killed mid-run loses no result, and a closed or unreachable cluster is refused clearly."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import fastnn
from fastnn import callbacks, optim

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = fastnn.Sequential([fastnn.Dense(6, activation="tanh"), fastnn.Dense(2)], input_dim=2)
    net.compile("softmax_cross_entropy", optim.Adam(lr=0.02), backend="numba",
                dtype="float64", seed=0)
    configs = [{"seed": s, "shuffle_seed": s, "lr": lr} for s in range(3) for lr in (0.01, 0.05)]
    return net, X, y, configs


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.params, y.params)
    assert a.histories == b.histories


def test_chunks_on_workers_equal_a_local_run(client, problem, capsys):
    net, X, y, configs = problem
    local = fastnn.train_many(net, X, y, configs, epochs=3, batch_size=8)
    capsys.readouterr()
    remote = fastnn.train_many(net, X, y, configs, epochs=3, batch_size=8, client=client,
                               chunk_size=4, verbose=1)
    _same(local, remote)
    assert remote.groups == [[0, 1, 2, 3], [4, 5]]      # the chunks, as their populations
    bar = capsys.readouterr().err                       # one bar across the chunks, by member
    assert "train_many (dask)" in bar and "6/6" in bar


class _Slow(callbacks.Callback):
    """Makes a chunk last long enough to kill its worker while it trains."""

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(0.05)


def test_a_worker_killed_mid_run_loses_no_result(client, problem):
    net, X, y, configs = problem
    slow = [dict(c, callbacks=[_Slow()]) for c in configs]
    local = fastnn.train_many(net, X, y, configs, epochs=12, batch_size=8)
    pids = client.run(os.getpid)
    result = {}

    def train():
        result["pop"] = fastnn.train_many(net, X, y, slow, epochs=12, batch_size=8,
                                          client=client, chunk_size=1)

    runner = threading.Thread(target=train)
    runner.start()
    deadline = time.monotonic() + 60
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    victim = next(address for address, tasks in client.processing().items() if tasks)
    os.kill(pids[victim], signal.SIGKILL)
    runner.join(timeout=240)
    assert not runner.is_alive()
    _same(local, result["pop"])
    client.wait_for_workers(2, timeout=60)      # the nanny restarts the killed worker


def test_grid_search_on_the_cluster_equals_the_local_search(client):
    from fastnn.model_selection import GridSearchCV
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = (X[:, 0] > 0).astype(int)
    est = fastnn.MLPClassifier(hidden_layer_sizes=(5,), max_iter=8, random_state=0, batch_size=16)
    grid = {"alpha": [1e-4, 1e-2], "learning_rate_init": [1e-3, 1e-2]}
    with pytest.warns(Warning):      # ConvergenceWarning after 8 epochs, in both
        local = GridSearchCV(est, grid, cv=3).fit(X, y)
        remote = GridSearchCV(est, grid, cv=3, client=client).fit(X, y)
    np.testing.assert_array_equal(local.cv_results_["mean_test_score"],
                                  remote.cv_results_["mean_test_score"])
    assert remote.best_params_ == local.best_params_
    assert remote.best_estimator_.n_iter_ == local.best_estimator_.n_iter_


def test_a_closed_client_is_refused(problem):
    net, X, y, configs = problem
    cluster = distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None)
    closed = distributed.Client(cluster)
    closed.close()
    cluster.close()
    with pytest.raises(ValueError, match=r"client is closed \(not running\); pass a running "
                                         r"dask.distributed.Client, or n_workers="):
        fastnn.train_many(net, X, y, configs, client=closed)


def test_an_unreachable_scheduler_is_refused(problem, monkeypatch):
    from fastnn import _scaleout
    monkeypatch.setattr(_scaleout, "CONNECT_TIMEOUT_S", 1)
    net, X, y, configs = problem
    with pytest.raises(ConnectionError, match=r"could not reach the Dask scheduler at "
                                              r"'tcp://127.0.0.1:9' within 1 s"):
        fastnn.train_many(net, X, y, configs, client="tcp://127.0.0.1:9")
    with pytest.raises(TypeError, match=r"client must be a dask.distributed.Client or a "
                                        r"scheduler address, got int"):
        fastnn.train_many(net, X, y, configs, client=3)


def test_a_failing_cluster_keeps_what_was_trained(client, problem, monkeypatch):
    from fastnn import _scaleout
    net, X, y, configs = problem
    real = _scaleout._train_chunk

    def flaky(template, X, y, configs, indices, kwargs):
        if 4 in indices:
            raise OSError("worker disk full")
        return real(template, X, y, configs, indices, kwargs)

    monkeypatch.setattr(_scaleout, "_train_chunk", flaky)
    monkeypatch.setattr(_scaleout, "RETRIES", 0)
    with pytest.raises(_scaleout.ScaleOutError, match=r"failed with 2 of 6 members not trained "
                                                      r"\(OSError: worker disk full\)") as info:
        fastnn.train_many(net, X, y, configs, epochs=2, client=client, chunk_size=2)
    assert info.value.missing == [4, 5] and len(info.value.population) == 4
    local = fastnn.train_many(net, X, y, configs[:4], epochs=2)
    _same(local, info.value.population)


def test_n_workers_starts_a_local_cluster(problem):
    net, X, y, configs = problem
    local = fastnn.train_many(net, X, y, configs[:2], epochs=2)
    _same(local, fastnn.train_many(net, X, y, configs[:2], epochs=2, n_workers=1))
    with pytest.raises(ValueError, match=r"n_workers must be a positive integer, got 0"):
        fastnn.train_many(net, X, y, configs, n_workers=0)


def test_chunk_size_must_be_a_positive_integer(client, problem):
    net, X, y, configs = problem
    with pytest.raises(ValueError, match=r"chunk_size must be a positive integer, got 0"):
        fastnn.train_many(net, X, y, configs, client=client, chunk_size=0)
