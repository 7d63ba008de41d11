"""The demo: train a small network on a 2-D dataset and draw what it learned into a PNG.

Used by ``fastnn demo`` and by the desktop app when there is no display.  Needs neither Qt nor
a display: the picture is drawn with NumPy and written by :mod:`fastnn._picture` (no image
library is a dependency of fastnn).

>>> from fastnn import demo
>>> print(demo.train_and_draw("spiral", epochs=300, out="demo.png"))     # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np

from . import _picture as P
from . import datasets, optim, preprocessing
from .callbacks import EpochTimer
from .layers import Dense
from .model import Sequential

# Class colours (RGB): the surface is drawn pale, the points full strength.
PALETTE = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40],
                    [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127]])
SIZE, MARGIN = 420, 40
N_SAMPLES = 400


def train_and_draw(dataset="spiral", epochs=300, out="demo.png", seed=0):
    """Train a 2-16-16-K tanh network on ``dataset`` and write the picture to ``out``.

    Returns the lines to print: what was trained, how fast, its training accuracy, and where
    the picture went.
    """
    X, y = datasets.get(dataset, n_samples=N_SAMPLES, noise=datasets.info(dataset).typical_noise,
                        seed=seed)
    Xs, mean, std = preprocessing.standardize(X)
    n_classes = int(y.max()) + 1
    model = Sequential([Dense(16, activation="tanh"), Dense(16, activation="tanh"),
                        Dense(n_classes)], input_dim=2)
    model.compile("softmax_cross_entropy", optim.Adam(lr=0.02), seed=seed)
    timer = EpochTimer()
    history = model.fit(Xs, y, epochs=epochs, batch_size=32, seed=seed, callbacks=[timer])
    accuracy, losses = history.history["accuracy"][-1], history.history["loss"]
    title = f"{dataset}: accuracy {accuracy:.3f} after {epochs} epochs"
    draw(out, lambda grid: model.predict(((grid - mean) / std).astype(np.float32)), X, y,
         losses, title)
    return (f"demo: 2-16-16-{n_classes} tanh network on {dataset!r} ({N_SAMPLES} points), "
            f"{timer.summary()} on {model.backend}; training accuracy {accuracy:.3f}, loss "
            f"{losses[-1]:.4f}\ndemo: wrote {out} ({title})")


def surface_rgb(probabilities, shape):
    """Blend class colours by probability, then pale them towards white: (h, w, 3) uint8."""
    colours = probabilities @ PALETTE[:probabilities.shape[1]]
    pale = 0.45 * colours + 0.55 * 255
    return pale.reshape(shape[0], shape[1], 3).astype(np.uint8)


def draw(path, predict_proba, X, y, losses, title):
    """The decision surface with the points (left) and the log loss curve (right), as a PNG."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo[0], hi[0], SIZE)
    ys = np.linspace(hi[1], lo[1], SIZE)                 # image rows go downwards
    grid = np.column_stack([np.tile(xs, SIZE), np.repeat(ys, SIZE)])
    image = P.canvas(SIZE + 2 * MARGIN, 2 * SIZE + 3 * MARGIN)
    image[MARGIN:MARGIN + SIZE, MARGIN:MARGIN + SIZE] = surface_rgb(predict_proba(grid),
                                                                    (SIZE, SIZE))
    px = MARGIN + (X[:, 0] - lo[0]) / (hi[0] - lo[0]) * SIZE
    py = MARGIN + (hi[1] - X[:, 1]) / (hi[1] - lo[1]) * SIZE
    for x, yy, label in zip(px, py, y):
        P.disc(image, x, yy, 3.2, tuple(PALETTE[int(label) % len(PALETTE)]))
    left = 2 * MARGIN + SIZE
    P.frame(image, left, MARGIN, SIZE, SIZE)
    values = np.log10(np.maximum(np.asarray(losses, float), 1e-12))
    low, high = values.min(), max(values.max(), values.min() + 1e-9)
    curve_x = left + np.arange(len(values)) / max(len(values) - 1, 1) * (SIZE - 1)
    curve_y = MARGIN + (high - values) / (high - low) * (SIZE - 1)
    P.polyline(image, curve_x, curve_y, P.RED)
    P.write_png(path, image, {"Title": title,
                              "Description": f"left: decision surface and the {len(X)} points; "
                                            f"right: training loss (log scale), "
                                            f"{losses[0]:.3g} -> {losses[-1]:.3g}"})
