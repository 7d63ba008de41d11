"""The command line refuses bad input with ``fastnn: error: ...`` and exit status 2, never a traceback.

Models here are saved by the library (NumPy back end) with a hand-written sidecar, so no test
trains more than a few epochs.
"""
import errno
import json
import subprocess
import sys

import numpy as np
import pytest

import fastnn
from fastnn.cli import _sidecar, _table, main


def _csv(path, text):
    path.write_text(text)
    return path


@pytest.fixture
def saved(tmp_path):
    """``(model path, sidecar dict, CSV path)``: a 2-input, 2-class model as fastnn train saves it."""
    model = fastnn.Sequential([fastnn.Dense(3, activation="tanh"), fastnn.Dense(2)], input_dim=2)
    model.compile("softmax_cross_entropy", backend="numpy", seed=0)
    path = tmp_path / "model.fnn"
    model.save(path)
    info = {"task": "classification", "features": ["a", "b"], "target": "label", "source": "x.csv",
            "mean": [0.0, 0.0], "std": [1.0, 1.0], "classes": ["no", "yes"],
            "y_mean": 0.0, "y_std": 1.0}
    _sidecar.write(path, info)
    return path, info, _csv(tmp_path / "rows.csv", "a,b\n1,2\n3,4\n")


def _error(capsys, argv):
    """Run ``fastnn ARGV`` in process; assert exit status 2 and no traceback; return stderr."""
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert status == 2, captured
    assert "fastnn: error: " in captured.err and "Traceback" not in captured.err
    return captured


# --- item 3: duplicate header names ---------------------------------------------------------------

@pytest.mark.parametrize("header, message", [
    ("y,noise,y", "has duplicate column names: 'y' (columns 1 and 3)"),
    ("x,x,y", "has duplicate column names: 'x' (columns 1 and 2)"),
])
def test_duplicate_column_names_are_refused(tmp_path, capsys, header, message):
    data = _csv(tmp_path / "d.csv", header + "\n" + "\n".join("1,0,1" for _ in range(10)) + "\n")
    captured = _error(capsys, ["train", "--csv", data, "--target", "y", "--out", tmp_path / "m.fnn"])
    assert f"--csv: {data} {message}; rename them so every column is unique" in captured.err
    assert "accuracy" not in captured.out


def test_a_value_too_large_for_float32_training_is_refused(tmp_path, capsys):
    """Found by tests/test_fuzz.py: 1.6e154 overflowed the standard deviation (a traceback)."""
    rows = "\n".join(f"{v},0,{i % 2}" for i, v in enumerate([1.6e154] + [0.0] * 9))
    data = _csv(tmp_path / "d.csv", "a,b,y\n" + rows + "\n")
    captured = _error(capsys, ["train", "--csv", data, "--target", "y", "--out", tmp_path / "m.fnn"])
    assert f"column 'a', row 1 (line 2) of {data} is 1.6e+154, beyond ±1e+30" in captured.err


def test_huge_integral_labels_stay_distinct_classes():
    """Found by tests/test_fuzz.py: 1e300 and 2e300 both became int64 -2**63, one class."""
    y, task = _table.target([["1e300"], ["2e300"], ["1e300"]], 0, "y", "d.csv", "classification")
    assert task == "classification" and len(set(y.tolist())) == 2


def test_predict_rows_whose_scaled_values_overflow_float32(capsys, saved):
    path, info, _ = saved
    _sidecar.write(path, {**info, "std": [1e-20, 1.0]})
    rows = _csv(path.parent / "big.csv", "a,b\n1e25,0\n")
    captured = _error(capsys, ["predict", path, "--csv", rows])
    assert f"--csv {rows}: X holds values too large for float32" in captured.err


# --- item 13: linear column lookup, bounded lines -------------------------------------------------

