"""``fastnn demo``: train a small network on a 2-D dataset and draw what it learned (PNG), with
:func:`fastnn.demo.train_and_draw`; needs no display and no Qt."""
from __future__ import annotations

from .. import demo


def run(args):
    print(demo.train_and_draw(args.dataset, epochs=args.epochs, out=args.out, seed=args.seed))
    return 0
