"""Batched population epochs: when nothing but the members' histories watches an epoch's end, a
population's loop gives the engine many whole epochs per call (``_population_loop.Run.train``).
That is the same training bit for bit as one epoch per call, on every kind of population engine
(the numba lanes, blocks of lanes on threads, member by member), and a call in which a member's
loss or weights stop being finite is trained again one epoch at a time, so the member diverges
at the same epoch and keeps the same weights as without batching."""
import numpy as np
import pytest
from test_batched_epochs import StopOrSlow

import fastnn
from fastnn import _population_loop as loop
from fastnn import backends, optim

ENGINES = ["lanes", "blocks", "member-by-member", "member blocks", "numpy"] + \
    (["cython"] if "cython" in backends.available() else [])


def _data(rng, n=50):
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def _template(engine, optimizer=None, dtype="float64"):
    backend = engine if engine in ("numpy", "cython") else "numba"
    wide = _member_by_member(engine)
    width = 32 if wide else 6     # past LANES_MAX_PRODUCT: numba_cpu
    layers = [fastnn.Dense(width, activation="tanh", l2=1e-4), fastnn.Dropout(0.1),
              fastnn.Dense(16 if wide else 5, activation="relu"),
              fastnn.Dense(3)]
    net = fastnn.Sequential(layers, input_dim=3)
    net.compile("softmax_cross_entropy", optimizer or optim.SGD(lr=0.05, momentum=0.9),
                backend=backend, dtype=dtype, seed=3)
    return net


def _configs(n_rows):
    """Ten members: their own seeds, shuffles, rates, penalties and dropout, a fold, a schedule,
    and six that stop after 4 epochs (the engine is then rebuilt on the other four) and one
    after 7 (then trained through a view of the rebuilt engine's lanes)."""
    configs = [{"seed": s, "shuffle_seed": 20 + s, "lr": 0.01 * (1 + s % 4),
                "dropout": 0.05 * (s % 3), "l2": 1e-3 * (s % 2)} for s in range(10)]
    for c in configs[:6]:
        c["epochs"] = 4
    configs[6]["epochs"] = 7
    configs[7]["rows"] = np.arange(n_rows - 13)
    configs[8]["schedule"] = optim.StepDecay(3, 0.5)
    return configs


def _spy(monkeypatch):
    """(epochs, succeeded) of every batched call of the population loop."""
    calls, real = [], loop._epochs

    def spy(engine, live, count, classification):
        ok = real(engine, live, count, classification)
        calls.append((count, ok))
        return ok

    monkeypatch.setattr(loop, "_epochs", spy)
    return calls


def _unbatched(monkeypatch, train):
    """``train()`` with one epoch per engine call."""
    with monkeypatch.context() as m:
        m.setattr(loop.Run, "_batchable", lambda self, engine, live: False)
        return train()


def _member_by_member(engine):
    """Whether ``engine`` names networks too wide for the lanes (numba_cpu member by member)."""
    return engine in ("member-by-member", "member blocks")


def _kind(engine):
    """The name in ENGINES of a population engine object."""
    from fastnn.backends import _member_loop, numba_population
    if isinstance(engine, numba_population.BlockedEngine):
        return "member blocks" if _kind(engine._blocks[0]) == "member-by-member" else "blocks"
    if isinstance(engine, _member_loop.PopulationEngine):
        name = engine._module.__name__.rsplit(".", 1)[-1]
        return {"numba_cpu": "member-by-member", "numpy_ref": "numpy"}.get(name, "cython")
    return "lanes"


def _engines_built(monkeypatch):
    """The ENGINES names of the engines the population loop builds from now on."""
    kinds, real = [], loop._engine
    monkeypatch.setattr(loop, "_engine", lambda *a: (kinds.append(_kind(e := real(*a))), e)[1])
    return kinds


def _with_engine(engine, monkeypatch, train):
    """``train()`` with blocks of members on threads for the engines named "blocks"."""
    if "blocks" not in engine:
        return train()
    from fastnn.backends import numba_population
    monkeypatch.setattr(numba_population, "BLOCK_MIN_LANES", 1)
    monkeypatch.setattr(numba_population, "BLOCK_MIN_WORK", 1)
    fastnn.set_num_threads(3)
    try:
        return train()
    finally:
        fastnn.set_num_threads("auto")


def _assert_same(pop, reference):
    for mine, theirs in zip(pop, reference):
        np.testing.assert_array_equal(mine.params, theirs.params)
        np.testing.assert_array_equal(mine.opt_state, theirs.opt_state)
        assert (mine.epoch, mine.step) == (theirs.epoch, theirs.step)
    assert pop.histories == reference.histories
    assert [str(e) for e in pop.errors] == [str(e) for e in reference.errors]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_batched_population_epochs_equal_one_epoch_per_call(engine, shuffle, dtype, rng,
                                                           monkeypatch):
    X, y = _data(rng)
    template, configs = _template(engine, dtype=dtype), _configs(len(X))

    def train():
        return _with_engine(engine, monkeypatch, lambda: fastnn.train_many(
            template, X, y, configs, epochs=12, batch_size=8, shuffle=shuffle, seed=4))

    reference = _unbatched(monkeypatch, train)
    calls, kinds = _spy(monkeypatch), _engines_built(monkeypatch)
    pop = train()
    assert kinds[0] == engine
    assert max(count for count, _ in calls) > 1 and all(ok for _, ok in calls)
    assert sum(count for count, _ in calls) < 12
    _assert_same(pop, reference)
    assert [m.epoch for m in pop] == [4] * 6 + [7, 12, 12, 12]
    assert pop.histories[8]["lr"][:4] == pytest.approx([0.01, 0.01, 0.01, 0.005])