class CountingName(str):
    """A column name that counts the comparisons made with it."""

    comparisons = 0

    def __eq__(self, other):
        CountingName.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_column_lookup_is_linear_in_the_number_of_columns():
    """Counted, not timed: the lookup of n names in an n-column header makes O(n) comparisons
    (it made n²/2: 10k/20k/40k columns took 2.1/4.1/13.2 s)."""
    n = 3000
    header = [CountingName(f"c{i}") for i in range(n)]
    names = [CountingName(f"c{i}") for i in reversed(range(n))]    # equal, not identical
    CountingName.comparisons = 0
    X = _table.features(header, [["1"] * n], names, "wide.csv")
    assert X.shape == (1, n)
    assert CountingName.comparisons <= 2 * n


def test_a_line_longer_than_the_bound_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_table, "MAX_LINE_CHARS", 100)
    data = _csv(tmp_path / "long.csv", "a,label\n" + "1" * 101 + ",x\n")
    captured = _error(capsys, ["train", "--csv", data, "--target", "label", "--out", tmp_path / "m"])
    assert f"--csv: line 2 of {data} is longer than 100 characters" in captured.err


def test_more_columns_than_the_bound_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_table, "MAX_COLUMNS", 10)
    data = _csv(tmp_path / "wide.csv", ",".join(f"c{i}" for i in range(11)) + "\n" + "1," * 10 + "1\n")
    captured = _error(capsys, ["train", "--csv", data, "--target", "c0", "--out", tmp_path / "m"])
    assert f"--csv: {data} has 11 columns; at most 10 are supported" in captured.err


CSV_MEMORY_PROBE = """
import sys, tracemalloc
from fastnn.cli import main
tracemalloc.start()
status = main(["train", "--csv", sys.argv[1], "--target", "c0", "--out", sys.argv[2]])
print(status, tracemalloc.get_traced_memory()[1])
"""


def test_a_huge_line_is_refused_in_bounded_memory(tmp_path):
    """A 32 MB line of 16 million columns is refused after reading at most MAX_LINE_CHARS of it."""
    data = tmp_path / "huge.csv"
    data.write_bytes(b"c0" + b",c" * (1 << 24) + b"\n1\n")
    result = subprocess.run([sys.executable, "-c", CSV_MEMORY_PROBE, str(data), str(tmp_path / "m")],
                            capture_output=True, text=True, timeout=300)
    status, peak = map(int, result.stdout.split())
    assert status == 2 and "is longer than" in result.stderr, result.stderr
    assert peak < 8 * _table.MAX_LINE_CHARS, f"{peak:,} bytes to refuse a 32 MB line"


# --- item 9 (and 8): output paths are checked before any work ------------------------------------

@pytest.mark.parametrize("command", [
    ["train", "--dataset", "xor", "--epochs", "1"],
    ["demo", "--epochs", "1"],
    ["predict", "MODEL", "--csv", "ROWS"],
])
@pytest.mark.parametrize("where, message", [
    ("missing/out.x", "the folder {tmp}/missing does not exist"),
    ("a_dir", "{tmp}/a_dir is a directory"),
])
def test_an_unusable_out_path_is_refused_before_any_work(tmp_path, capsys, saved, command, where,
                                                         message):
    (tmp_path / "a_dir").mkdir()
    argv = [{"MODEL": saved[0], "ROWS": saved[2]}.get(a, a) for a in command]
    captured = _error(capsys, argv + ["--out", tmp_path / where])
    assert "--out " in captured.err and message.format(tmp=tmp_path) in captured.err
    assert "training" not in captured.out and "demo:" not in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_dir", "model.fnn", "model.fnn.json",
                                                          "rows.csv"]


def test_a_sidecar_path_that_is_a_directory_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "m.fnn.json").mkdir()
    captured = _error(capsys, ["train", "--dataset", "xor", "--out", tmp_path / "m.fnn"])
    assert f"--out: the sidecar {tmp_path}/m.fnn.json is a directory" in captured.err


