"""benchmarks/gpu_check.py, the prepared GPU check: its smoke run under Numba's CUDA simulator
(every part, every output file), and the time limit that stops a part without losing the rest."""
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    pytest.importorskip("numba.cuda")
    out = tmp_path_factory.mktemp("gpu_check")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=str(ROOT))
    env.pop("FASTNN_BACKEND", None)
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--tiny", "--budget-s", "90"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return done, out, time.monotonic() - t0


def test_the_smoke_run_passes_every_part_and_writes_few_plainly_named_files(tiny_run):
    done, out, seconds = tiny_run
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    names = sorted(p.name for p in out.iterdir())
    # what comes back from a lent GPU machine: at most 8 files, named in letters, digits, . _ -
    assert len(names) <= 7 and all(re.fullmatch(r"[A-Za-z0-9._-]+", n) for n in names), names
    assert {"gpu_check.json", "gpu_check.md", "gpu_check.log", "cuda_tests.xml", "cuda_tests.log",
            "gpu-cuda-simulator.json", "gpu-cuda-simulator.md"} == set(names)
    check = json.loads((out / "gpu_check.json").read_text())
    assert {n: p["status"] for n, p in check["parts"].items()} == dict.fromkeys(
        ("env", "tests", "bench", "tuning"), "ok")
    assert seconds < 90 and check["elapsed_s"] < 90


def test_the_cuda_tests_ran_and_their_junit_is_summarised(tiny_run):
    _, out, _ = tiny_run
    check = json.loads((out / "gpu_check.json").read_text())
    assert check["tests"]["tests"] >= 5 and check["tests"]["failures"] == check["tests"]["errors"] == 0
    assert int(ET.parse(out / "cuda_tests.xml").getroot().find("testsuite").get("tests")) >= 5
    assert " passed" in (out / "cuda_tests.log").read_text()


def test_the_benchmark_runs_fastnn_cuda_and_says_why_torch_cuda_did_not(tiny_run):
    _, out, _ = tiny_run
    bench = json.loads((out / "gpu-cuda-simulator.json").read_text())
    rows = {r["impl"]: r for r in bench["rows"]}
    assert bench["machine"]["gpu"] == "CUDA simulator" and "partial" not in bench
    assert rows["fastnn-cuda"]["status"] == rows["fastnn-numba"]["status"] == "ok"
    # same data, weights and batches: the same arithmetic on the (simulated) GPU and the CPU
    assert rows["fastnn-cuda"]["check"]["loss"] == pytest.approx(rows["fastnn-numba"]["check"]["loss"], abs=1e-4)
    if rows["torch-cuda"]["status"] != "ok":
        assert rows["torch-cuda"]["reason"]
    md = (out / "gpu_check.md").read_text()
    assert "## GPU targets: fastnn cuda vs PyTorch CUDA eager" in md and "| tiny |" in md


def test_env_and_tuning_record_what_they_found_and_what_is_missing(tiny_run):
    _, out, _ = tiny_run
    check = json.loads((out / "gpu_check.json").read_text())
    assert check["env"]["numba_cuda"]["simulator"] is True
    assert check["env"]["cupy"]["cublas_status"] == [False, "the CUDA simulator has no cuBLAS"]
    assert any(n.startswith("missing: cuBLAS through CuPy") for n in check["notes"])
    tuning = check["tuning"]
    assert {"1 array", "8 arrays + 6 scalars"} <= set(tuning["launch_us"]), tuning["launch_us"]
    assert tuning["cublas_sgemm_tflops"] == {"skipped": "the CUDA simulator has no cuBLAS"}
    assert tuning["one_block"][0]["one-block"]["epoch_s"] > 0
    assert tuning["one_block"][0]["per-batch"]["epoch_s"] > 0
    assert tuning["gemm"][0]["tiled"]["epoch_s"] > 0
    assert tuning["gemm"][0]["cublas"] == {"skipped": "the CUDA simulator has no cuBLAS"}


def test_a_part_past_its_limit_is_stopped_with_its_children(tmp_path):
    gpu_check = _module()
    marker = tmp_path / "child.pid"
    sleeper = ("import subprocess, sys, time; "
               "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
               f"open({str(marker)!r}, 'w').write(str(child.pid)); print('started', flush=True); "
               "time.sleep(60)")
    t0 = time.monotonic()
    part = gpu_check.run_part([sys.executable, "-c", sleeper], 2.0, tmp_path / "log")
    assert part["status"] == "timed out" and time.monotonic() - t0 < 20
    assert "started" in (tmp_path / "log").read_text()
    child = int(marker.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()


def test_a_failing_part_is_recorded_and_the_rest_still_get_their_time(tmp_path):
    gpu_check = _module()
    part = gpu_check.run_part([sys.executable, "-c", "raise SystemExit(3)"], 10.0, tmp_path / "log")
    assert (part["status"], part["rc"]) == ("failed", 3) and part["seconds"] < 10
    check = gpu_check.Check(gpu_check.argparse.Namespace(out=str(tmp_path / "o"), budget_s=100.0, tiny=True,
                                                         mnist_path=None, threads=1,
                                                         parts=list(gpu_check.SHARES)))
    check.data["parts"]["env"] = {"status": "failed", "seconds": 1.0}
    # tests gets its own share plus the 7 s env left unused, keeping 8 s for each later part
    assert check.limit("tests", 2) == pytest.approx(100 * gpu_check.SHARES["tests"] + 7.0, abs=0.5)
    gpu_check.shutil.rmtree(check.tmp)


def test_only_the_parts_asked_for_run_and_share_the_whole_budget(tmp_path):
    gpu_check = _module()
    check = gpu_check.Check(gpu_check.argparse.Namespace(out=str(tmp_path), budget_s=100.0, tiny=True,
                                                         mnist_path=None, threads=1, parts=["tests", "bench"]))
    shares = gpu_check.SHARES
    assert check.share("tests") == pytest.approx(100 * shares["tests"] / (shares["tests"] + shares["bench"]))
    assert check.limit("tests", 1) == pytest.approx(check.share("tests"), abs=0.5)
    gpu_check.shutil.rmtree(check.tmp)
    with pytest.raises(SystemExit):
        gpu_check.main(["--out", str(tmp_path), "--parts", "tests,benchh"])
