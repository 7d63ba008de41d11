"""train_many on the CUDA back end (a loop over the members' own CUDA engines for now): every
member equals its config trained alone with fit on cuda, and the numpy population."""
import numpy as np
import pytest

import fastnn
from fastnn import optim


def test_cuda_members_equal_fit_alone_and_the_reference():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(24, 3))
    y = (X[:, 0] > 0).astype(int)
    configs = [{"seed": 0, "shuffle_seed": 1, "lr": 0.02, "rows": np.arange(20)},
               {"seed": 1, "shuffle_seed": 2, "l2": 1e-3, "dropout": 0.2}]
    pops = {}
    for backend in ("cuda", "numpy"):
        net = fastnn.Sequential([fastnn.Dropout(0.0), fastnn.Dense(4, activation="tanh"),
                                 fastnn.Dense(2)], input_dim=3)
        net.compile("softmax_cross_entropy", optim.Adam(lr=0.01), backend=backend,
                    dtype="float64", seed=0)
        pops[backend] = fastnn.train_many(net, X, y, configs, epochs=2, batch_size=8)
    for i in range(len(configs)):
        np.testing.assert_allclose(pops["cuda"][i].params, pops["numpy"][i].params, rtol=1e-10,
                                   atol=1e-12)
        assert pops["cuda"][i].backend == "cuda"
        assert pops["cuda"].histories[i]["loss"] == pytest.approx(
            pops["numpy"].histories[i]["loss"], rel=1e-10)
