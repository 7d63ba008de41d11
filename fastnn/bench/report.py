"""Write a results dict as JSON, a markdown report and PNG plots.

Ratios are taken inside one run (implementation / ``torch-eager`` on the same workload), which is
steadier than comparing absolute numbers across runs on a noisy VM (``perf-anchors.md``, Noise).
"""
from __future__ import annotations

import json
from pathlib import Path

from .plots import write_plots

BASELINES = {"gpu": "torch-cuda"}
"""The implementation every ratio divides by: PyTorch CUDA eager in the GPU suite, else CPU eager."""
CPU_BASELINE = "torch-eager"
TARGETS = {
    "fastnn-cython": {"tiny": 1.0, "small": 1.0, "mnist": 1.0, "wide": 1.0},
    "jax-scan": {"tiny": 2.5, "small": 1.7, "mnist": 1.1, "wide": 1.0},
    "torch-eager": {"tiny": 80.0, "small": 25.0, "mnist": 1.5, "wide": 1.05},
}
"""The speed targets (issue #10): fastnn-numba samples/s over each implementation, per workload."""
NEEDED_PEAK_TARGET = {"mnist": 0.8}
"""...and the fraction of the GEMM peak, counted on the FLOP actually needed, per workload."""
GPU_TARGETS = {"tiny": 10.0, "small": 5.0, "mnist": 1.5, "wide": 0.5}
"""GPU-issue targets: fastnn-cuda samples/s over PyTorch CUDA eager, per workload."""


def fmt_rate(x):
    """3 significant digits with k/M suffix: 2790000 -> '2.79M', 39100 -> '39.1k'."""
    if x is None:
        return "–"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def _pct(x):
    return "–" if x is None else f"{100 * x:.0f}%" if x >= 0.1 else f"{100 * x:.2g}%"


def _rate(row):
    return row["samples_per_s"]["median"] if row and row.get("status") == "ok" else None


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]


def baseline(results):
    """Name of the implementation the ``×`` columns divide by in this run."""
    return BASELINES.get(results["settings"]["mode"], CPU_BASELINE)


def _index(results):
    return {(r["impl"], r["workload"]): r for r in results["rows"]}


def _machine_lines(results):
    m, s = results["machine"], results["settings"]
    gemm = m.get("gemm_float32", {})
    by_size = ", ".join(f"n={n}: {g:.0f}" for n, g in gemm.get("by_size", {}).items())
    v = ", ".join(f"{k} {val}" for k, val in m.get("versions", {}).items() if val)
    pools = ", ".join(f"{p['prefix']}={p['num_threads']}" for p in m.get("thread_pools", []))
    load = results.get("loadavg") or {}
    return [
        f"- Machine: {m.get('cpu', '?')}, {m.get('logical_cpus', '?')} logical CPUs, workers pinned to "
        f"CPUs {m.get('cpus_used')}; GPU: {m.get('gpu') or 'none'}; {m.get('platform', '')}",
        (f"- Threads: {s['threads']} for every implementation (pools in the machine probe: {pools or '?'})"
         if s["threads"] else f"- Threads: every library's own default (fastnn 'auto'; pools in the "
                              f"machine probe: {pools or '?'})"),
        f"- Float32 GEMM peak (NumPy, same threads): **{gemm.get('peak_gflops', 0):.0f} GFLOP/s** "
        f"({by_size})",
        f"- Versions: {v}",
        f"- Run: mode `{s['mode']}`, {s['repeats']} repeats of >= {s['min_repeat_s']} s each, "
        f"created {results['created']}, took {results['elapsed_s']:.0f} s, "
        f"command `{' '.join(results['argv'])}`",
        f"- Load average at start / end: {load.get('start')} / {load.get('end')}",
    ]


def _noise_line(results):
    ok = [r for r in results["rows"] if r["status"] == "ok"]
    shares = [r["others_cpu"] for r in ok if r.get("others_cpu") is not None]
    redone = sum(r.get("redone", 0) for r in ok)
    if not shares:
        return "- Others' CPU during measurements: not measured (no /proc)"
    busy = sum(s > results["settings"]["quiet"]["threshold"] for s in shares)
    return (f"- Others' CPU during measurements: median {_pct(sorted(shares)[len(shares) // 2])}, "
            f"max {_pct(max(shares))}; {busy} of {len(shares)} rows above the "
            f"{_pct(results['settings']['quiet']['threshold'])} threshold after {redone} redo(s)")


