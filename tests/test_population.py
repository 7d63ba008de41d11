"""train_many: every member equals training its config alone with fit, on every back end, and the
Population built from them; bad input refused with errors that say what to do."""
import re
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import callbacks, optim
from fastnn.population import PopulationSplitWarning, member_model

TOL = {"float64": 1e-10, "float32": 2e-4}      # the back-end suite's tolerances
EPOCHS, BATCH = 3, 8
# Dropout and a penalty in a config make its population use the kernel most tests use (each new
# combination of activations, loss, dropout, penalty and optimizer kind is a kernel to compile).
SAME_KERNEL = {"l2": 1e-4, "dropout": 0.1}


def _data(rng, n=70):
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    return X, y


def _template(backend, dtype="float64", optimizer=None, loss="softmax_cross_entropy", out=3,
              hidden=("tanh", "relu")):
    layers = [fastnn.Dense(6, activation=hidden[0]), fastnn.Dropout(0.0),
              fastnn.Dense(5, activation=hidden[1]), fastnn.Dense(out)]
    net = fastnn.Sequential(layers, input_dim=3)
    net.compile(loss, optimizer or optim.Adam(lr=0.02), backend=backend, dtype=dtype, seed=7)
    return net


def _fit_alone(template, config, X, y, **kwargs):
    """What configs[i] trained alone with fit gives: (model, history)."""
    model = member_model(template, config, X)
    rows = config.get("rows", np.arange(len(X)))
    history = model.fit(X[rows], y[rows], epochs=config.get("epochs", EPOCHS),
                        batch_size=BATCH, seed=config.get("shuffle_seed"),
                        callbacks=config.get("callbacks"), **kwargs)
    return model, history.history


def _assert_members_equal_fits(pop, template, configs, X, y, tol, **kwargs):
    for i, config in enumerate(configs):
        model, history = _fit_alone(template, config, X, y, **kwargs)
        np.testing.assert_allclose(pop[i].params, model.params, rtol=tol, atol=tol)
        np.testing.assert_allclose(pop[i].opt_state, model.opt_state, rtol=tol, atol=tol)
        assert (pop[i].epoch, pop[i].step) == (model.epoch, model.step)
        assert pop.histories[i].keys() == history.keys()
        for key in history:
            np.testing.assert_allclose(pop.histories[i][key], history[key], rtol=tol, atol=tol)


def _configs(rng, n_rows, extra=()):
    """Members differing in everything a population lets differ: seeds, lr, l1/l2, dropout and
    their rows (folds of different sizes, a bootstrap resample)."""
    configs = [{"seed": s, "shuffle_seed": 100 + s, "lr": lr, "l2": l2, "l1": l1, "dropout": d}
               for s, (lr, l2, l1, d) in enumerate([(0.02, 0, 0, 0), (0.05, 1e-3, 0, 0.3),
                                                    (0.01, 0, 1e-3, 0.1), (0.03, 1e-2, 1e-3, 0)])]
    configs[1]["rows"] = np.arange(n_rows - 13)                       # a fold
    configs[2]["sample_mask"] = np.arange(n_rows) % 3 != 0            # another fold
    configs[3]["rows"] = rng.integers(0, n_rows, n_rows)              # bootstrap
    for config in configs:
        if "sample_mask" in config:
            config["rows"] = np.flatnonzero(config.pop("sample_mask"))
        config.update(extra)
    return configs


def test_every_member_equals_fit_alone(any_backend, rng):
    backend = any_backend
    X, y = _data(rng)
    template = _template(backend)
    configs = _configs(rng, len(X))
    pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH,
                            validation_data=(X[:20], y[:20]))
    assert len(pop) == 4 and pop.groups == [[0, 1, 2, 3]]
    _assert_members_equal_fits(pop, template, configs, X, y, TOL["float64"],
                               validation_data=(X[:20], y[:20]))


def test_float32_members_within_the_backend_tolerance(backend, rng):
    X, y = _data(rng)
    template = _template(backend, "float32")
    configs = _configs(rng, len(X))
    pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH)
    _assert_members_equal_fits(pop, template, configs, X, y, TOL["float32"])


