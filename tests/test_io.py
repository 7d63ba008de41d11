"""Save/load: identical predictions, and clear errors for broken files."""
import json
import re
import zipfile

import numpy as np
import pytest

import fastnn
from fastnn.optim import Adam, StepDecay


@pytest.fixture
def trained(rng):
    X = rng.normal(size=(40, 3))
    y = rng.integers(0, 3, 40)
    net = fastnn.Sequential([fastnn.Dense(6, activation="prelu", l2=0.01), fastnn.Dropout(0.1),
                             fastnn.Dense(3)], input_dim=3)
    net.compile("softmax_cross_entropy", Adam(lr=0.01, schedule=StepDecay(5, 0.5)), seed=0)
    net.fit(X, y, epochs=3)
    return net, X, y


def test_round_trip_gives_identical_predictions_and_state(trained, tmp_path):
    net, X, y = trained
    path = tmp_path / "model.fnn"
    net.save(path)
    loaded = fastnn.load(path)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    assert repr(loaded.layers) == repr(net.layers)
    assert loaded.optimizer.get_config() == net.optimizer.get_config()
    assert (loaded.epoch, loaded.step) == (net.epoch, net.step)
    np.testing.assert_array_equal(loaded.opt_state, net.opt_state)
    # Training continues identically from the saved optimizer state.
    net.fit(X, y, epochs=1, seed=4)
    loaded.fit(X, y, epochs=1, seed=4)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no fastnn model file at"):
        fastnn.load(tmp_path / "nope.fnn")


def test_truncated_file(trained, tmp_path):
    path = tmp_path / "model.fnn"
    trained[0].save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(fastnn.ModelFileError, match=re.escape(f"{path}: not a readable fastnn model file")):
        fastnn.load(path)


def test_garbage_file(tmp_path):
    path = tmp_path / "model.fnn"
    path.write_bytes(b"definitely not a model")
    with pytest.raises(fastnn.ModelFileError, match="not a readable fastnn model file"):
        fastnn.load(path)


def _rewrite(path, tmp_path, **changes):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    spec = json.loads(arrays["spec"].tobytes())
    spec.update(changes.pop("spec", {}))
    arrays["spec"] = np.frombuffer(json.dumps(spec).encode(), np.uint8)
    arrays.update(changes)
    out = tmp_path / "edited.fnn"
    with open(out, "wb") as handle:
        np.savez(handle, **arrays)
    return out


@pytest.mark.parametrize("changes, match", [
    ({"spec": {"version": 99}}, "format version 99; this fastnn reads version 1"),
    ({"spec": {"format": "other"}}, "not a fastnn model file"),
    ({"params": np.zeros(5, np.float32)}, r"params.npy holds <f4 of shape \(5,\); expected floats "
                                          r"of shape \(51,\) \(the spec's layers have 51 parameters\)"),
    ({"params": None}, "params.npy holds NaN or infinite values"),
    ({"spec": {"layers": [{"type": "Conv2D"}]}}, r"spec layer 0 \({'type': 'Conv2D'}\) is invalid: unknown layer type 'Conv2D'"),
])
def test_wrong_content(trained, tmp_path, changes, match):
    net = trained[0]
    path = tmp_path / "model.fnn"
    net.save(path)
    if "params" in changes and changes["params"] is None:
        changes["params"] = np.full_like(net.params, np.nan)
    edited = _rewrite(path, tmp_path, **changes)
    with pytest.raises(fastnn.ModelFileError, match=re.escape(f"{edited}: ") + match):
        fastnn.load(edited)


def test_file_is_a_plain_zip_without_pickles(trained, tmp_path):
    path = tmp_path / "model.fnn"
    trained[0].save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["opt_state.npy", "params.npy", "spec.npy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.fnn"]     # no temporary file
