"""PopulationSession: a population trained a few epochs at a time (the app's race and seeds
views), the same training as one long call, with each member equal to a Session of its own."""
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import optim
from fastnn.population import PopulationSession, member_model

BATCH = 8


@pytest.fixture
def problem():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(70, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    Xv = rng.normal(size=(25, 3))
    yv = (Xv[:, 0] > 0).astype(int)
    return X, y, (Xv, yv)


def _template(backend):
    net = fastnn.Sequential([fastnn.Dense(6, activation="tanh"), fastnn.Dropout(0.0),
                             fastnn.Dense(3)], input_dim=3)
    net.compile("softmax_cross_entropy", optim.Adam(lr=0.02), backend=backend,
                dtype="float64", seed=7)
    return net


def _configs():
    configs = [{"seed": s, "shuffle_seed": 10 + s, "lr": lr, "dropout": d, "l2": l2}
               for s, (lr, d, l2) in enumerate([(0.01, 0.0, 0.0), (0.05, 0.2, 1e-3),
                                                (0.02, 0.1, 1e-2)])]
    configs[1]["rows"] = np.arange(50)          # a fold
    configs[2]["epochs"] = 2                    # a member that stops early
    return configs


def _same(a, b):
    for x, y in zip(a.members, b.members):
        np.testing.assert_array_equal(x.params, y.params)
        np.testing.assert_array_equal(x.opt_state, y.opt_state)
        assert (x.epoch, x.step) == (y.epoch, y.step)
    assert a.histories == b.histories


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_k_calls_of_one_epoch_are_one_call_of_k_epochs(backend, problem):
    X, y, val = problem
    net, configs = _template(backend), _configs()
    stepped = PopulationSession(net, X, y, configs, batch_size=BATCH, validation_data=val)
    for k in range(5):
        stepped.run(1)
        assert stepped.epochs == [k + 1, k + 1, min(k + 1, 2)]
        assert stepped.curves("val_loss").shape == (3, k + 1)
    whole = PopulationSession(net, X, y, configs, batch_size=BATCH, validation_data=val).run(5)
    _same(stepped, whole)
    pop = fastnn.train_many(net, X, y, configs, epochs=5, batch_size=BATCH, validation_data=val)
    _same(stepped, pop)
    assert stepped.groups == pop.groups == [[0, 1, 2]]
    outputs = stepped.predict(val[0])
    assert outputs.shape == (3, 25, 3)
    for member, out in zip(stepped.members, outputs):
        np.testing.assert_allclose(out, member.predict(val[0]), rtol=1e-12)


def test_each_member_is_a_session_of_its_own_changed_between_calls(problem):
    """Between calls a member's learning rate is changed and another's weights are set: each
    member is then what a Session of that model alone gives with the same changes."""
    X, y, val = problem
    net, configs = _template("numba"), _configs()[:2]
    race = PopulationSession(net, X, y, configs, batch_size=BATCH, validation_data=val)
    alone = []
    for config in configs:
        model = member_model(net, config, X)
        rows = config.get("rows", np.arange(len(X)))
        alone.append(model.session(X[rows], y[rows], batch_size=BATCH,
                                   seed=config["shuffle_seed"], validation_data=val))
    race.run(2)
    for s in alone:
        s.run(2)
    new_weights = [(W * 0.5, b) for W, b in race.members[1].get_weights()]
    race.members[0].optimizer.lr = 0.001
    race.members[1].set_weights(new_weights)
    alone[0].model.optimizer.lr = 0.001
    alone[1].model.set_weights(new_weights)
    race.run(3)
    for s in alone:
        s.run(3)
    for member, s in zip(race.members, alone):
        np.testing.assert_allclose(member.params, s.model.params, rtol=1e-12, atol=1e-12)
        assert (member.epoch, member.step) == (s.model.epoch, s.model.step)
    assert race.histories[0]["lr"] == [0.01, 0.01, 0.001, 0.001, 0.001]


def test_a_member_that_diverges_is_reported_once_and_the_others_go_on(problem):
    # Seeded shuffles, and a learning rate that overflows whatever the order of the rows:
    # lr=1e300 leaves the loss finite (about 1e300) for ~7% of the shuffles (see the next test),
    # so with fit's unseeded shuffles this test failed about one run in 14.
    X, y, _ = problem
    net = _template("numba")
    net.compile("softmax_cross_entropy", optim.SGD(lr=0.01), backend="numba", dtype="float64")
    race = PopulationSession(net, X * 1e3, y, [{"seed": 0, "shuffle_seed": 0},
                                               {"seed": 1, "shuffle_seed": 1, "lr": 1e308}],
                             batch_size=BATCH)
    with pytest.warns(RuntimeWarning, match=r"1 of 2 members diverged \(configs \[1\]\)"):
        race.run(1)
    assert isinstance(race.errors[1], fastnn.DivergenceError) and race.errors[0] is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        race.run(2)
    assert race.epochs == [3, 0]


def test_a_huge_but_finite_loss_is_not_a_divergence_as_in_fit(problem):
    """With inputs that saturate tanh, lr=1e300 need not overflow: the saturated units pass no
    gradient back, the softmax gradient is at most 1, so for some row orders (shuffle 6 here)
    the weights and the loss stay finite near 1e300.  That member has not diverged, in the
    population as in ``fit`` with the same shuffle."""
    X, y, _ = problem
    net = _template("numba")
    net.compile("softmax_cross_entropy", optim.SGD(lr=0.01), backend="numba", dtype="float64")
    config = {"seed": 1, "shuffle_seed": 6, "lr": 1e300}
    race = PopulationSession(net, X * 1e3, y, [{"seed": 0, "shuffle_seed": 0}, config],
                             batch_size=BATCH)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        race.run(1)
    alone = member_model(net, config, X * 1e3)
    history = alone.fit(X * 1e3, y, epochs=1, batch_size=BATCH, seed=6).history
    assert race.errors == [None, None]
    assert 1e299 < race.histories[1]["loss"][0] < np.inf
    assert race.histories[1]["loss"] == pytest.approx(history["loss"], rel=1e-12)
    np.testing.assert_allclose(race.members[1].params, alone.params, rtol=1e-12)


def test_bad_arguments_are_refused_by_name(problem):
    X, y, _ = problem
    race = PopulationSession(_template("numpy"), X, y, [{"seed": 0}])
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        race.run(0)
    with pytest.raises(ValueError, match=r"configs\[0\] has unknown key 'sed'; allowed keys"):
        PopulationSession(_template("numpy"), X, y, [{"sed": 0}])
    with pytest.raises(ValueError, match=r"validation_data must be a tuple \(X_val, y_val\)"):
        PopulationSession(_template("numpy"), X, y, [{"seed": 0}], validation_data=X)
