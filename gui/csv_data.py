"""Read the user's CSV data: numeric columns, the last one is the label or target.

An optional header row is skipped. Every problem raises ``ValueError`` with a message that
says what is wrong and where, for the window to show.
"""
import csv

import numpy as np

MAX_ROWS = 200_000


def load_csv(path):
    """Return ``(X, y)`` from a CSV file: X (n, d) float32 from all but the last column.

    Error messages name the file's own line numbers (the header and blank lines count).

    Raises
    ------
    ValueError : empty file, ragged rows, non-numeric cells, fewer than 2 columns or 4 rows.
    OSError : the file cannot be read (re-raised as ValueError with the path).
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            rows = [(reader.line_num, r) for r in reader if r and any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty; expected rows like 'x1,x2,label'")
    if not _numeric(rows[0][1]):
        rows = rows[1:]          # header
    if len(rows) < 4:
        raise ValueError(f"{path} has {_count(len(rows), 'data row')}; at least 4 are needed")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"{path} has {len(rows)} rows; at most {MAX_ROWS} are supported")
    width = len(rows[0][1])
    if width < 2:
        raise ValueError(f"{path} has 1 column; need inputs and a last label/target column")
    values = np.empty((len(rows), width), dtype=np.float64)
    for i, (line, row) in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{path} line {line}: {_count(len(row), 'column')}, expected "
                             f"{width} (as on line {rows[0][0]})")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise ValueError(f"{path} line {line}, column {j + 1}: {cell.strip()!r} is not "
                                 f"a number") from None
    if not np.all(np.isfinite(values)):
        line = rows[int(np.flatnonzero(~np.isfinite(values).all(axis=1))[0])][0]
        raise ValueError(f"{path} line {line} holds NaN or an infinite value")
    return values[:, :-1].astype(np.float32), values[:, -1]


def _count(n, noun):
    """``"1 data row"``, ``"3 data rows"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _numeric(row):
    try:
        [float(c) for c in row]
    except ValueError:
        return False
    return True
