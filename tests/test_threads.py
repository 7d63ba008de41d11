"""The thread policy: "auto" picks one thread for small networks and every core for large ones,
explicit counts are kept, and BLAS limits are scoped to fastnn's calls even when they overlap."""
import threading

import pytest
from threadpoolctl import threadpool_info

import fastnn
from fastnn import _spec as S
from fastnn import _threads
from fastnn.bench import workloads


@pytest.fixture(autouse=True)
def _restore_setting():
    before = fastnn.get_num_threads()
    yield
    fastnn.set_num_threads(before)


def _spec(sizes):
    return S.make_spec(sizes, [S.RELU] * (len(sizes) - 2) + [S.IDENTITY])


@pytest.mark.parametrize("name, expected", [("tiny", 1), ("small", 1), ("mnist", 8), ("wide", 8)])
def test_auto_uses_every_core_only_for_large_batches(name, expected, monkeypatch):
    monkeypatch.setattr(_threads, "available_cores", lambda: 8)
    w = workloads.MAIN[name]
    fastnn.set_num_threads("auto")
    assert _threads.threads_for(_spec(w.sizes), w.batch_size) == expected


def test_batch_work_counts_forward_and_both_gradients():
    # 2-8-8-2: layer products 16, 64, 16; forward + weight gradient for all, input gradient
    # for the last two: 2 * 96 + 80 = 272 multiply-adds per row.
    assert _threads.batch_work(_spec((2, 8, 8, 2)), 10) == 2720


def test_explicit_count_is_used_whatever_the_network():
    fastnn.set_num_threads(3)
    assert fastnn.get_num_threads() == 3
    assert _threads.threads_for(_spec((784, 256, 128, 10)), 128) == 3
    assert _threads.threads_for(_spec((2, 8, 2)), 1) == 3


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "all", None])
def test_bad_thread_counts_are_refused(bad):
    with pytest.raises(ValueError, match=r"number of threads must be a positive integer or 'auto'"):
        fastnn.set_num_threads(bad)


def _blas_threads():
    return {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_overlapping_limits_restore_the_original_pools():
    """Two calls overlapping in two threads: the pools get their original sizes back only when
    the last one ends (issue: a naive save/restore left BLAS at 1 thread process-wide)."""
    with _threads.limited(1):
        pass                                         # loads SciPy's OpenBLAS and the controller
    original = _blas_threads()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def first():
        with _threads.limited(1):
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with _threads.limited(1):
            second_in.set()
            first_out.wait(10)
            seen.append(set(_blas_threads().values()))   # still limited while one call runs

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert seen == [{1}]
    assert _blas_threads() == original


def test_a_limit_set_in_a_worker_thread_takes_effect():
    """threadpoolctl lets one controlling thread resize OpenBLAS; fastnn's worker-thread calls
    (the app trains in one) must still get their limit."""
    with _threads.limited(1):
        pass                                         # the main thread has set limits before
    seen = []

    def worker():
        with _threads.limited(1):
            seen.append(set(_blas_threads().values()))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(20)
    assert seen == [{1}]
