"""Parse gzip-compressed IDX files, the format MNIST is distributed in.

An IDX file is a big-endian header followed by raw values::

    magic : uint32   0x0000 | type code | ndim   (0x08 = unsigned byte)
    dims  : ndim × uint32
    data  : prod(dims) values, row-major

so the unsigned-byte magic numbers are ``0x00000803 = 2051`` for a 3-D image stack and
``0x00000801 = 2049`` for a 1-D label vector.  Every check raises
:class:`~._errors.CorruptDataError` naming the file and what was wrong with it.
"""

import gzip
import zlib

import numpy as np

from ._errors import CorruptDataError

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
_WHAT = {
    IMAGES_MAGIC: "a 3-D unsigned-byte image file",
    LABELS_MAGIC: "a 1-D unsigned-byte label file",
}
_FIX = "delete it and download it again"


def _decompress(compressed, source):
    """Return the gunzipped bytes, or raise CorruptDataError saying the gzip is damaged."""
    try:
        return gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as exc:
        raise CorruptDataError(
            f"{source} is not a readable gzip file ({exc}); it is truncated or corrupt: {_FIX}"
        ) from exc


def parse_idx(compressed, source, magic):
    """Decode one gzip-compressed unsigned-byte IDX file.

    Parameters
    ----------
    compressed : bytes
        The file's contents, still gzip-compressed.
    source : str or os.PathLike
        Where the bytes came from; quoted in error messages.
    magic : int
        Expected magic number, :data:`IMAGES_MAGIC` or :data:`LABELS_MAGIC`.

    Returns
    -------
    numpy.ndarray of uint8
        Shape ``dims`` from the header (read-only view of the decompressed bytes).

    Raises
    ------
    CorruptDataError
        If the gzip stream is damaged, the magic number differs, the header is cut
        short, or the data length differs from ``prod(dims)``.
    """
    raw = _decompress(compressed, source)
    found = int.from_bytes(raw[:4], "big")
    if len(raw) < 4 or found != magic:
        got = f"magic number {found}" if len(raw) >= 4 else f"only {len(raw)} bytes"
        raise CorruptDataError(
            f"{source} has {got} but {_WHAT[magic]} starts with the IDX magic number "
            f"{magic} (0x{magic:08x}); is it the right file?"
        )
    ndim = magic & 0xFF
    header_size = 4 * (1 + ndim)
    if len(raw) < header_size:
        raise CorruptDataError(
            f"{source} holds {len(raw)} bytes, fewer than the {header_size}-byte IDX header "
            f"of {_WHAT[magic]}: {_FIX}"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims))
    found_bytes = len(raw) - header_size
    if found_bytes != expected:
        raise CorruptDataError(
            f"{source}: the header announces dimensions {dims}, i.e. {expected} bytes of "
            f"data, but the file holds {found_bytes}; it is truncated or corrupt: {_FIX}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(dims)
