"""The ``fastnn`` command line: train -> predict round trip, clear errors, info, demo PNG."""
import csv
import subprocess
import sys

import numpy as np
import pytest

from fastnn.cli import main


def run_cli(*args, cwd, timeout=240):
    """``python -m fastnn ARGS`` in a subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "fastnn", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def labelled_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    return write_csv(tmp_path / "data.csv", ["a", "b", "c", "label"],
                     [[*x, label] for x, label in zip(X, labels)]), labels


def test_train_predict_round_trip(tmp_path, labelled_csv):
    data, labels = labelled_csv
    trained = run_cli("train", "--csv", data, "--target", "label", "--hidden", "8",
                      "--epochs", "60", "--out", "model.fnn", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "test: accuracy" in trained.stdout and "epochs/s" in trained.stdout
    assert "epoch/s" in trained.stderr                 # the tqdm progress bar
    assert (tmp_path / "model.fnn").is_file() and (tmp_path / "model.fnn.json").is_file()
    predicted = run_cli("predict", "model.fnn", "--csv", data, "--out", "preds.csv", cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    with open(tmp_path / "preds.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["label"] and len(rows) == 201
    assert np.mean(np.array([r[0] for r in rows[1:]]) == labels) > 0.9


def test_train_on_a_dataset_and_regression_csv_in_process(tmp_path, capsys):
    assert main(["train", "--dataset", "xor", "--epochs", "20", "--out",
                 str(tmp_path / "xor.fnn")]) == 0
    assert "train: accuracy" in capsys.readouterr().out
    x = np.linspace(-1, 1, 60)
    data = write_csv(tmp_path / "r.csv", ["x", "price"], [[v, 3 * v + 10] for v in x])
    assert main(["train", "--csv", str(data), "--target", "price", "--hidden", "none",
                 "--epochs", "150", "--out", str(tmp_path / "r.fnn")]) == 0
    assert "test: rmse" in capsys.readouterr().out
    assert main(["predict", str(tmp_path / "r.fnn"), "--csv", str(data)]) == 0
    values = np.array(capsys.readouterr().out.split()[1:], dtype=float)
    np.testing.assert_allclose(values, 3 * x + 10, atol=0.1)


def test_train_mnist_finds_the_shared_copy_from_any_folder(tmp_path, monkeypatch, mnist_path):
    """``fastnn train --dataset mnist`` uses the library's one lookup (no $FASTNN_DATA, an empty
    user cache, another current folder: ../shared/data/mnist beside the checkout is found); a
    wrong --mnist-path says where it looked."""
    monkeypatch.delenv("FASTNN_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    trained = run_cli("train", "--dataset", "mnist", "--hidden", "8", "--epochs", "1",
                      "--out", "digits.fnn", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "test: accuracy" in trained.stdout
    missing = run_cli("train", "--dataset", "mnist", "--mnist-path", tmp_path / "nowhere",
                      "--epochs", "1", cwd=tmp_path)
    assert missing.returncode == 2 and "looked in" in missing.stderr
    assert str(tmp_path / "nowhere") in missing.stderr


@pytest.mark.parametrize("content, message", [
    ("a,b,label\n1,2,yes\n3,abc,no\n", "column 'b', row 2 (line 3) of bad.csv holds 'abc', which is not a number"),
    ("a,b,label\n1,2,yes\n3,nan,no\n", "column 'b', row 2 (line 3) of bad.csv is 'nan'; fill or drop"),
    ("a,b,label\n1,2,yes\n3,,no\n", "column 'b', row 2 (line 3) of bad.csv is empty"),
    ("a,b,label\n1,2,yes\n3,4\n", "row 2 has 2 values but the header has 3 columns"),
    ("a,b,label\n1,2,yes\n3,4,\n", "--target: column 'label', row 2 (line 3) of bad.csv is missing"),
])
def test_bad_csv_gives_a_clear_message_and_exit_2(tmp_path, capsys, content, message):
    (tmp_path / "bad.csv").write_text(content)
    status = main(["train", "--csv", str(tmp_path / "bad.csv"), "--target", "label",
                   "--out", str(tmp_path / "m.fnn")])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err.replace(str(tmp_path / "bad.csv"), "bad.csv")
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["train", "--csv", "missing.csv", "--target", "y"], "--csv: no such file: missing.csv"),
    (["train", "--csv", "DATA", "--target", "nope"], "--target: column 'nope' is not in"),
    (["train", "--csv", "DATA"], "--csv needs --target COLUMN"),
    (["train", "--dataset", "spiral", "--hidden", "16,x"], "argument --hidden: expected comma-separated"),
    (["train", "--dataset", "spiral", "--lr", "0"], "argument --lr: expected a positive"),
    (["train", "--dataset", "spiral", "--epochs", "-3"], "argument --epochs: expected a positive integer"),
    (["train", "--dataset", "spiral", "--test-size", "1.5"], "argument --test-size: expected a fraction"),
    (["train", "--dataset", "nope"], "argument --dataset: invalid choice"),
    (["train", "--dataset", "sine", "--loss", "hinge"], "--loss hinge does not fit a regression target"),
    (["predict", "nomodel.fnn", "--csv", "DATA"], "MODEL: no such model file: nomodel.fnn"),
])
def test_bad_arguments_name_the_flag(tmp_path, monkeypatch, capsys, labelled_csv, argv, message):
    monkeypatch.chdir(tmp_path)
    argv = [str(labelled_csv[0]) if a == "DATA" else a for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_info_lists_back_ends_threads_cpu_and_gpu(tmp_path):
    result = run_cli("info", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for word in ("fastnn 0.1.0", "back ends:", "numba", "numpy", "threads:", "CPU:", "GPU:"):
        assert word in result.stdout


def test_demo_writes_a_png(tmp_path):
    result = run_cli("demo", "--out", "demo.png", "--epochs", "50", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "training accuracy" in result.stdout
    assert (tmp_path / "demo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_draws_without_qt(tmp_path):
    code = ("import sys; sys.modules['PySide6'] = None; from fastnn.cli import main; "
            "sys.exit(main(['demo', '--out', 'demo.png', '--epochs', '5']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "training accuracy" in result.stdout and "wrote demo.png" in result.stdout
    png = (tmp_path / "demo.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"tEXtTitle" in png and len(png) > 5000


def test_bench_is_delegated(capsys):
    assert main(["bench", "--help"]) == 0
    assert "usage:" in capsys.readouterr().out


def test_bench_missing_is_reported(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "fastnn.bench.cli", None)
    assert main(["bench"]) == 2
    assert "`fastnn bench` is not available" in capsys.readouterr().err
