"""The prepared GPU check: everything fastnn needs to learn from a few minutes on a CUDA machine.

Run from the checkout, with nothing installed beyond the machine's own Python packages::

    PYTHONPATH=. timeout 420 python3 benchmarks/gpu_check.py --out OUT

(on this workplace's lent GPU machine: ``run(command="PYTHONPATH=. PYTHONUNBUFFERED=1 timeout 420
python3 benchmarks/gpu_check.py --out $OUT --mnist-path .gpu_data/mnist", carry=[".gpu_data"],
timeout_s=480)``, after ``cp -r ../shared/data/mnist .gpu_data/`` in the checkout).

Four parts run one after the other, each in its own process group with a hard time limit (its
share of ``--budget-s``, plus whatever the parts before it left unused), so a part that hangs or
crashes costs only its own results:

``env``     nvidia-smi, library versions, what numba-cuda, CuPy and PyTorch see;
``tests``   the CUDA test suite for real (``FASTNN_CUDA_TESTS=1 pytest tests/cuda``);
``bench``   ``benchmarks/run.py --gpu``: fastnn cuda vs PyTorch CUDA eager vs fastnn numba on the
            CPU, on tiny, small, mnist and wide (same weights, same batches), with first-call times;
``tuning``  the measurements behind the back end's size policies (:mod:`fastnn.bench.gpu_probe`).

``--parts tests,bench`` runs only some of them (a second, shorter run).

What is missing (a library, the MNIST files, a GPU) is skipped with a line saying so.  Everything
goes to OUT, at most 7 files, each rewritten as soon as there is something new to say:
``gpu_check.json`` / ``gpu_check.md`` (all parts, the summary), ``gpu_check.log`` (the parts'
output), ``cuda_tests.xml`` / ``cuda_tests.log`` (junit and pytest's log), and the benchmark's
``gpu-<gpu>.json`` / ``gpu-<gpu>.md`` (``gpu-h200.*`` on an H200: copy them to benchmarks/results).

MNIST is read from ``--mnist-path``, else from ``.gpu_data/mnist`` or ``shared/data/mnist`` in the
checkout or ``../shared/data/mnist`` beside it.  Only the checkout travels to a lent GPU machine, so
copy the MNIST folder into ``.gpu_data/`` (git-ignored) and carry it along.

``--tiny`` shrinks every part to a smoke run (a test subset, the tiny workload on 20 samples, the
smallest tuning shapes): under Numba's simulator (``NUMBA_ENABLE_CUDASIM=1``) the whole script
then runs in well under a minute, which ``tests/test_gpu_check.py`` does.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's fastnn, installed or not

from fastnn.bench import report  # noqa: E402  (standard library only at import)

SCHEMA = "fastnn-gpu-check/1"
SHARES = {"env": 0.08, "tests": 0.25, "bench": 0.55, "tuning": 0.12}
"""Each part's share of the budget (time a part leaves unused passes to the next ones)."""
MIN_PART_S = 8.0
"""No part gets less, and none starts with less left."""
TINY_TESTS = "available or same_contract or one_launch or gemm_layers_multiply or device_rules_are"
WORKLOADS = "tiny,small,mnist,wide"


def run_part(argv, limit_s, log_path, env=None):
    """Run ``argv`` from the checkout in a process group of its own, appending its output to
    ``log_path``; at ``limit_s`` it gets SIGINT (pytest and the benchmark then write what they
    have and stop their own workers), and SIGKILL 15 s later.  Returns ``{"status": "ok" |
    "failed" | "timed out", "rc", "seconds", "limit_s"}``."""
    t0 = time.monotonic()
    with open(log_path, "a") as log:
        log.write(f"\n===== {' '.join(map(str, argv))}  (limit {limit_s:.0f} s)\n")
        log.flush()
        proc = subprocess.Popen([str(a) for a in argv], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=limit_s)
            status = "ok" if rc == 0 else "failed"
        except subprocess.TimeoutExpired:
            rc, status = _stop(proc), "timed out"
        except BaseException:        # interrupted ourselves: never leave the part running
            _stop(proc)
            raise
    return {"status": status, "rc": rc, "seconds": round(time.monotonic() - t0, 1),
            "limit_s": round(limit_s, 1)}


