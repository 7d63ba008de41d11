"""The ``fastnn`` command line (also ``python -m fastnn``).

``fastnn train``   fit a network on a built-in dataset or your CSV, report metrics, save it
``fastnn predict`` predictions for a CSV with a model from ``fastnn train``
``fastnn info``    version, back ends (and why any is unavailable), threads, CPU, GPU
``fastnn demo``    train on a 2-D dataset and write a PNG of the decision surface
``fastnn bench``   the benchmark harness (:mod:`fastnn.bench.cli`)

Errors in arguments or files print ``fastnn: error: ...`` (naming the flag, column and row) and
exit with status 2, without a traceback.  Output into a closed pipe (``fastnn predict ... | head``)
ends quietly with status 1, as Python's documentation recommends.
"""
from __future__ import annotations

import importlib
import os
import sys

from ._errors import CLIError
from ._parser import build_parser

__all__ = ["main", "CLIError"]


def _bench(argv):
    try:
        bench_cli = importlib.import_module("fastnn.bench.cli")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("fastnn.bench"):
            print("fastnn: error: `fastnn bench` is not available: this installation has no "
                  "fastnn.bench package", file=sys.stderr)
            return 2
        raise
    try:
        return int(bench_cli.main(argv) or 0)
    except SystemExit as exc:         # its argparse: --help or a usage error
        return int(exc.code or 0)


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "bench":
        return _bench(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:           # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    try:
        return importlib.import_module(f"fastnn.cli.{args.module}").run(args)
    except CLIError as exc:
        print(f"fastnn: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fastnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _stdout_to_devnull()
        return 1


def _stdout_to_devnull():
    """After EPIPE, point stdout at devnull so the flush at exit cannot raise again (the recipe in
    the documentation of Python's signal module, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):   # stdout without a file descriptor (captured in tests)
        pass


if __name__ == "__main__":     # pragma: no cover
    sys.exit(main())
