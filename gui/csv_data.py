"""Read the user's CSV data: numeric columns, the last one is the label or target.

An optional header row is skipped. Every problem raises ``ValueError`` with a message that
says what is wrong and where, for the window to show.
"""
import csv

import numpy as np

MAX_ROWS = 200_000


def load_csv(path):
    """Return ``(X, y)`` from a CSV file: X (n, d) float32 from all but the last column.

    Raises
    ------
    ValueError : empty file, ragged rows, non-numeric cells, fewer than 2 columns or 4 rows.
    OSError : the file cannot be read (re-raised as ValueError with the path).
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty; expected rows like 'x1,x2,label'")
    if not _numeric(rows[0]):
        rows = rows[1:]          # header
    if len(rows) < 4:
        raise ValueError(f"{path} has {len(rows)} data rows; at least 4 are needed")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"{path} has {len(rows)} rows; at most {MAX_ROWS} are supported")
    width = len(rows[0])
    if width < 2:
        raise ValueError(f"{path} has 1 column; need inputs and a last label/target column")
    values = np.empty((len(rows), width), dtype=np.float64)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{path} line {i + 1}: {len(row)} columns, expected {width}")
        try:
            values[i] = [float(c) for c in row]
        except ValueError:
            raise ValueError(f"{path} line {i + 1}: non-numeric value in {row}") from None
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{path} contains NaN or infinite values")
    return values[:, :-1].astype(np.float32), values[:, -1]


def _numeric(row):
    try:
        [float(c) for c in row]
    except ValueError:
        return False
    return True