@pytest.mark.parametrize("optimizer, extra", [
    (optim.SGD(lr=0.05, momentum=0.9, nesterov=True), [{}, {"nesterov": False},
                                                       {"momentum": 0.0, "nesterov": False}, {}]),
    (optim.RMSProp(lr=0.01, momentum=0.5), [{}, {"momentum": 0.0}, {"alpha": 0.9}, {}]),
    (optim.AdaGrad(lr=0.05, lr_decay=0.01), [{}, {"eps": 1e-6}, {"lr_decay": 0.0}, {}]),
], ids=["sgd", "rmsprop", "adagrad"])
def test_each_optimizer_kind_with_per_member_hyper_parameters(optimizer, extra, rng):
    X, y = _data(rng)
    template = _template("numba", optimizer=optimizer)
    configs = _configs(rng, len(X))
    for config, more in zip(configs, extra):
        config.update(more, weight_decay=0.01)
    pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH)
    _assert_members_equal_fits(pop, template, configs, X, y, TOL["float64"])


@pytest.mark.parametrize("loss, hidden", [("mse", ("prelu", "sigmoid")),
                                          ("binary_cross_entropy", ("elu", "tanh")),
                                          ("hinge", ("leaky_relu", "relu"))])
def test_other_losses_and_activations(loss, hidden, rng):
    X, _ = _data(rng)
    y = rng.normal(size=(len(X), 2)) if loss == "mse" else (X[:, :2] > 0).astype(float)
    template = _template("numba", optimizer=optim.SGD(lr=0.05, momentum=0.5), loss=loss, out=2,
                         hidden=hidden)
    configs = [{"seed": s, "shuffle_seed": s, "l1": 1e-3 * s} for s in range(3)]
    pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH)
    _assert_members_equal_fits(pop, template, configs, X, y, TOL["float64"])


def test_a_population_of_one_is_fit_on_the_template(any_backend, rng):
    """No seed in the config: the member starts from (a copy of) the template's weights."""
    backend = any_backend
    X, y = _data(rng)
    template = _template(backend)
    pop = fastnn.train_many(template, X, y, [SAME_KERNEL], epochs=EPOCHS, batch_size=BATCH,
                            seed=5)
    alone = member_model(_template(backend), SAME_KERNEL, X)
    history = alone.fit(X, y, epochs=EPOCHS, batch_size=BATCH, seed=5)
    np.testing.assert_allclose(pop[0].params, alone.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(pop.histories[0]["loss"], history.history["loss"], rtol=1e-10)
    assert template.epoch == 0 and pop[0] is not template


def test_members_do_not_depend_on_their_neighbours(rng):
    """A member trains bit for bit the same in any population (what makes chunks on Dask
    workers identical to a local run)."""
    X, y = _data(rng)
    template = _template("numba")
    configs = _configs(rng, len(X))
    whole = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH)
    for i in (0, 3):
        alone = fastnn.train_many(template, X, y, [configs[i]], epochs=EPOCHS, batch_size=BATCH)
        np.testing.assert_array_equal(alone[0].params, whole[i].params)


def test_per_member_epochs_and_early_stopping_callbacks(rng):
    X, y = _data(rng)
    template = _template("numba")
    configs = [{"seed": 0, "shuffle_seed": 0, "epochs": 2, **SAME_KERNEL},
               {"seed": 1, "shuffle_seed": 1, "epochs": 6, "lr": 0.5, **SAME_KERNEL,
                "callbacks": [callbacks.EarlyStopping("loss", patience=0,
                                                      restore_best_weights=True)]},
               {"seed": 2, "shuffle_seed": 2, "epochs": 4, **SAME_KERNEL}]
    pop = fastnn.train_many(template, X, y, configs, batch_size=BATCH)
    for i, config in enumerate(configs):
        if "callbacks" in config:       # a fresh callback for the fit alone
            config = dict(config, callbacks=[callbacks.EarlyStopping(
                "loss", patience=0, restore_best_weights=True)])
        model, history = _fit_alone(template, config, X, y)
        np.testing.assert_allclose(pop[i].params, model.params, rtol=1e-10, atol=1e-12)
        assert pop.histories[i]["loss"] == pytest.approx(history["loss"], rel=1e-10)
    assert [len(h["loss"]) for h in pop.histories][::2] == [2, 4]
    assert pop.curves("loss").shape == (3, 4)


