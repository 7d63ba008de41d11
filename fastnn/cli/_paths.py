"""Output paths, checked before any work: minutes of training and then no place to save the
result is what this prevents."""
from __future__ import annotations

from pathlib import Path

from ._errors import CLIError


def output(path, example, flag="--out"):
    """``path`` as a ``Path`` once a file can be created there: its folder exists and it is not a
    directory itself (``example`` is a file name suggested in that case)."""
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{flag} {path}: {path} is a directory; give a file name such as "
                       f"{path / example}")
    if not path.parent.is_dir():
        raise CLIError(f"{flag} {path}: the folder {path.parent} does not exist; create it first")
    return path
