"""Colours shared by every view: the Playground's orange-white-blue map and a class palette."""
import numpy as np
import pyqtgraph as pg

ORANGE = (245, 147, 34)
WHITE = (232, 234, 235)
BLUE = (8, 119, 189)

# Class colours: class 0 orange and class 1 blue as in the Playground, then distinct hues.
PALETTE = np.array([ORANGE, BLUE, (46, 160, 67), (214, 39, 40), (148, 103, 189),
                    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34),
                    (23, 190, 207)], dtype=np.float32)


def diverging_cmap():
    """Orange (low) → white → blue (high) colour map."""
    return pg.ColorMap([0.0, 0.5, 1.0], [ORANGE, WHITE, BLUE])


def diverging_lut(fade=0.0):
    """256-entry uint8 lookup table of :func:`diverging_cmap` (fast ImageItem updates).

    ``fade`` blends it towards white, so points drawn in the full colours stand out.
    """
    lut = diverging_cmap().getLookupTable(0.0, 1.0, 256).astype(np.float32)
    return (lut * (1.0 - fade) + 255.0 * fade).astype(np.uint8)


def class_color(k):
    """RGB tuple of class ``k``."""
    return tuple(int(c) for c in PALETTE[k % len(PALETTE)])


def class_brushes(labels):
    """One brush per label, for ScatterPlotItem."""
    cache = {}
    return [cache.setdefault(int(k), pg.mkBrush(*class_color(int(k)))) for k in labels]


def mix_classes(probs, discretize=False):
    """Colour a (H, W, K) probability image: class colours blended, faded to white when unsure.

    Returns a (H, W, 3) float32 image in [0, 1] (row-major, for ImageItem with levels (0, 1)).
    """
    k = probs.shape[-1]
    palette = PALETTE[np.arange(k) % len(PALETTE)] / 255.0
    if discretize:
        onehot = np.eye(k, dtype=np.float32)[probs.argmax(axis=-1)]
        return np.ascontiguousarray(onehot @ palette, dtype=np.float32)
    mixed = probs @ palette
    confidence = (probs.max(axis=-1, keepdims=True) - 1.0 / k) / (1.0 - 1.0 / k)
    white = np.array(WHITE, dtype=np.float32) / 255.0
    out = white + (mixed - white) * np.clip(confidence, 0.0, 1.0) * 0.65
    return np.ascontiguousarray(out, dtype=np.float32)
