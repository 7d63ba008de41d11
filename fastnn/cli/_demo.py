"""``fastnn demo``: train a small network on a 2-D dataset and draw what it learned (PNG), with
:func:`fastnn.demo.train_and_draw`; needs no display and no Qt."""
from __future__ import annotations

from .. import demo
from . import _paths
from ._errors import CLIError


def run(args):
    out = _paths.output(args.out, "demo.png")       # checked before training, not after
    try:
        print(demo.train_and_draw(args.dataset, epochs=args.epochs, out=out, seed=args.seed))
    except OSError as exc:
        raise CLIError(f"--out {out}: {exc}") from None
    return 0
