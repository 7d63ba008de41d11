"""The race and the seeds view train their networks as one population (issue 14, the app).

Each racer and each seed must be what its configuration trains alone: the app's one-network
path (:class:`TrainingRun`) and ``train_many``'s member.
"""
from importlib import import_module

import numpy as np
import pytest

import fastnn
from fastnn.population import PopulationSplitWarning

TOL = 2e-4     # the back-end suite's float32 tolerance (the app trains in float32)
# The spy below makes the sessions, so the app's filter of this warning (its own calls) misses.
pytestmark = pytest.mark.filterwarnings("ignore::fastnn.population.PopulationSplitWarning")


@pytest.fixture
def sessions(monkeypatch):
    """Every PopulationSession the app makes, with its members' initial weights."""
    made = []

    class Spy(fastnn.PopulationSession):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.initial = [m.get_weights() for m in self.members]
            made.append(self)

    monkeypatch.setattr(fastnn, "PopulationSession", Spy)
    return made


def _finish(qtbot, tab, epochs):
    tab.epochs.setValue(epochs)
    with qtbot.waitSignal(tab.host.worker.sig_finished, timeout=60000):
        tab.start_button.click()
    qtbot.waitUntil(lambda: tab.start_button.isEnabled(), timeout=10000)


def _assert_weights_close(a, b):
    for (Wa, ba, *_), (Wb, bb, *_) in zip(a, b):
        np.testing.assert_allclose(Wa, Wb, rtol=TOL, atol=TOL)
        np.testing.assert_allclose(ba, bb, rtol=TOL, atol=TOL)


def test_the_race_trains_its_racers_as_one_population(window, qtbot, sessions, gui_pkg):
    race = window.race_tab
    race.set_racers((("SGD", 0.03, 10), ("Adam", (0.01, 0.03), 0), ("Momentum", 0.03, 25)))
    variants = race.variants()
    assert [v.optimizer for v in variants] == ["SGD", "Adam", "Adam", "Momentum"]
    _finish(qtbot, race, 12)
    qtbot.waitUntil(lambda: [s.epoch for s in race.snapshots] == [12] * 4, timeout=10000)
    assert len(sessions) == 1 and len(sessions[0]) == 4        # one population, four racers
    session = sessions[0]
    for w in session.initial[1:]:                                 # the same initial weights
        _assert_weights_close(w, session.initial[0])
    run_mod = import_module(gui_pkg.__name__ + ".training_run")
    problem = window.problem
    first = run_mod.TrainingRun(problem, variants[0])
    _assert_weights_close(first.initial_weights, session.initial[0])
    for i, v in enumerate(variants):                              # each racer = it alone
        alone = run_mod.TrainingRun(problem, v, init_weights=first.initial_weights)
        alone.train(12)
        _assert_weights_close(session.members[i].get_weights(), alone.net.get_weights())
        np.testing.assert_allclose(race.snapshots[i].loss_y, alone.loss_y, rtol=TOL)
        alone.close()
    pr = import_module(gui_pkg.__name__ + ".population_run")
    settings_mod = import_module(gui_pkg.__name__ + ".settings")
    template = settings_mod.build_net(variants[0], problem.task, problem.n_inputs,
                                      problem.n_classes, variants[0].seed)
    with pytest.warns(PopulationSplitWarning):     # optimizers and batch sizes differ
        pop = fastnn.train_many(template, problem.inputs(problem.X_train), first.T_train,
                                pr.race_configs(variants, len(problem.X_train)), epochs=12,
                                batch_size=10, seed=variants[0].seed)
    for member, racer in zip(pop, session.members):
        _assert_weights_close(member.get_weights(), racer.get_weights())
    assert race.host.worker.run.session is session
    losses = [s.loss_y[-1] for s in race.snapshots]
    assert len(set(losses)) == 4
    assert all(len(c.getData()[0]) == 12 for c in race.curves[:4])
    assert [not plot.isHidden() for plot, _, _ in race.surfaces] == [True] * 4 + [False] * 12