def test_a_diverging_member_keeps_its_last_finite_weights_and_the_others_train(rng):
    X, y = _data(rng)
    X[:, 0] *= 1e3
    template = _template("numba", optimizer=optim.SGD(lr=0.01, momentum=0.9, nesterov=True))
    configs = [{"seed": 0, "shuffle_seed": 0, **SAME_KERNEL},
               {"seed": 1, "shuffle_seed": 1, "lr": 1e300, **SAME_KERNEL}]
    with pytest.warns(RuntimeWarning, match=r"1 of 2 members diverged \(configs \[1\]\)"):
        pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH)
    assert pop.errors[0] is None and isinstance(pop.errors[1], fastnn.DivergenceError)
    assert np.isfinite(pop[1].params).all()
    with pytest.raises(fastnn.DivergenceError):
        _fit_alone(template, configs[1], X, y)
    model, _ = _fit_alone(template, configs[0], X, y)
    np.testing.assert_allclose(pop[0].params, model.params, rtol=1e-10, atol=1e-12)


def test_population_results(rng):
    X, y = _data(rng)
    template = _template("numba")
    configs = [{"seed": s, "shuffle_seed": s, "lr": lr, **SAME_KERNEL} for s in range(2)
               for lr in (1e-3, 3e-2)]
    pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH,
                            validation_data=(X, y))
    assert pop.predict(X).shape == (4, len(X), 3)
    np.testing.assert_allclose(pop.predict(X)[2], pop[2].predict(X))
    val_loss = [h["val_loss"][-1] for h in pop.histories]
    assert pop.best_index("val_loss") == int(np.argmin(val_loss))
    assert pop.best("val_accuracy") is pop[int(np.argmax([h["val_accuracy"][-1]
                                                          for h in pop.histories]))]
    assert pop.evaluate(X, y)["loss"] == pytest.approx(val_loss, rel=1e-5)
    assert pop.curves("val_loss").shape == (4, EPOCHS)
    assert "4 members in 1 group" in repr(pop)
    with pytest.raises(ValueError, match=r"metric 'val_f1' is not in the histories; they have "
                                         r"\['accuracy', 'loss', 'lr', 'val_accuracy'"):
        pop.best("val_f1")


def test_members_that_cannot_share_a_kernel_are_grouped_and_told_why(rng):
    X, y = _data(rng)
    template = _template("numba")
    other = fastnn.Sequential([fastnn.Dense(4, activation="relu"), fastnn.Dense(3)], input_dim=3)
    other.compile("softmax_cross_entropy", "adam", backend="numba", dtype="float64", seed=1)
    configs = [{"seed": 0}, {"seed": 1, "optimizer": optim.SGD(lr=0.1)}, {"model": other},
               {"seed": 2}]
    with pytest.warns(PopulationSplitWarning, match=re.escape(
            "the 4 configs form 3 populations trained one after another, because they differ in "
            "architecture, activations, optimizer kind: configs [0, 3] (architecture 3-6-5-3; "
            "activations tanh, relu, identity; optimizer kind Adam), configs [1]")):
        pop = fastnn.train_many(template, X, y, configs, epochs=2, batch_size=BATCH, seed=3)
    assert pop.groups == [[0, 3], [1], [2]]
    for i, config in enumerate(configs):
        model, _ = _fit_alone(template, dict(config, shuffle_seed=3, epochs=2), X, y)
        np.testing.assert_allclose(pop[i].params, model.params, rtol=1e-10, atol=1e-12)


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("configs, error, match", [
    ([], ValueError, r"configs is empty; give at least one dict"),
    ({"seed": 1}, TypeError, r"configs must be a list of dicts, got dict"),
    ([{"seed": 1}, 3], TypeError, r"configs\[1\] must be a dict, got int"),
    ([{"sead": 1}], ValueError, r"configs\[0\] has unknown key 'sead'; allowed keys are "
                                r"\['alpha', 'batch_size', 'beta1'"),
    ([{"lr": "fast"}], TypeError, r"configs\[0\]\['lr'\] must be learning rate \(a positive "
                                  r"number\); got 'fast'"),
    ([{"seed": -1}], TypeError, r"configs\[0\]\['seed'\] must be seed of the initial weights"),
    ([{"lr": -0.1}], ValueError, r"configs\[0\]\['lr'\]: learning rate lr must be a positive "
                                 r"finite number, got -0.1"),
    ([{"momentum": 0.9}], ValueError, r"configs\[0\]\['momentum'\]: Adam has no hyper-parameter "
                                      r"'momentum'; its are \['lr', 'weight_decay', 'schedule', "
                                      r"'beta1', 'beta2', 'eps'\]"),
    ([{"rows": [0, 99]}], ValueError, r"configs\[0\]\['rows'\] holds row 99 but X has 70 rows"),
    ([{"sample_mask": np.ones(5, bool)}], TypeError, r"configs\[0\]\['sample_mask'\] must be "
                                                     r"training rows: a boolean mask .* \(X has "
                                                     r"70 rows\)"),
    ([{"l2": [0.1, 0.2]}], ValueError, r"configs\[0\]\['l2'\] has 2 values but the model has 3 "
                                       r"Dense layers"),
    ([{"dropout": 1.5}], ValueError, r"configs\[0\]\['dropout'\]: Dropout rate must be in "
                                     r"\[0.0, 1.0\), got 1.5"),
])
def test_bad_configs_are_refused(configs, error, match, rng):
    X, y = _data(rng)
    with pytest.raises(error, match=match):
        fastnn.train_many(_template("numpy"), X, y, configs)


