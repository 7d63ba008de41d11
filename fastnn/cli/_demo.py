"""``fastnn demo``: train a small network on a 2-D dataset and draw what it learned (PNG).

Needs no display (Qt's offscreen platform).  Without PySide6 it still trains and prints the
summary, and says how to get the picture: ``pip install "fastnn[gui]"``.
"""
from __future__ import annotations

import numpy as np

from .. import datasets, optim, preprocessing
from ..layers import Dense
from ..model import Sequential
from . import _paths, _render
from ._errors import CLIError
from ._timing import EpochTimer


def run(args):
    out = _paths.output(args.out, "demo.png")
    X, y = datasets.get(args.dataset, n_samples=400, noise=datasets.info(args.dataset).typical_noise,
                        seed=args.seed)
    Xs, mean, std = preprocessing.standardize(X)
    n_classes = int(y.max()) + 1
    model = Sequential([Dense(16, activation="tanh"), Dense(16, activation="tanh"), Dense(n_classes)],
                       input_dim=2)
    model.compile("softmax_cross_entropy", optim.Adam(lr=0.02), seed=args.seed)
    timer = EpochTimer()
    history = model.fit(Xs, y, epochs=args.epochs, batch_size=32, seed=args.seed, callbacks=[timer])
    accuracy = history.history["accuracy"][-1]
    print(f"demo: 2-16-16-{n_classes} tanh network on {args.dataset!r} (400 points), "
          f"{timer.summary()} on {model.backend}; training accuracy "
          f"{accuracy:.3f}, loss {history.history['loss'][-1]:.4f}")
    QtGui = _render.qt_gui()
    if QtGui is None:
        print('demo: no picture: PySide6 is not installed; pip install "fastnn[gui]" to get one')
        return 0
    title = f"{args.dataset}: accuracy {accuracy:.3f} after {args.epochs} epochs"
    predict = lambda grid: model.predict(((grid - mean) / std).astype(np.float32))  # noqa: E731
    try:
        _render.render(QtGui, out, predict, X, y, history.history["loss"], title)
    except OSError as exc:
        raise CLIError(f"--out {out}: {exc}") from None
    print(f"demo: wrote {out}")
    return 0