@pytest.mark.parametrize("engine", ["lanes", "blocks", "member-by-member", "member blocks",
                                    "numpy"])
def test_a_member_diverging_inside_a_batched_call_is_found_at_the_same_epoch(engine, rng,
                                                                            monkeypatch):
    """Full-batch SGD at lr=1e6 on an MSE net overflows after a few epochs (as in
    test_batched_epochs): the batched call fails, every member goes back to before it and its
    epochs are trained again one at a time, so the diverging member's error, kept weights,
    counters and history are the unbatched ones, and the other members train on unchanged."""
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    width = 150 if _member_by_member(engine) else 8     # 3 x 150 > LANES_MAX_PRODUCT
    net = fastnn.Sequential([fastnn.Dense(width, activation="relu"), fastnn.Dense(1)],
                            input_dim=3)
    net.compile("mse", optim.SGD(lr=0.01), backend="numpy" if engine == "numpy" else "numba",
                seed=0)
    configs = [{"seed": 0}, {"seed": 1, "lr": 1e6}, {"seed": 2, "lr": 0.02}]

    def train():
        with pytest.warns(RuntimeWarning, match=r"1 of 3 members diverged \(configs \[1\]\)"):
            return _with_engine(engine, monkeypatch, lambda: fastnn.train_many(
                net, X, y, configs, epochs=10, batch_size=None, seed=1))

    reference = _unbatched(monkeypatch, train)
    calls, kinds = _spy(monkeypatch), _engines_built(monkeypatch)
    pop = train()
    assert kinds[0] == engine
    assert (4, False) in calls and any(ok and count > 1 for count, ok in calls)
    _assert_same(pop, reference)
    assert isinstance(pop.errors[1], fastnn.DivergenceError) and pop.errors[1].epoch >= 1
    assert pop[1].epoch == pop.errors[1].epoch and np.isfinite(pop[1].params).all()
    assert [pop[0].epoch, pop[2].epoch] == [10, 10] and pop.errors[0] is pop.errors[2] is None


def test_a_session_run_in_pieces_equals_one_batched_call(rng):
    """Shuffles drawn for a batched call stay with their member: runs of any lengths give the
    same training as one call."""
    X, y = _data(rng)
    template = _template("lanes", optim.Adam(lr=0.02))
    configs = [{"seed": s, "shuffle_seed": s, "dropout": 0.1 * s} for s in range(3)]
    whole = fastnn.population.PopulationSession(template, X, y, configs, batch_size=8).run(13)
    pieces = fastnn.population.PopulationSession(template, X, y, configs, batch_size=8)
    for k in (1, 6, 2, 4):
        pieces.run(k)
    for a, b in zip(whole.members, pieces.members):
        np.testing.assert_array_equal(a.params, b.params)
        np.testing.assert_array_equal(a.opt_state, b.opt_state)
    assert whole.histories == pieces.histories and whole.epochs == [13] * 3


@pytest.mark.parametrize("engine", ["lanes", "blocks", "member-by-member", "member blocks",
                                    "numpy"])
def test_logs_only_callbacks_that_stop_or_slow_a_member_inside_a_batched_call(engine, rng,
                                                                              monkeypatch):
    """Members whose callbacks only read their logs train in batched calls too; one that its
    callback stops (or whose learning rate it changes) after an epoch inside a call is trained
    again up to that epoch, so every member and callback ends as with one epoch per call."""
    X, y = _data(rng)
    template = _template(engine)
    plans = [dict(stop=2), dict(stop=6), dict(slow=3), dict(slow=5, stop=9), {}, dict(stop=0)]

    def train():
        configs = [{"seed": s, "shuffle_seed": s, "callbacks": [StopOrSlow(**plan)]}
                   for s, plan in enumerate(plans)]
        pop = _with_engine(engine, monkeypatch, lambda: fastnn.train_many(
            template, X, y, configs, epochs=12, batch_size=8, seed=4))
        return pop, [c["callbacks"][0].seen for c in configs]

    reference, seen_then = _unbatched(monkeypatch, train)
    calls, again, kinds = _spy(monkeypatch), [], _engines_built(monkeypatch)
    real = loop._train_again
    monkeypatch.setattr(loop, "_train_again", lambda engine, lanes, *a: (
        again.append(len(lanes)), real(engine, lanes, *a))[1])
    pop, seen = train()
    assert kinds[0] == engine
    assert max(count for count, _ in calls) > 1 and sum(again) > 0
    _assert_same(pop, reference)
    assert seen == seen_then
    assert [m.epoch for m in pop] == [3, 7, 12, 10, 12, 1]
    assert pop.histories[2]["lr"][3:5] == pytest.approx([0.05, 0.025])
