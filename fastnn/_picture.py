"""Small RGB pictures drawn with NumPy and written as PNG files with only the standard library.

Enough for the headless demo (a decision surface with points, a loss curve) without Qt or
matplotlib: images are ``(height, width, 3)`` uint8 arrays drawn into in place.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

WHITE, BLACK, GREY, RED = (255, 255, 255), (0, 0, 0), (150, 150, 150), (214, 39, 40)


def canvas(height, width):
    """A white ``(height, width, 3)`` uint8 image."""
    return np.full((height, width, 3), 255, np.uint8)


def disc(image, x, y, radius, fill, edge=BLACK):
    """A filled circle of ``radius`` pixels centred at pixel ``(x, y)``, with a 1-pixel edge."""
    h, w, _ = image.shape
    x0, x1 = max(int(x - radius - 1), 0), min(int(x + radius + 2), w)
    y0, y1 = max(int(y - radius - 1), 0), min(int(y + radius + 2), h)
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = np.hypot(xx - x, yy - y)
    image[y0:y1, x0:x1][d <= radius] = edge
    image[y0:y1, x0:x1][d <= radius - 1] = fill


def polyline(image, xs, ys, colour, width=2):
    """Straight segments through the points ``(xs[i], ys[i])`` (pixel coordinates)."""
    for x0, y0, x1, y1 in zip(xs[:-1], ys[:-1], xs[1:], ys[1:]):
        steps = int(max(abs(x1 - x0), abs(y1 - y0), 1)) * 2
        t = np.linspace(0.0, 1.0, steps + 1)
        for dx in range(width):
            for dy in range(width):
                px = np.clip(np.round(x0 + t * (x1 - x0)).astype(int) + dx, 0, image.shape[1] - 1)
                py = np.clip(np.round(y0 + t * (y1 - y0)).astype(int) + dy, 0, image.shape[0] - 1)
                image[py, px] = colour


def frame(image, left, top, width, height, colour=GREY):
    """A 1-pixel rectangle outline."""
    image[top, left:left + width] = colour
    image[top + height - 1, left:left + width] = colour
    image[top:top + height, left] = colour
    image[top:top + height, left + width - 1] = colour


def write_png(path, image, text=None):
    """Write ``image`` ((h, w, 3) uint8) as an 8-bit RGB PNG; ``text`` items become tEXt chunks
    (e.g. ``{"Title": ...}``, shown by image viewers' properties)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width, _ = image.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), image.reshape(height, -1)], axis=1)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    parts = [b"\x89PNG\r\n\x1a\n",
             chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    for key, value in (text or {}).items():
        parts.append(chunk(b"tEXt", key.encode("latin-1") + b"\0"
                           + value.encode("latin-1", "replace")))
    parts += [chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)), chunk(b"IEND", b"")]
    with open(path, "wb") as handle:
        handle.write(b"".join(parts))