def test_dropout_needs_a_dropout_layer(rng):
    X, y = _data(rng)
    net = fastnn.Sequential([fastnn.Dense(3)], input_dim=3)
    net.compile("softmax_cross_entropy")
    with pytest.raises(ValueError, match=r"configs\[0\]\['dropout'\] sets the rate of the "
                                         r"model's Dropout layers, but it has none"):
        fastnn.train_many(net, X, y, [{"dropout": 0.2}])


def test_template_must_be_a_compiled_sequential(rng):
    X, y = _data(rng)
    with pytest.raises(TypeError, match="template must be a compiled fastnn.Sequential, got "
                                        "MLPClassifier"):
        fastnn.train_many(fastnn.MLPClassifier(), X, y, [{}])
    with pytest.raises(ValueError, match=r"template is not compiled; call template.compile"):
        fastnn.train_many(fastnn.Sequential([fastnn.Dense(2)], input_dim=3), X, y, [{}])


def test_too_many_members_for_the_memory_are_refused_with_the_figure(rng):
    X, y = _data(rng)
    with pytest.raises(MemoryError, match=r"train_many: 1000 members of 3-6-5-3 would need "
                                          r"about .* MiB \(.* KiB each\), more than the 1.0 MiB "
                                          r"allowed \(memory_limit\); train at most \d+ at a "
                                          r"time, or spread them over Dask workers with client="):
        fastnn.train_many(_template("numba"), X, y, [{"seed": s} for s in range(1000)],
                          memory_limit=1 << 20)


def test_no_warning_when_every_member_shares_the_kernel(rng):
    X, y = _data(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fastnn.train_many(_template("numba"), X, y, [dict(SAME_KERNEL, seed=s) for s in range(2)],
                          epochs=1)


def test_blocks_of_members_on_several_threads_give_the_same_members(rng, monkeypatch):
    from fastnn.backends import numba_population
    X, y = _data(rng)
    template = _template("numba")
    configs = _configs(rng, len(X)) * 2
    one = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH,
                            validation_data=(X, y))
    monkeypatch.setattr(numba_population, "BLOCK_MIN_LANES", 2)
    monkeypatch.setattr(numba_population, "BLOCK_MIN_WORK", 1)
    assert numba_population.blocks_for(template._spec(), 8, 70, 3) == 3
    fastnn.set_num_threads(3)
    try:
        blocked = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH,
                                    validation_data=(X, y))
    finally:
        fastnn.set_num_threads("auto")
    for a, b in zip(one, blocked):
        np.testing.assert_array_equal(a.params, b.params)
    assert one.histories == blocked.histories
    np.testing.assert_array_equal(one.predict(X), blocked.predict(X))


