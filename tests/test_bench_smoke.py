"""Smoke test of the benchmark harness (fastnn.bench): the output's shape and sane accuracies.

Runs a small subset through the same code path as ``fastnn bench --quick`` (worker processes,
report, plots).  Timings are never asserted: they belong in benchmarks, not tests.
"""
import importlib.util
import json

import pytest

from fastnn.bench import main, measure
from fastnn.bench.machine import gpu_name
from fastnn.bench.suite import readme_quickstart
from fastnn.bench.workloads import MAIN

HAS_MPL = importlib.util.find_spec("matplotlib") is not None
# PyTorch is an optional peer: compared against when installed, a "skipped" row otherwise
HAS_TORCH = importlib.util.find_spec("torch") is not None
IMPLS = ["fastnn-numba", "fastnn-numpy"] + (["torch-eager"] if HAS_TORCH else [])


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    code = main(["--quick", "--workloads", "tiny", "--impl", ",".join(IMPLS), "--widths", "8",
                 "--batches", "10", "--repeats", "2", "--min-repeat-s", "0.02", "--no-compile",
                 "--out", str(out)])
    return code, out, json.loads((out / "quick.json").read_text())


def test_quick_run_writes_json_with_machine_info_and_every_row(quick_run):
    code, _, results = quick_run
    assert code == 0
    assert {"schema", "settings", "machine", "workloads", "rows", "compile", "plots"} <= set(results)
    assert {"cpu", "logical_cpus", "versions", "gemm_float32", "gpu"} <= set(results["machine"])
    assert results["settings"]["threads"] == 1
    rows = {(r["impl"], r["workload"]) for r in results["rows"]}
    for impl in IMPLS:
        assert (impl, "tiny") in rows
    assert ("fastnn-numba", "width-8") in rows and ("fastnn-numba", "batch-10") in rows


def test_every_fastnn_row_trains_to_a_sane_accuracy(quick_run):
    _, _, results = quick_run
    fastnn_rows = [r for r in results["rows"] if r["impl"].startswith("fastnn-")]
    assert all(r["status"] == "ok" for r in fastnn_rows), fastnn_rows
    for r in fastnn_rows:
        assert {"samples_per_s", "gflops", "first_epoch_s", "check", "threads"} <= set(r)
        assert r["samples_per_s"]["min"] <= r["samples_per_s"]["median"] <= r["samples_per_s"]["max"]
    tiny = [r for r in fastnn_rows if r["workload"] == "tiny"]
    assert tiny and all(r["check"]["accuracy"] > 0.8 for r in tiny)


def test_same_start_same_data_gives_the_same_loss_everywhere(quick_run):
    _, _, results = quick_run
    losses = [r["check"]["loss"] for r in results["rows"] if r["workload"] == "tiny" and r["status"] == "ok"]
    assert len(losses) == len(IMPLS)
    assert max(losses) - min(losses) < 1e-3  # same data, batches and start: the same arithmetic


def test_markdown_has_a_row_per_implementation_and_the_targets_table(quick_run):
    """The targets table compares fastnn-numba with every target implementation that ran."""
    _, out, _ = quick_run
    md = (out / "quick.md").read_text()
    for impl in IMPLS:
        assert f"| {impl} |" in md
    assert "## Targets: fastnn numba against each implementation" in md
    assert "| numba / torch-eager |" in md and "% peak (needed)" in md
    assert "| tiny |" in md


def test_needed_flop_leave_out_the_first_layers_input_gradient():
    # the figures of perf-anchors.md: 6*sum and the FLOP actually needed per sample
    assert (MAIN["mnist"].flop_per_sample, MAIN["mnist"].needed_flop_per_sample) == (1_408_512, 1_007_104)
    assert (MAIN["wide"].flop_per_sample, MAIN["wide"].needed_flop_per_sample) == (37_871_616, 33_677_312)


def test_defaults_mode_leaves_every_library_its_own_threads(tmp_path):
    code = main(["--quick", "--defaults", "--workloads", "tiny", "--impl", "fastnn-numba",
                 "--widths", "none", "--batches", "none", "--repeats", "1", "--min-repeat-s", "0.01",
                 "--no-compile", "--out", str(tmp_path)])
    results = json.loads((tmp_path / "quick-defaults.json").read_text())
    assert code == 0 and results["settings"]["threads"] is None
    (row,) = results["rows"]
    assert row["status"] == "ok" and row["threads"]["fastnn"] == 1   # "auto" on a tiny network
    assert "every library's own default" in (tmp_path / "quick-defaults.md").read_text()


def test_the_readme_quickstart_is_found_for_its_first_call_timing():
    code = readme_quickstart()
    assert "fastnn.Sequential(" in code and "net.fit(" in code and "```" not in code


def test_plots_are_written_or_the_skip_is_explained(quick_run):
    _, out, results = quick_run
    if HAS_MPL:
        assert results["plots"]["files"] == ["quick_main.png", "quick_width.png", "quick_batch.png"]
        for name in results["plots"]["files"]:
            assert (out / name).stat().st_size > 1000
    else:
        assert "install fastnn[bench]" in results["plots"]["note"]