def _main_section(results):
    idx, lines = _index(results), []
    impls = list(dict.fromkeys(r["impl"] for r in results["rows"]))
    for name, wl in results["workloads"].items():
        if wl["group"] != "main":
            continue
        base = _rate(idx.get((baseline(results), name)))
        rows = []
        for impl in impls:
            r = idx.get((impl, name))
            if r is None:
                continue
            if r["status"] != "ok":
                rows.append([impl, f"{r['status']}: {r['reason']}"] + [""] * 10)
                continue
            rate, c = r["samples_per_s"], r["check"]
            rows.append([
                impl, f"**{fmt_rate(rate['median'])}**", f"{fmt_rate(rate['min'])}–{fmt_rate(rate['max'])}",
                f"{rate['median'] / base:.3g}" if base else "–", f"{r['gflops']:.3g}",
                _pct(r.get("gemm_peak_fraction")), _pct(_needed_fraction(results, r)),
                f"{r['first_epoch_s']:.3f}",
                f"{r['compile_s_est']:.2f}", f"{c['loss']:.5f} / {c['accuracy']:.3f} (E={c['epochs']})",
                _pct(r["others_cpu"]) if r.get("others_cpu") is not None else "–",
                ", ".join(f"{k} {v}" for k, v in r["threads"].items() if k != "pools"),
            ])
        needed = wl.get("needed_flop_per_sample")
        lines += [f"### {name}: {wl['label']}; {wl['flop_per_sample']:,} FLOP/sample (6·Σ), "
                  f"{needed:,} needed" if needed else f"### {name}: {wl['label']}", ""]
        lines += _table(["impl", "samples/s (median)", "min–max", f"× {baseline(results)}", "GFLOP/s",
                         "% GEMM peak",
                         "% peak (needed)", "first epoch s", "compile s (est)", "check loss / acc",
                         "others' CPU", "threads"], rows)
        lines.append("")
    return lines


def _needed_fraction(results, row):
    """A row's GFLOP/s counted on the FLOP actually needed, as a fraction of the GEMM peak."""
    wl = results["workloads"].get(row["workload"], {})
    peak = results["machine"].get("gemm_float32", {}).get("peak_gflops")
    if row.get("status") != "ok" or not peak or not wl.get("needed_flop_per_sample"):
        return None
    return row["samples_per_s"]["median"] * wl["needed_flop_per_sample"] / 1e9 / peak


def _verdict(value, target):
    return "–" if value is None else f"{value:.3g} ({'yes' if value >= target else '**no**'})"


def _targets_section(results):
    """fastnn-numba against each target implementation, and the GEMM-peak targets, met or not."""
    if results["settings"]["mode"] == "gpu":
        return []
    idx, rows = _index(results), []
    names = [n for n, wl in results["workloads"].items() if wl["group"] == "main"]
    numba = {n: _rate(idx.get(("fastnn-numba", n))) for n in names}
    for other, targets in TARGETS.items():
        cells = [f"numba / {other}"]
        for n in names:
            theirs = _rate(idx.get((other, n)))
            ratio = numba[n] / theirs if numba[n] and theirs else None
            cells.append(f"{_verdict(ratio, targets[n])}, target {targets[n]:g}" if n in targets else "–")
        rows.append(cells)
    cells = ["numba % GEMM peak (needed FLOP)"]
    for n in names:
        row = idx.get(("fastnn-numba", n))
        fraction = _needed_fraction(results, row) if row else None
        target = NEEDED_PEAK_TARGET.get(n)
        cells.append(_pct(fraction) + (f" ({'yes' if fraction >= target else '**no**'}), target "
                                       f"{_pct(target)}" if target and fraction is not None else ""))
    rows.append(cells)
    if not any(numba.values()):
        return []
    return ["## Targets: fastnn numba against each implementation (ratio of samples/s)", "",
            *_table(["ratio"] + names, rows), ""]


def _gpu_targets_section(results):
    """fastnn-cuda against PyTorch CUDA eager (the targets) and against fastnn-numba on the CPU."""
    idx, rows = _index(results), []
    for name, target in GPU_TARGETS.items():
        if name not in results["workloads"]:
            continue
        cu, tch, nb = (_rate(idx.get((i, name))) for i in ("fastnn-cuda", "torch-cuda", "fastnn-numba"))
        ratio = cu / tch if cu and tch else None
        met = "–" if ratio is None else ("yes" if ratio >= target else "**no**")
        rows.append([name, fmt_rate(cu), fmt_rate(tch), fmt_rate(nb), f"{ratio:.3g}" if ratio else "–",
                     f">= {target:g}", met, f"{cu / nb:.3g}" if cu and nb else "–"])
    if not any(r[1] != "–" for r in rows):
        return []
    header = ["workload", "fastnn-cuda", "torch-cuda", "fastnn-numba (CPU)", "cuda / torch", "target", "met",
              "cuda / numba"]
    return ["## GPU targets: fastnn cuda vs PyTorch CUDA eager (samples/s)", ""] + _table(header, rows) + [""]