def test_ctrl_c_while_blocks_train_waits_for_every_running_block(rng):
    """Ctrl-C reaches the main thread while it waits for the blocks; the blocks' kernels cannot
    be stopped, so the engine lets every running block end its call before the interrupt goes
    on: the population loop then restores whole members, not ones a thread is still writing."""
    import signal
    import threading
    import time

    from fastnn.backends import numba_population
    X, y = _data(rng)
    template = _template("numba")
    spec, M = template._spec(), 4
    params = np.stack([template.params] * M)
    engine = numba_population.BlockedEngine(2, [spec] * M, params, np.zeros((M, 2, spec.n_params)),
                                            X, np.eye(3)[y], [None] * M, BATCH)
    main, finished = threading.get_ident(), []

    def call(b):
        if b == 0:
            time.sleep(0.5)             # a block still in its kernel
            finished.append(b)
        else:                           # Ctrl-C while the main thread waits for the blocks
            time.sleep(0.1)
            signal.pthread_kill(main, signal.SIGINT)
        return b

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            engine._each(call)
            time.sleep(1.0)             # (where the interrupt lands if it came after the wait)
    finally:
        signal.signal(signal.SIGINT, before)
    assert finished == [0]


@pytest.mark.parametrize("engine", ["lanes", "member-by-member"])
def test_ctrl_c_during_an_epoch_keeps_every_members_last_completed_epoch(engine, rng, capsys,
                                                                        monkeypatch):
    """Ctrl-C while the engine trains the third epoch: every member goes back to the end of
    the second, with its history and counters, and train_many returns the population."""
    from fastnn.backends import _member_loop, numba_population
    X, y = _data(rng)
    template = _template("numba") if engine == "lanes" else _wide_template()
    configs = [{"seed": s, "shuffle_seed": s} for s in range(3)]

    def train(epochs):                  # validation data: one engine call per epoch
        return fastnn.train_many(template, X, y, configs, epochs=epochs, batch_size=BATCH,
                                 validation_data=(X, y))

    two = train(2)
    cls = numba_population.PopulationEngine if engine == "lanes" else _member_loop.PopulationEngine
    real, calls = cls.epoch, []

    def interrupted_in_the_third(self, *args):
        result = real(self, *args)
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(cls, "epoch", interrupted_in_the_third)
    pop = train(6)
    assert len(calls) == 3 and "training interrupted" in capsys.readouterr().err
    for mine, theirs in zip(pop, two):
        np.testing.assert_array_equal(mine.params, theirs.params)
        np.testing.assert_array_equal(mine.opt_state, theirs.opt_state)
        assert (mine.epoch, mine.step) == (theirs.epoch, theirs.step) == (2, 2 * 9)
    assert pop.histories == two.histories


def _wide_template():
    """A network past LANES_MAX_PRODUCT (32 x 16): numba trains it member by member."""
    template = fastnn.Sequential([fastnn.Dense(32, activation="relu"), fastnn.Dropout(0.0),
                                  fastnn.Dense(16, activation="relu"), fastnn.Dense(3)],
                                 input_dim=3)
    template.compile("softmax_cross_entropy", optim.Adam(lr=0.01), backend="numba",
                     dtype="float64", seed=1)
    return template


