"""The CUDA back end's choices, which need no GPU: which layers multiply with cuBLAS, when one
block trains a whole epoch, how many threads share a row, and why cuBLAS is unavailable here."""
import pytest

pytest.importorskip("numba.cuda")

from fastnn import _spec as S  # noqa: E402
from fastnn.backends import _cuda_gemm, numba_cuda  # noqa: E402


def _spec(sizes, act=S.RELU):
    return S.make_spec(sizes, [act] * (len(sizes) - 2) + [S.IDENTITY], loss=S.SOFTMAX_CE)


@pytest.mark.parametrize("rows, fan_in, fan_out, expected", [
    (256, 1024, 2048, True),        # the wide benchmark's first layer: 537 M multiply-adds
    (128, 784, 256, True),          # mnist's first layer: 25.7 M
    (128, 256, 128, False),         # mnist's second layer: 4.2 M, one tiled launch is cheaper
    (32, 64, 64, False),
    (1 << 8, 1 << 8, 1 << 8, True),  # exactly GEMM_MIN_WORK
    (1 << 8, 1 << 8, (1 << 8) - 1, False),
])
def test_large_layers_multiply_with_cublas(rows, fan_in, fan_out, expected):
    assert _cuda_gemm.GEMM_MIN_WORK == 1 << 24
    assert _cuda_gemm.use_gemm(rows, fan_in, fan_out) is expected
    assert _cuda_gemm.use_gemm(rows, fan_in, fan_out, available=False) is False


def test_one_block_trains_the_epoch_of_narrow_nets_with_small_batches(monkeypatch):
    monkeypatch.setattr(numba_cuda, "EPOCH_MAX_WORK", 1 << 19)
    tiny, small = _spec([2, 8, 8, 2], S.TANH), _spec([2, 64, 64, 3])
    assert small.n_params == 4547
    assert numba_cuda.epoch_in_one_block(tiny, 10)
    assert numba_cuda.epoch_in_one_block(small, 32)                     # 145 k row-parameters
    assert numba_cuda.epoch_in_one_block(small, (1 << 19) // 4547)
    assert not numba_cuda.epoch_in_one_block(small, (1 << 19) // 4547 + 1)
    assert not numba_cuda.epoch_in_one_block(_spec([784, 256, 128, 10]), 1)   # not narrow


def test_the_fused_kernels_take_nets_up_to_their_width_limit(monkeypatch):
    monkeypatch.setattr(numba_cuda, "FUSED_MAX_WIDTH", 64)
    assert numba_cuda.is_narrow(_spec([64, 64, 10]))
    assert not numba_cuda.is_narrow(_spec([2, 65, 3]))
    assert not numba_cuda.is_narrow(_spec([65, 8, 3]))                  # the input counts too


@pytest.mark.parametrize("sizes, threads", [([2, 8, 8, 2], 8), ([2, 9, 3], 16), ([1, 1], 1),
                                            ([2, 64, 64, 3], 32), ([3, 17, 2], 32)])
def test_threads_per_row_cover_the_widest_layer_up_to_a_warp(monkeypatch, sizes, threads):
    monkeypatch.setattr(numba_cuda, "FUSED_THREADS", 32)
    assert numba_cuda.threads_per_row(_spec(sizes)) == threads


def test_without_a_gpu_the_products_stay_tiled_and_say_why():
    available, reason = _cuda_gemm.status()
    if available:
        pytest.skip("CuPy reaches a GPU here")
    assert reason and ("CuPy" in reason or "simulator" in reason), reason
    assert _cuda_gemm.provider() is None
