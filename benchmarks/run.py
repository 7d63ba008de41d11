"""Run the fastnn benchmark suite from a source checkout (same options as ``fastnn bench``).

    python benchmarks/run.py            # full suite -> benchmarks/results/full.{json,md,png}
    python benchmarks/run.py --quick    # < 2 minutes -> benchmarks/results/quick.*
    python benchmarks/run.py --gpu      # GPU suite   -> benchmarks/results/gpu.*
    python benchmarks/run.py --help
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's fastnn, installed or not

from fastnn.bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