def test_a_race_of_16_racers_runs_and_more_are_refused(window, qtbot, sessions):
    race = window.race_tab
    window.tabs.setCurrentWidget(race)
    rates = (0.001, 0.003, 0.01, 0.03)
    race.set_racers([(opt, rates, 10) for opt in ("SGD", "Momentum", "RMSProp", "Adam")])
    _finish(qtbot, race, 3)
    qtbot.waitUntil(lambda: len(race.snapshots) == 16, timeout=10000)
    assert len(sessions) == 1 and len(sessions[0]) == 16
    assert [s.epoch for s in race.snapshots] == [3] * 16
    assert all(plot.isVisible() for plot, _, _ in race.surfaces)
    assert len(race.legend.items) == 16 and race.winner() is not None
    race.set_racers([(opt, rates + (0.1,), 10) for opt in ("SGD", "Momentum", "RMSProp",
                                                          "Adam")])
    race.start_button.click()
    assert "2 to 16 racers" in window.message.text() and "give 20" in window.message.text()
    assert len(sessions) == 1 and race.start_button.isEnabled()   # nothing started


def test_the_seeds_view_trains_32_seeds_and_draws_their_band(window, qtbot, sessions, gui_pkg):
    seeds = window.seeds_tab
    window.tabs.setCurrentWidget(seeds)
    _finish(qtbot, seeds, 15)
    qtbot.waitUntil(lambda: seeds.spread is not None and len(seeds.spread.epochs) == 15,
                    timeout=10000)
    assert len(sessions) == 1 and len(sessions[0]) == 32
    session = sessions[0]
    curves = session.curves("loss")
    assert curves.shape == (32, 15)
    mean, std = curves.mean(axis=0), curves.std(axis=0)
    np.testing.assert_allclose(seeds.mean.getData()[1], mean)
    np.testing.assert_allclose(seeds.low.getData()[1], mean - std)
    np.testing.assert_allclose(seeds.high.getData()[1], mean + std)
    for curve, row in zip(seeds.curves, curves):
        np.testing.assert_array_equal(curve.getData()[1], row)
    assert std[-1] > 0                                  # the seeds do not train alike
    firsts = [w[0][0] for w in session.initial]
    assert not np.array_equal(firsts[0], firsts[1])     # different initial weights
    run_mod = import_module(gui_pkg.__name__ + ".training_run")
    alone = run_mod.TrainingRun(window.problem, window.settings)   # seed s: the playground's
    alone.train(15)
    _assert_weights_close(session.members[0].get_weights(), alone.net.get_weights())
    alone.close()
    assert "over 32 seeds" in seeds.summary.text()
    seeds.reset_button.click()
    assert seeds.spread is None and seeds.mean.getData()[0] is None


def test_nan_mean_std_leaves_out_stopped_members(gui_pkg):
    pr = import_module(gui_pkg.__name__ + ".population_run")
    curves = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, 5.0], [5.0, np.nan, np.nan]])
    mean, std = pr.nan_mean_std(curves)
    np.testing.assert_allclose(mean, [3.0, 3.0, 5.0])
    np.testing.assert_allclose(std, [np.std([1.0, 3.0, 5.0]), 1.0, 0.0])
    mean, _ = pr.nan_mean_std(np.full((2, 1), np.nan))
    assert np.isnan(mean).all()


def test_a_racer_that_diverges_drops_out_and_the_others_finish(window, qtbot):
    window.data_panel.select("Plane")
    qtbot.waitUntil(lambda: window.problem.name == "Plane", timeout=20000)
    race = window.race_tab
    race.set_racers((("SGD", 100, 10), ("SGD", 0.03, 10)))
    _finish(qtbot, race, 20)
    qtbot.waitUntil(lambda: len(race.snapshots) == 2, timeout=10000)
    bad, good = race.snapshots
    assert "racer 1 diverged at epoch" in window.message.text()
    assert bad.epoch < 20 and bad.surface is None and np.isfinite(bad.loss_y).all()
    assert good.epoch == 20 and good.surface is not None
    assert race.winner() == 1 and "winner" in race.legend.getLabel(race.curves[1]).text