def test_a_save_that_fails_at_the_end_is_an_error_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    def full_disk(handle, **arrays):
        handle.write(b"PK partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    captured = _error(capsys, ["train", "--dataset", "xor", "--epochs", "1",
                               "--out", tmp_path / "m.fnn"])
    assert f"--out {tmp_path}/m.fnn: cannot save the model: [Errno 28] No space" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_a_network_too_big_for_memory_is_refused(tmp_path, capsys):
    captured = _error(capsys, ["train", "--dataset", "xor", "--hidden", "1000000000",
                               "--out", tmp_path / "m.fnn"])
    assert "--hidden 1000000000: the network would have 5,000,000,002 parameters" in captured.err


# --- item 9: bad model files and sidecars ---------------------------------------------------------

def test_predict_with_a_missing_model_says_no_such_model(tmp_path, capsys, saved):
    captured = _error(capsys, ["predict", tmp_path / "nope.fnn", "--csv", saved[2]])
    assert f"MODEL: no such model file: {tmp_path}/nope.fnn" in captured.err


def test_predict_with_a_model_but_no_sidecar(capsys, saved):
    _sidecar.path_for(saved[0]).unlink()
    captured = _error(capsys, ["predict", saved[0], "--csv", saved[2]])
    assert f"no sidecar {saved[0]}.json next to the model" in captured.err


def test_predict_with_a_plain_npy_model_file(tmp_path, capsys, saved):
    np.save(tmp_path / "w.npy", np.zeros(3))
    (tmp_path / "w.npy").rename(saved[0])
    captured = _error(capsys, ["predict", saved[0], "--csv", saved[2]])
    assert f"MODEL: {saved[0]}: a plain .npy array file" in captured.err


@pytest.mark.parametrize("changes, message", [
    ({"mean": [0.0, 0.0, 0.0]}, "mean must be 2 finite numbers (one per feature), got [0.0, 0.0, 0.0]"),
    ({"std": [1.0, 0.0]}, "std must be positive, got 0.0 for feature 'b'"),
    ({"classes": None}, "classes must be the class labels (at least two, distinct) of a "
                        "classification model, got None"),
    ({"features": ["a", "b", "c"], "mean": [0] * 3, "std": [1] * 3},
     "lists 3 features but the model {model} takes 2 inputs"),
    ({"classes": ["a", "b", "c"]}, "lists 3 classes but the model {model} has 2 outputs"),
    ({"task": "clustering"}, "task must be 'classification' or 'regression', got 'clustering'"),
    ({"task": "regression", "y_std": "x"}, "y_std must be a positive finite number, got 'x'"),
    ({"features": "ab"}, "features must be a list of distinct column names, got 'ab'"),
])
def test_an_inconsistent_sidecar_is_named(capsys, saved, changes, message):
    path, info, rows = saved
    _sidecar.write(path, {**info, **changes})
    captured = _error(capsys, ["predict", path, "--csv", rows])
    assert f"{path}.json" in captured.err and message.format(model=path) in captured.err


def test_a_sidecar_that_is_not_utf8(capsys, saved):
    (saved[0].parent / "model.fnn.json").write_bytes(b'{"task": "\xff"}')
    captured = _error(capsys, ["predict", saved[0], "--csv", saved[2]])
    assert f"cannot read {saved[0]}.json: it is not UTF-8 JSON" in captured.err


def test_a_sidecar_file_is_written_atomically(saved):
    assert sorted(p.name for p in saved[0].parent.iterdir()) == ["model.fnn", "model.fnn.json",
                                                                 "rows.csv"]
    assert json.loads(_sidecar.path_for(saved[0]).read_text())["format"] == "fastnn-cli"


# --- item 9: a closed pipe ------------------------------------------------------------------------

def test_predict_into_a_closed_pipe_exits_quietly(tmp_path, saved):
    """``fastnn predict ... | head -1``: Python's documented EPIPE handling, exit status 1."""
    rows = tmp_path / "many.csv"
    rows.write_text("a,b\n" + "0.5,1.5\n" * 50_000)
    child = subprocess.Popen([sys.executable, "-m", "fastnn", "predict", str(saved[0]), "--csv",
                              str(rows)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline().rstrip() == b"label"
    child.stdout.close()                 # what head does after its first line
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 1
    assert stderr == ""