def _compile_section(results):
    rows = []
    for r in results.get("compile", []):
        cells = [r["impl"], r["workload"]]
        for phase in ("cold", "warm"):
            t = r[phase]
            if "error" in t:
                cells += [f"error: {t['error']}", "", "", ""]
            elif "import_s" not in t:        # the quickstart: only its total
                cells += ["", "", "", f"**{t['total_s']:.2f}**"]
            else:
                cells += [f"{t['import_s']:.2f}", f"{t['first_fit_s']:.2f}", f"{t['compile_s']:.2f}",
                          f"**{t['total_s']:.2f}**"]
        rows.append(cells)
    if not rows:
        return []
    header = ["impl", "workload"] + [f"{what} ({phase})" for phase in ("cold", "warm")
                                     for what in ("import s", "first fit s", "compile s", "total s")]
    return ["## First call in a fresh process (cold cache: empty NUMBA_CACHE_DIR; warm: the same dir again)",
            "", *_table(header, rows), "",
            "first fit = build + compile + train 1 epoch; compile = first fit − a steady epoch; "
            "total = import + first fit (the README quickstart: the whole script).", ""]


def _sweep_section(results, group, title):
    idx = _index(results)
    names = [n for n, wl in results["workloads"].items() if wl["group"] == group]
    if not names:
        return []
    impls = list(dict.fromkeys(r["impl"] for r in results["rows"] if r["group"] == group))
    rows = []
    for n in names:
        cells = [results["workloads"][n]["x"]]
        for impl in impls:
            r = idx.get((impl, n))
            cells.append(f"{fmt_rate(_rate(r))} ({r['gflops']:.3g} GF/s)" if _rate(r)
                         else (r or {}).get("status", "–"))
        rows.append(cells)
    wl = results["workloads"][names[0]]
    sizes = ["w" if group == "width" and i not in (0, len(wl["sizes"]) - 1) else str(n)
             for i, n in enumerate(wl["sizes"])]
    batch = "" if group == "batch" else f", batch {wl['batch_size']}"
    what = f"{'-'.join(sizes)} {wl['activation']}, {wl['dataset']} n={wl['n_samples']}{batch}, lr {wl['lr']}"
    return [f"## {title} ({what}; samples/s (GFLOP/s))", "", *_table([group] + impls, rows), ""]


def summary(results):
    """Compact markdown: samples/s (× the baseline) of every implementation on the headline workloads."""
    idx = _index(results)
    names = [n for n, wl in results["workloads"].items() if wl["group"] == "main"]
    impls = list(dict.fromkeys(r["impl"] for r in results["rows"] if r["group"] == "main"))
    rows = []
    for impl in impls:
        cells = [impl]
        for n in names:
            rate, base = _rate(idx.get((impl, n))), _rate(idx.get((baseline(results), n)))
            cells.append("–" if rate is None else fmt_rate(rate) + (f" ({rate / base:.3g}×)" if base else ""))
        rows.append(cells)
    return "\n".join(_table([f"samples/s (× {baseline(results)})"] + names, rows) + [""]
                     + _targets_section(results)
                     + _gpu_targets_section(results))


def markdown(results, plots):
    """The markdown report: machine, headline tables, core targets, first call, sweeps, skipped, plots."""
    partial = ["**Partial results: the run had not finished when this was written.**", ""] \
        if results.get("partial") else []
    lines = [f"# fastnn benchmark — {results['settings']['mode']}", "", *partial, *_machine_lines(results),
             _noise_line(results), "",
             f"GFLOP/s counts 6·Σ(in·out) FLOP per sample; % peak (needed) counts only the FLOP training "
             f"needs (no input gradient of the first layer); × {baseline(results)} is the ratio of medians "
             f"in this run.", "",
             "## Headline workloads", "", summary(results), "", *_main_section(results),
             *_compile_section(results),
             *_sweep_section(results, "width", "Throughput vs hidden width"),
             *_sweep_section(results, "batch", "Throughput vs batch size")]
    lines += ["## Plots", ""] + ([f"![{Path(p).stem}]({Path(p).name})" for p in plots["files"]]
                                 or [plots["note"] or "no plot data"]) + [""]
    return "\n".join(lines)


def write(results, out_dir, prefix, plots=True):
    """Write ``<prefix>.json``, ``<prefix>.md`` and (with ``plots``) ``<prefix>_*.png`` into
    ``out_dir``; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not plots:
        plots = {"files": [], "note": "no plots in this report (--no-plots, or the run had not finished)"}
    else:
        try:
            plots = {"files": [str(p) for p in write_plots(results, out_dir, prefix)], "note": None}
        except ImportError:
            plots = {"files": [], "note": "plots skipped: install fastnn[bench] (matplotlib)"}
    results = {**results, "plots": {"files": [Path(p).name for p in plots["files"]], "note": plots["note"]}}
    json_path, md_path = out_dir / f"{prefix}.json", out_dir / f"{prefix}.md"
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    md_path.write_text(markdown(results, plots))
    return [json_path, md_path] + [Path(p) for p in plots["files"]]
