"""Garbage is collected in the GUI thread only while a window is open (Qt objects must be
destroyed there; a worker thread collecting them deadlocked the app)."""
import gc


def test_automatic_collection_is_off_while_a_window_is_open(window, qtbot):
    assert not gc.isenabled()
    window.close()
    assert gc.isenabled()


def test_the_gui_thread_collects_garbage_on_its_timer(window, qtbot):
    class Cycle:
        pass

    for _ in range(20000):                # cyclic garbage, past generation 0's threshold
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
    before = gc.get_count()[0]
    qtbot.waitUntil(lambda: gc.get_count()[0] < before, timeout=5000)