def test_wider_networks_train_member_by_member_on_numba_and_still_equal_fit(rng):
    """Past LANES_MAX_PRODUCT each member's own BLAS products are faster than the lanes; the
    population then runs numba_cpu's kernel member by member, with the same results."""
    from fastnn.backends import numba_population
    X, y = _data(rng)
    template = _wide_template()
    assert not numba_population.in_lanes(template._spec())
    configs = _configs(rng, len(X))
    pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH)
    _assert_members_equal_fits(pop, template, configs, X, y, 1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_wide_or_weighted_members_in_blocks_on_threads_equal_one_engine(weighted, rng,
                                                                       monkeypatch):
    """Members trained one by one by numba_cpu's kernel (too wide for the lanes, or with sample
    weights) go to the cores in blocks of as few as one member, each block's products on one
    BLAS thread, and end as with one engine."""
    from fastnn import _threads
    from fastnn.backends import numba_population
    X, y = _data(rng)
    w = rng.uniform(0.5, 2.0, size=len(X)) if weighted else None
    template = _template("numba") if weighted else _wide_template()
    configs = _configs(rng, len(X))
    spec = _wide_template()._spec()       # on 10,000 rows, blocks pay for their threads
    assert numba_population.blocks_for(spec, 3, 10_000, 4, lanes=False) == 3
    assert numba_population.blocks_for(spec, 3, 10_000, 4, lanes=True) == 1

    def train(threads):
        fastnn.set_num_threads(threads)
        try:
            return fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH,
                                     validation_data=(X, y), sample_weight=w)
        finally:
            fastnn.set_num_threads("auto")

    one = train(1)
    monkeypatch.setattr(numba_population, "BLOCK_MIN_WORK", 1)
    engines, blas_threads, real = [], [], numba_population.BlockedEngine._each

    def each(self, call):
        engines.append(self)
        return real(self, lambda b: (blas_threads.append(_threads.current()), call(b))[1])

    monkeypatch.setattr(numba_population.BlockedEngine, "_each", each)
    blocked = train(3)
    assert engines and len(engines[0]._blocks) == 3 and set(blas_threads) == {1}
    for a, b in zip(one, blocked):
        np.testing.assert_array_equal(a.params, b.params)
    assert one.histories == blocked.histories
    np.testing.assert_array_equal(one.predict(X), blocked.predict(X))


def test_population_queries_refuse_what_they_cannot_answer(rng):
    X, y = _data(rng)
    template = _template("numpy")
    other = fastnn.Sequential([fastnn.Dense(4, activation="relu"), fastnn.Dense(4)], input_dim=3)
    other.compile("softmax_cross_entropy", "adam", backend="numpy", dtype="float64", seed=1)
    with pytest.warns(PopulationSplitWarning):
        pop = fastnn.train_many(template, X, y, [{"seed": 0}, {"model": other}], epochs=1,
                                batch_size=BATCH)
    with pytest.raises(ValueError, match=r"mode must be 'auto', 'min' or 'max', got 'lowest'"):
        pop.best_index("loss", mode="lowest")
    with pytest.raises(ValueError, match=r"metric 'val_loss' is not in the histories; they have "
                                         r"\['accuracy', 'loss', 'lr'\] \(pass validation_data="):
        pop.best("val_loss")
    with pytest.raises(ValueError, match=r"the members have different output widths \[3, 4\]; "
                                         r"predict with each group of Population.groups"):
        pop.predict(X)
    pop.histories[0]["loss"][-1] = pop.histories[1]["loss"][-1] = float("nan")
    with pytest.raises(ValueError, match=r"no member logged a finite 'loss'"):
        pop.best("loss")


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_sample_weight_trains_each_member_with_its_rows_weights(backend, rng):
    X, y = _data(rng)
    w = rng.uniform(0.1, 2.0, len(X))
    template = _template(backend)
    configs = _configs(rng, len(X))
    pop = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH,
                            sample_weight=w)
    plain = fastnn.train_many(template, X, y, configs, epochs=EPOCHS, batch_size=BATCH)
    for i, config in enumerate(configs):
        rows = config.get("rows", np.arange(len(X)))
        model, history = _fit_alone(template, config, X, y, sample_weight=w[rows])
        np.testing.assert_allclose(pop[i].params, model.params, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(pop.histories[i]["loss"], history["loss"], rtol=1e-10)
        assert not np.allclose(pop[i].params, plain[i].params)


def test_sample_weight_is_checked_as_fit_checks_it(rng):
    X, y = _data(rng)
    with pytest.raises(ValueError, match=r"sample_weight must be 1-D"):
        fastnn.train_many(_template("numpy"), X, y, [{}], sample_weight=np.ones((70, 2)))
    w = np.ones(len(X))
    w[:10] = 0
    with pytest.raises(ValueError, match=r"sample_weight is zero on every training row of "
                                         r"configs\[1\]"):
        fastnn.train_many(_template("numpy"), X, y, [{}, {"rows": np.arange(10)}],
                          sample_weight=w)
