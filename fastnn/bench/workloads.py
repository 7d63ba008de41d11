"""Benchmark workload definitions: architecture, data, batch size and learning rate.

A :class:`Workload` is plain data (it travels as JSON to the worker subprocesses).  Every
implementation trains the same network, a stack of Dense layers with one hidden activation and a
linear output under softmax cross-entropy, with plain minibatch SGD at a constant learning rate,
in float32, on the same data in the same batch order, from the same initial weights.

FLOP count conventions: ``flop_per_sample`` is the one in ``perf-anchors.md``, ``6 * sum(fan_in *
fan_out)`` per training sample (2 for the forward product, 2 for the weight gradient and 2 for the
input gradient of every layer); ``needed_flop_per_sample`` leaves out the input gradient of the
first layer, which nothing needs (the 6*sum figure overcounts by 40 % on mnist, 14 % on wide).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Workload:
    """One training job.

    ``sizes`` is ``(n_in, hidden_1, ..., n_out)``; ``dataset`` one of ``"circle"``, ``"spiral"``,
    ``"clusters"``, ``"mnist"`` (see :mod:`fastnn.bench.data`); ``check_epochs`` how many epochs
    are trained before the common float64 loss/accuracy check; ``group`` the table the result
    belongs to (``"main"``, ``"width"``, ``"batch"``); ``x`` the swept value, if any.
    """

    name: str
    sizes: tuple
    activation: str
    n_samples: int
    batch_size: int
    lr: float
    dataset: str
    check_epochs: int
    group: str = "main"
    x: int = 0

    @property
    def flop_per_sample(self) -> int:
        """Training FLOP per sample, ``6 * sum(fan_in * fan_out)``."""
        return 6 * sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def needed_flop_per_sample(self) -> int:
        """Training FLOP per sample actually needed: the forward product and the weight gradient
        of every layer, the input gradient of every layer but the first (nothing needs dL/dX)."""
        products = [a * b for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        return 4 * sum(products) + 2 * sum(products[1:])

    @property
    def label(self) -> str:
        """Human description, e.g. ``2-8-8-2 tanh, n=500, batch=10, lr=0.1``."""
        arch = "-".join(str(s) for s in self.sizes)
        return (f"{arch} {self.activation}, {self.dataset} n={self.n_samples}, "
                f"batch={self.batch_size}, SGD lr={self.lr}")

    def to_dict(self) -> dict:
        """JSON-ready dict (``sizes`` becomes a list)."""
        d = asdict(self)
        d["sizes"] = list(self.sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Workload:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "sizes": tuple(d["sizes"])})


MAIN = {
    "tiny": Workload("tiny", (2, 8, 8, 2), "tanh", 500, 10, 0.1, "circle", 20),
    "small": Workload("small", (2, 64, 64, 3), "relu", 10_000, 32, 0.1, "spiral", 3),
    "mnist": Workload("mnist", (784, 256, 128, 10), "relu", 10_000, 128, 0.05, "mnist", 2),
    "wide": Workload("wide", (1024, 2048, 2048, 10), "relu", 8_000, 256, 0.02, "clusters", 1),
}
"""The four headline workloads (the same as the planning anchors in ``perf-anchors.md``)."""

QUICK_MAIN = ("tiny", "small", "mnist")
"""Headline workloads in ``--quick`` mode (wide alone takes minutes across all peers)."""

FULL_WIDTHS = (8, 16, 32, 64, 128, 256, 512, 1024, 2048)
QUICK_WIDTHS = (8, 64, 512)
FULL_BATCHES = (1, 4, 16, 32, 64, 256, 1024)
QUICK_BATCHES = (1, 32, 1024)

_WIDTH_BASE = Workload("width", (32, 0, 0, 10), "relu", 4096, 128, 0.05, "clusters", 1, "width")
_BATCH_BASE = Workload("batch", (2, 64, 64, 3), "relu", 4096, 0, 0.05, "spiral", 1, "batch")


def width_sweep(widths) -> list:
    """32-w-w-10 relu on 4096 cluster samples, batch 128, one workload per hidden width ``w``."""
    return [replace(_WIDTH_BASE, name=f"width-{w}", sizes=(32, w, w, 10), x=w) for w in widths]


def batch_sweep(batches) -> list:
    """The small 2-64-64-3 relu net on 4096 spiral samples, one workload per batch size."""
    return [replace(_BATCH_BASE, name=f"batch-{b}", batch_size=b, x=b) for b in batches]
