"""The command line refuses bad input with ``fastnn: error: ...`` and exit status 2, never a traceback."""
import subprocess
import sys

import pytest

from fastnn.cli import _table, main


def _csv(path, text):
    path.write_text(text)
    return path


def _error(capsys, argv):
    """Run ``fastnn ARGV`` in process; assert exit status 2 and no traceback; return stderr."""
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert status == 2, captured
    assert captured.err.startswith("fastnn: error: ") and "Traceback" not in captured.err
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