def test_gpu_suite_reports_skipped_no_gpu(tmp_path):
    if gpu_name():
        pytest.skip("a GPU is present: the skip path does not apply")
    code = main(["--gpu", "--workloads", "tiny", "--impl", "fastnn-numpy,fastnn-cuda,torch-cuda",
                 "--repeats", "1", "--min-repeat-s", "0.01", "--no-compile", "--out", str(tmp_path)])
    results = json.loads((tmp_path / "gpu.json").read_text())
    rows = {r["impl"]: r for r in results["rows"]}
    assert code == 0 and results["machine"]["gpu"] is None
    for impl in ("fastnn-cuda", "torch-cuda"):
        assert rows[impl]["status"] == "skipped" and "no GPU" in rows[impl]["reason"]
    assert rows["fastnn-numpy"]["status"] == "ok"
    assert "skipped: no GPU" in (tmp_path / "gpu.md").read_text()


def test_first_call_is_timed_in_fresh_processes_with_cold_and_warm_cache():
    times = measure.first_call_times("fastnn-numpy", MAIN["tiny"], None, threads=1, timeout_s=120)
    for phase in ("cold", "warm"):
        assert {"import_s", "first_fit_s", "epoch_s", "compile_s"} <= set(times[phase])


def test_gpu_results_are_named_after_the_gpu():
    from fastnn.bench.cli import build_parser, gpu_slug, output_prefix, settings_from_args
    assert gpu_slug("NVIDIA H200") == "h200"
    assert gpu_slug("NVIDIA H100 80GB HBM3") == "h100-80gb-hbm3"
    gpu = settings_from_args(build_parser().parse_args(["--gpu"]))
    assert output_prefix(gpu, {"gpu": "NVIDIA H200"}) == "gpu-h200"
    assert output_prefix(gpu, {"gpu": None}) == "gpu"
    gpu.threads = 2
    assert output_prefix(gpu, {"gpu": "NVIDIA H200"}) == "gpu-h200-t2"
    quick = settings_from_args(build_parser().parse_args(["--quick"]))
    assert output_prefix(quick, {"gpu": "NVIDIA H200"}) == "quick"


def test_max_samples_shrinks_every_workload_for_smoke_runs():
    from fastnn.bench.cli import build_parser, settings_from_args
    from fastnn.bench.suite import _jobs
    settings = settings_from_args(build_parser().parse_args(
        ["--gpu", "--max-samples", "20", "--compile-on", "small"]))
    assert settings.compile_on == ("small",)
    plans = [wl for _, plan in _jobs(settings, ["fastnn-numba"]) for wl in plan]
    assert {wl.name for wl in plans} == set(MAIN)
    assert all(wl.n_samples == 20 and wl.check_epochs == 1 for wl in plans)
    with pytest.raises(SystemExit):
        main(["--max-samples", "0"])


def test_population_group_rows_train_the_same_members(monkeypatch):
    """fastnn bench --population's rows (4 tiny members here): one train_many call and a loop of
    fits end at the same weights; the report lists the issue's targets."""
    from fastnn.bench import population, population_suite
    rows = [population.measure_population(impl, "pop-tiny", repeats=1, members=4)
            for impl in ("fastnn-population", "fastnn-one-by-one")]
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert rows[0]["check"]["mean_loss"] == pytest.approx(rows[1]["check"]["mean_loss"],
                                                          rel=1e-5)
    assert rows[0]["epochs"] == MAIN["tiny"].check_epochs
    results = {"machine": {"cpu": "test", "gemm_float32": {"peak_gflops": 100.0}},
               "rows": rows, "loadavg": {"start": [0, 0, 0], "end": [0, 0, 0]}}
    text = population_suite.markdown(results)
    assert "| 256 tiny: train_many vs one fit at a time |" in text
    assert "| 256 tiny: train_many vs JAX vmap + lax.scan | not measured | 3 | no |" in text


def test_the_bench_finds_mnist_through_the_librarys_lookup(tmp_path, monkeypatch):
    """No --mnist-path, no $FASTNN_DATA, an empty user cache: the bench's mnist workload still
    finds ../shared/data/mnist beside the checkout (the same lookup as the app and the CLI)."""
    import numpy as np

    from fastnn.bench import data
    monkeypatch.delenv("FASTNN_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    X, y = data.make_data(MAIN["mnist"])
    assert X.shape == (MAIN["mnist"].n_samples, 784) and set(np.unique(y)) == set(range(10))


def test_population_group_tasks_carry_their_threads(monkeypatch):
    """Every worker task of --population names its threads (the worker pins its CPUs to them
    before anything else); --threads N reaches the population rows, the grid searches keep every
    core."""
    from fastnn.bench import cli, population_suite
    tasks = []

    def fake_worker(task, threads, extra_env=None, timeout_s=600):
        tasks.append((task, threads))
        return [], "not run"

    monkeypatch.setattr(population_suite, "run_worker", fake_worker)
    monkeypatch.setattr(population_suite, "write", lambda results, out: [])
    assert cli.main(["--population", "--threads", "2", "--population-workloads", "pop-tiny",
                     "--impl", "fastnn-population"]) == 1       # every row "failed": not run
    kinds = [(task["kind"], task["threads"], threads) for task, threads in tasks]
    assert kinds == [("machine", 2, 2), ("population", 2, 2), ("grid_search", None, None),
                     ("grid_search", None, None)]