def _stop(proc):
    """SIGINT to the part's process group, then SIGKILL if it is still there 15 s later."""
    for sig, grace in ((signal.SIGINT, 15), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()


def find_mnist(given):
    """The MNIST folder to use, or ``None``: ``given``, else the first existing default."""
    candidates = [Path(given)] if given else [
        ROOT / ".gpu_data" / "mnist", ROOT / "shared" / "data" / "mnist",
        ROOT.parent / "shared" / "data" / "mnist"]
    return next((str(p.resolve()) for p in candidates if p.is_dir()), None)


def junit_counts(path):
    """``{"tests", "failures", "errors", "skipped", "failed": [name: message]}`` of a junit file."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    counts = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    failed = []
    for case in root.iter("testcase"):
        for bad in list(case.findall("failure")) + list(case.findall("error")):
            message = (bad.get("message") or bad.text or "").strip().splitlines()
            detail = message[0][:300] if message else ""
            failed.append(f"{case.get('classname')}::{case.get('name')}: {detail}")
    return {**counts, "failed": failed}


class Check:
    """The state of one check run and its two summary files, rewritten after every part."""

    def __init__(self, args):
        self.out, self.args = Path(args.out), args
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = self.out / "gpu_check.log"
        self.log.write_text("")
        self.tmp = Path(tempfile.mkdtemp(prefix="fastnn-gpu-check-"))
        self.start = time.monotonic()
        self.mnist = find_mnist(args.mnist_path)
        self.data = {"schema": SCHEMA, "argv": sys.argv,
                     "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     "budget_s": args.budget_s, "tiny": args.tiny, "mnist_path": self.mnist,
                     "notes": [], "parts": {}}
        if self.mnist is None:
            self.note("MNIST not found (--mnist-path, .gpu_data/mnist, shared/data/mnist, "
                      "../shared/data/mnist): the mnist rows are skipped; copy the folder into "
                      ".gpu_data/ and carry it")

    def note(self, text):
        print(f"gpu_check: {text}", flush=True)
        self.data["notes"].append(text)

    def save(self):
        self.data["elapsed_s"] = round(time.monotonic() - self.start, 1)
        (self.out / "gpu_check.json").write_text(json.dumps(self.data, indent=1, default=str) + "\n")
        (self.out / "gpu_check.md").write_text(markdown(self.data))

    def limit(self, name, remaining_parts):
        """Seconds part ``name`` may take: its share (at least MIN_PART_S) plus what earlier
        parts left unused, keeping MIN_PART_S for each part after it, never past the budget."""
        used = sum(p["seconds"] for p in self.data["parts"].values())
        planned = sum(self.share(n) for n in self.data["parts"])
        left = self.args.budget_s - (time.monotonic() - self.start)
        share = max(MIN_PART_S, self.share(name)) + max(0.0, planned - used)
        return min(share, left - MIN_PART_S * remaining_parts)

    def share(self, name):
        """Part ``name``'s share of the budget in seconds, among the parts chosen to run."""
        return SHARES[name] / sum(SHARES[n] for n in self.args.parts) * self.args.budget_s

    def run(self, name, argv, remaining_parts, log=None, env=None):
        """Run one part (see :func:`run_part`) unless no time is left; record and save."""
        limit = self.limit(name, remaining_parts)
        if limit < MIN_PART_S:
            self.data["parts"][name] = {"status": "not run", "seconds": 0.0,
                                        "note": f"only {max(limit, 0):.0f} s of the budget left"}
        else:
            print(f"gpu_check: {name} (limit {limit:.0f} s) ...", flush=True)
            self.data["parts"][name] = run_part(argv, limit, log or self.log, env)
            print(f"gpu_check: {name} {self.data['parts'][name]['status']} in "
                  f"{self.data['parts'][name]['seconds']:.0f} s", flush=True)
        self.save()
        return self.data["parts"][name]["status"] != "not run"

    def probe(self, name, remaining_parts):
        """A :mod:`fastnn.bench.gpu_probe` part; its JSON lands in ``data[name]``."""
        result = self.tmp / f"{name}.json"
        limit = self.limit(name, remaining_parts)
        argv = [sys.executable, "-m", "fastnn.bench.gpu_probe", name, result,
                "--deadline-s", max(limit - 30, limit / 2)] + (["--tiny"] if self.args.tiny else [])
        if self.run(name, argv, remaining_parts) and result.exists():
            self.data[name] = json.loads(result.read_text())
            if name == "env":
                self.note_missing(self.data["env"])
            self.save()

    def note_missing(self, env):
        """A line for each thing the GPU parts need that this machine lacks."""
        backend = (env.get("numba_cuda") or {}).get("backend") or [False, "numba-cuda not importable"]
        cublas = (env.get("cupy") or {}).get("cublas_status") or [False, "CuPy not importable"]
        torch = env.get("torch") or {}
        for what, ok, why in (
                ("nvidia-smi", "error" not in env.get("nvidia_smi", {}),
                 env.get("nvidia_smi", {}).get("error")),
                ("fastnn's cuda back end", backend[0], backend[1]),
                ("cuBLAS through CuPy (wide layers use the tiled kernels)", cublas[0], cublas[1]),
                ("PyTorch CUDA (the torch-cuda rows)", torch.get("cuda_available"),
                 torch.get("error", "torch.cuda.is_available() is False"))):
            if not ok:
                self.note(f"missing: {what}: {why}")

    def tests(self, remaining_parts):
        xml = self.out / "cuda_tests.xml"
        argv = [sys.executable, "-m", "pytest", "tests/cuda", "-q", "-rfE", "-p", "no:cacheprovider",
                f"--junitxml={xml}", "-o", "junit_family=xunit2"]
        if self.args.tiny:
            argv += ["-k", TINY_TESTS]
        env = dict(os.environ, FASTNN_CUDA_TESTS="1", PYTHONUNBUFFERED="1")
        env.pop("FASTNN_BACKEND", None)
        if self.run("tests", argv, remaining_parts, self.out / "cuda_tests.log", env) and xml.exists():
            self.data["tests"] = junit_counts(xml)
            self.save()

    def bench(self, remaining_parts):
        limit = self.limit("bench", remaining_parts)
        argv = [sys.executable, "benchmarks/run.py", "--gpu", "--out", self.out, "--no-plots",
                "--threads", self.args.threads]
        if self.args.tiny:
            argv += ["--quick", "--workloads", "tiny", "--max-samples", 20, "--repeats", 1,
                     "--min-repeat-s", 0.01, "--no-compile"]
        else:
            argv += ["--workloads", WORKLOADS, "--repeats", 3, "--min-repeat-s", 0.2,
                     "--compile-on", "tiny", "--timeout", max(30, round(limit / 3))]
        if self.mnist:
            argv += ["--mnist-path", self.mnist]
        before = {p.name for p in self.out.glob("gpu*.json")}
        self.run("bench", argv, remaining_parts)
        files = sorted(p for p in self.out.glob("gpu*.json") if p.name != "gpu_check.json")
        if files:
            newest = max(files, key=lambda p: (p.name not in before, p.stat().st_mtime))
            self.data["bench"] = {"file": newest.name, "results": json.loads(newest.read_text())}
            self.save()


def main(argv=None):
    p = argparse.ArgumentParser(prog="benchmarks/gpu_check.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for every output file")
    p.add_argument("--budget-s", type=float, default=400.0,
                   help="seconds for all parts together (default 400: ends inside `timeout 420`)")
    p.add_argument("--tiny", action="store_true", help="smoke run: every part on the smallest shapes")
    p.add_argument("--mnist-path", help="folder with the MNIST IDX files (see above for the defaults)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads of the fastnn-numba rows (default 1)")
    p.add_argument("--parts", default=",".join(SHARES),
                   help=f"comma-separated parts to run, e.g. tests,bench for a second run "
                        f"(default all: {','.join(SHARES)}); the shares of those left out go to the others")
    args = p.parse_args(argv)
    args.parts = [name.strip() for name in args.parts.split(",") if name.strip()]
    unknown = [name for name in args.parts if name not in SHARES]
    if unknown or not args.parts:
        p.error(f"--parts: unknown part(s) {unknown}; expected some of {list(SHARES)}")
    if args.budget_s < len(args.parts) * MIN_PART_S:
        p.error(f"--budget-s must be at least {len(args.parts) * MIN_PART_S:g} for "
                f"{len(args.parts)} part(s), got {args.budget_s:g}")
    check = Check(args)
    signal.signal(signal.SIGTERM, _interrupt)           # `timeout` sends SIGTERM: stop tidily
    check.save()
    steps = {"env": lambda left: check.probe("env", left), "tests": check.tests,
             "bench": check.bench, "tuning": lambda left: check.probe("tuning", left)}
    chosen = [name for name in SHARES if name in args.parts]
    try:
        for i, name in enumerate(chosen):
            steps[name](len(chosen) - 1 - i)
    except KeyboardInterrupt:
        check.note("interrupted: the parts that had not finished were stopped")
    finally:
        shutil.rmtree(check.tmp, ignore_errors=True)
    check.save()
    print(markdown(check.data), flush=True)
    bad = [n for n, part in check.data["parts"].items() if part["status"] != "ok"]
    return 1 if bad or len(check.data["parts"]) < len(chosen) else 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# --- the summary -----------------------------------------------------------------------------------


def _ms(x):
    return f"{1e3 * x:.3g}" if isinstance(x, (int, float)) else "–"


def _launch(us):
    if isinstance(us, dict) and "error" not in us:
        return ", ".join(f"{case} {value:.3g} us" for case, value in us.items())
    return str(_brief(us))


def _epoch(cell):
    if not isinstance(cell, dict):
        return "–"
    if "epoch_s" in cell:
        return _ms(cell["epoch_s"])
    return cell.get("skipped") or cell.get("error", "–")[:60]


def _table(header, rows):
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _bench_lines(bench):
    results = bench["results"]
    lines = [f"## Benchmark ({bench['file']}, the full report is beside it)", "", report.summary(results), "",
             "First epoch (JIT compile included) and the common check of each row:", ""]
    rows = [[r["impl"], r["workload"], f"{r['first_epoch_s']:.3f}", f"{r['compile_s_est']:.2f}",
             f"{r['check']['loss']:.5f} / {r['check']['accuracy']:.3f}"]
            for r in results["rows"] if r["status"] == "ok"]
    lines += _table(["impl", "workload", "first epoch s", "compile s (est)", "check loss / acc"], rows) + [""]
    compile_rows = [[r["impl"], r["workload"]] + [
        r[phase].get("error") or f"{r[phase]['import_s']:.2f} + {r[phase]['first_fit_s']:.2f}"
        for phase in ("cold", "warm")] for r in results.get("compile", [])]
    if compile_rows:
        lines += ["Fresh process, `import fastnn` + first fit epoch (s):", ""]
        lines += _table(["impl", "workload", "cold cache", "warm cache"], compile_rows) + [""]
    return lines


def _tuning_lines(tuning):
    lines = ["## Tuning (epoch times in ms)", "",
             f"- one launch of an empty kernel from Python: {_launch(tuning.get('launch_us'))}",
             f"- cuBLAS float32 GEMM (TFLOP/s by n): {_brief(tuning.get('cublas_sgemm_tflops'))}",
             f"- defaults: {tuning.get('defaults')}", ""]
    rows = [[r["net"], r["batch"], r["batch_x_params"], r["default"], _epoch(r.get("one-block")),
             _epoch(r.get("per-batch"))] for r in tuning.get("one_block", [])]
    if rows:
        lines += ["One block per epoch vs two launches per batch (`EPOCH_MAX_WORK`):", ""]
        lines += _table(["net", "batch", "batch x params", "default", "one-block", "per-batch"], rows) + [""]
    rows = [[r["net"], r["batch"], "".join("G" if g else "t" for g in r["gemm_layers"]),
             _epoch(r.get("tiled")), _epoch(r.get("default")), _epoch(r.get("cublas"))]
            for r in tuning.get("gemm", [])]
    if rows:
        lines += ["Tiled products vs cuBLAS per layer (`GEMM_MIN_WORK`; default layers: G cuBLAS, "
                  "t tiled):", ""]
        lines += _table(["net", "batch", "default layers", "all tiled", "default", "all cuBLAS"], rows) + [""]
    return lines


def _brief(probe):
    """A probe's result without its traceback (that stays in gpu_check.json)."""
    return {k: v for k, v in probe.items() if k != "traceback"} if isinstance(probe, dict) else probe


def _env_lines(env):
    versions = env.get("versions", {})
    lines = ["## Environment", "",
             ("- " + ", ".join(f"{k} {v}" for k, v in versions.items() if v)
              if isinstance(versions, dict) else ""),
             f"- numba-cuda: {_brief(env.get('numba_cuda'))}", f"- CuPy: {_brief(env.get('cupy'))}",
             f"- PyTorch: {_brief(env.get('torch'))}",
             f"- CPU: {env.get('cpu')}, {env.get('logical_cpus')} logical", ""]
    smi = env.get("nvidia_smi", {})
    lines += ["```", smi.get("output") or smi.get("error", ""), "```", ""]
    return lines


def markdown(data):
    """The check's summary as markdown: parts, tests, benchmark, tuning, environment."""
    gpu = (data.get("env", {}).get("numba_cuda") or {}).get("device", "no GPU found")
    lines = [f"# fastnn GPU check: {gpu}", "",
             f"Created {data['created']}, budget {data['budget_s']:g} s, "
             f"took {data.get('elapsed_s', 0):.0f} s"
             f"{', tiny (smoke) run' if data['tiny'] else ''}.", ""]
    lines += [f"- {note}" for note in data["notes"]] + ([""] if data["notes"] else [])
    rows = [[name, part["status"], f"{part['seconds']:.0f}", f"{part.get('limit_s', 0):.0f}",
             part.get("note", f"rc {part.get('rc')}")] for name, part in data["parts"].items()]
    lines += _table(["part", "status", "seconds", "limit s", "note"], rows) + [""]
    tests = data.get("tests")
    if tests:
        lines += [f"## CUDA tests: {tests['tests']} run, {tests['failures']} failed, {tests['errors']} "
                  f"errors, {tests['skipped']} skipped (cuda_tests.xml, cuda_tests.log)", ""]
        lines += [f"- {f}" for f in tests["failed"]] + [""]
    if data.get("bench"):
        lines += _bench_lines(data["bench"])
    if data.get("tuning"):
        lines += _tuning_lines(data["tuning"])
    if data.get("env"):
        lines += _env_lines(data["env"])
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
