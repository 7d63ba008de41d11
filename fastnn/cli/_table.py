"""Reading the user's CSV files: a header row, numeric feature columns, one target column.

Every error names the file, the column and the row (data rows count from 1; line numbers
include the header), and raises :class:`~fastnn.cli._errors.CLIError`.  Column names must be
unique; a line holds at most ``MAX_LINE_CHARS`` characters and a file ``MAX_COLUMNS`` columns, and
finding columns by name costs one dictionary lookup each.
"""
from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from ._errors import CLIError

MAX_CLASSES = 20       # an all-integer target with at most this many values is a class label
MAX_LINE_CHARS = 1 << 22    # 4 Mi characters: 100,000 columns of 40-character numbers
MAX_COLUMNS = 100_000
MAX_MAGNITUDE = 1e30        # fastnn trains in float32 (max 3.4e38) and squares values to scale them


def read_csv(path):
    """``(header, rows)`` of the CSV at ``path``; rows are lists of stripped strings."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"--csv: no such file: {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            lines = [row for row in csv.reader(_bounded_lines(handle, path))
                     if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CLIError(f"--csv: cannot read {path}: {exc}") from None
    if len(lines) < 2:
        raise CLIError(f"--csv: {path} needs a header row and at least one data row")
    header = [name.strip() for name in lines[0]]
    _check_header(header, path)
    for number, row in enumerate(lines[1:], start=1):
        if len(row) != len(header):
            raise CLIError(f"--csv: {path} row {number} has {len(row)} values but the header "
                           f"has {len(header)} columns")
    return header, [[cell.strip() for cell in row] for row in lines[1:]]


def _bounded_lines(handle, path):
    """The file's lines, refusing one longer than ``MAX_LINE_CHARS`` before reading all of it."""
    for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_CHARS + 1), ""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise CLIError(f"--csv: line {number} of {path} is longer than {MAX_LINE_CHARS} "
                           f"characters; is it a CSV file?")
        yield line


def _check_header(header, path):
    if len(header) > MAX_COLUMNS:
        raise CLIError(f"--csv: {path} has {len(header)} columns; at most {MAX_COLUMNS} are supported")
    where = defaultdict(list)
    for number, name in enumerate(header, start=1):
        where[name].append(number)
    repeated = [f"{name!r} (columns {', '.join(map(str, numbers[:-1]))} and {numbers[-1]})"
                for name, numbers in where.items() if len(numbers) > 1]
    if repeated:
        raise CLIError(f"--csv: {path} has duplicate column names: {'; '.join(repeated[:10])}; "
                       f"rename them so every column is unique")


def column_index(header, name, path, flag, positions=None):
    """The position of column ``name``; ``positions`` (name -> index) makes it one lookup."""
    index = (positions if positions is not None else {n: i for i, n in enumerate(header)}).get(name)
    if index is None:
        shown = header if len(header) <= 20 else header[:20] + [f"... ({len(header)} in all)"]
        raise CLIError(f"{flag}: column {name!r} is not in {path}; its columns are {shown}")
    return index


def numeric_column(rows, index, name, path):
    """Column ``index`` as float64; empty, NaN, infinite, huge or non-numeric cells are errors."""
    values = np.empty(len(rows))
    for number, row in enumerate(rows, start=1):
        cell = row[index]
        where = f"column {name!r}, row {number} (line {number + 1}) of {path}"
        try:
            value = float(cell)
        except ValueError:
            if not cell:
                raise CLIError(f"{where} is empty; fill or drop missing values first") from None
            raise CLIError(f"{where} holds {cell!r}, which is not a number") from None
        if not math.isfinite(value):
            raise CLIError(f"{where} is {cell!r}; fill or drop NaN/infinite values first")
        _check_magnitude(value, where)
        values[number - 1] = value
    return values


def _check_magnitude(value, where):
    if abs(value) > MAX_MAGNITUDE:
        raise CLIError(f"{where} is {value:g}, beyond ±{MAX_MAGNITUDE:g}; fastnn trains in "
                       f"float32, so rescale this column (e.g. divide it by a power of ten)")


def features(header, rows, names, path):
    """The named columns as an (n_rows, n_features) float64 array."""
    positions = {name: index for index, name in enumerate(header)}
    indices = [column_index(header, name, path, "--csv", positions) for name in names]
    return np.column_stack([numeric_column(rows, i, n, path) for i, n in zip(indices, names)])


def target(rows, index, name, path, task):
    """``(y, task)``: class labels (strings, or ints when all are integers) or float values.

    ``task="auto"`` picks classification for text, or for integers with at most
    ``MAX_CLASSES`` distinct values, and regression otherwise.
    """
    cells = [row[index] for row in rows]
    for number, cell in enumerate(cells, start=1):
        if not cell or cell.lower() in ("nan", "na", "null"):
            raise CLIError(f"--target: column {name!r}, row {number} (line {number + 1}) of "
                           f"{path} is missing ({cell!r}); drop or fill that row")
    try:
        values = np.array([float(c) for c in cells])
    except ValueError:
        values = None
    if values is not None and not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values))[0]) + 1
        raise CLIError(f"--target: column {name!r}, row {bad} (line {bad + 1}) of {path} is "
                       f"not finite ({cells[bad - 1]!r})")
    if task == "auto":
        integral = values is not None and np.array_equal(values, np.round(values))
        few = values is not None and len(np.unique(values)) <= MAX_CLASSES
        task = "classification" if values is None or (integral and few) else "regression"
    if task == "regression":
        if values is None:
            raise CLIError(f"--task regression needs a numeric --target, but column {name!r} of "
                           f"{path} holds text such as {cells[0]!r}")
        for number, value in enumerate(values, start=1):
            _check_magnitude(value, f"--target: column {name!r}, row {number} (line {number + 1}) "
                                    f"of {path}")
        return values, task
    if values is not None and np.array_equal(values, np.round(values)) and (
            np.abs(values).max() < 2 ** 53):            # beyond that, int64 labels could merge
        return values.astype(np.int64), task
    return np.array(cells), task
