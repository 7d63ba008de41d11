"""Exceptions raised by the dataset loaders.

They subclass the built-in exceptions a caller would expect (``FileNotFoundError``,
``ValueError``), so ``except FileNotFoundError`` keeps working, while the GUI can tell a
missing download from a damaged one.
"""


class DataFileNotFoundError(FileNotFoundError):
    """A data file is in none of the folders searched; the message lists them all."""


class CorruptDataError(ValueError):
    """A data file exists but cannot be used: unreadable gzip, bad header, wrong size."""


class ChecksumError(CorruptDataError):
    """A data file parsed but its MD5 differs from the expected one."""
