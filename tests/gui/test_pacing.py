"""The pacer: a compile's seconds must not slow the snapshots or the chunk sizes down."""
from fastnn_gui.pacing import EMIT_HZ, EMIT_SHARE, Pacer


def test_a_compile_inside_a_snapshot_does_not_space_out_the_next_ones():
    p = Pacer()
    p.emitted(0.0, 3.0, compiled=True)          # three seconds of compiling in a snapshot
    assert p.emit_due(3.0 + 1.5 / EMIT_HZ)      # the next one is due a frame later
    p.emitted(10.0, 10.5)                       # a slow snapshot (no compile) does space out
    assert not p.emit_due(10.5 + 1.5 / EMIT_HZ)
    assert p.emit_due(10.5 + 0.3 * 0.5 / EMIT_SHARE)


def test_a_compile_inside_a_chunk_does_not_shrink_the_next_chunks():
    p = Pacer()
    p.trained(1, 3.0, compiled=True)
    assert p.epochs() == 1                      # the speed is still unknown
    p.trained(1, 0.001)
    assert p.epochs() == 30                     # CHUNK_S / 1 ms
