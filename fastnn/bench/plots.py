"""PNG plots of a results dict, with matplotlib's Agg canvas (no display, no pyplot global state).

matplotlib is the optional ``bench`` extra: it renders headless everywhere, while pyqtgraph's
exporter would need a Qt binding and an offscreen ``QApplication`` just to save a file.
"""
from __future__ import annotations

from pathlib import Path


def _figure(ncols=1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.5 * ncols, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _ok(rows, group):
    return [r for r in rows if r["group"] == group and r["status"] == "ok"]


def _impls(rows):
    return list(dict.fromkeys(r["impl"] for r in rows))


def _title(results):
    m = results["machine"]
    threads = results['settings']['threads']
    return f"{m.get('cpu', '?')}, " + (f"{threads} thread(s)" if threads else "default threads")


def main_bars(results, path):
    """Grouped bars: samples/s (log scale) of every implementation on every headline workload."""
    rows = _ok(results["rows"], "main")
    if not rows:
        return None
    names = list(dict.fromkeys(r["workload"] for r in rows))
    impls = _impls(rows)
    fig, (ax,) = _figure()
    width = 0.8 / len(impls)
    for i, impl in enumerate(impls):
        rate = {r["workload"]: r["samples_per_s"]["median"] for r in rows if r["impl"] == impl}
        xs = [j + i * width for j, w in enumerate(names) if w in rate]
        ax.bar(xs, [rate[w] for w in names if w in rate], width, label=impl)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(names))], names)
    ax.set_yscale("log")
    ax.set_ylabel("training samples/s (median)")
    ax.set_title(f"Training throughput, {_title(results)}", fontsize=10)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    return path


def sweep_lines(results, group, xlabel, path):
    """Samples/s and GFLOP/s against the swept value (``group`` "width" or "batch"), log-log."""
    rows = _ok(results["rows"], group)
    if not rows:
        return None
    fig, (ax_rate, ax_flops) = _figure(2)
    for impl in _impls(rows):
        mine = sorted((r for r in rows if r["impl"] == impl), key=lambda r: r["x"])
        xs = [r["x"] for r in mine]
        ax_rate.plot(xs, [r["samples_per_s"]["median"] for r in mine], "o-", label=impl)
        ax_flops.plot(xs, [r["gflops"] for r in mine], "o-", label=impl)
    peak = results["machine"].get("gemm_float32", {}).get("peak_gflops")
    if peak:
        ax_flops.axhline(peak, color="gray", ls="--", lw=1, label="float32 GEMM peak")
    from matplotlib.ticker import ScalarFormatter
    for ax, ylabel in ((ax_rate, "training samples/s (median)"),
                       (ax_flops, "GFLOP/s (6·Σ in·out per sample)")):
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", alpha=0.3)
    ax_flops.legend(fontsize=8)
    fig.suptitle(f"{xlabel}: {_title(results)}", fontsize=10)
    fig.savefig(path, dpi=110)
    return path


def write_plots(results, out_dir, prefix):
    """Write every plot that has data; returns the written paths.  Raises ImportError without matplotlib."""
    import matplotlib  # noqa: F401  (fail early and clearly when the extra is missing)
    out_dir = Path(out_dir)
    written = [
        main_bars(results, out_dir / f"{prefix}_main.png"),
        sweep_lines(results, "width", "hidden width (2 hidden layers)", out_dir / f"{prefix}_width.png"),
        sweep_lines(results, "batch", "batch size", out_dir / f"{prefix}_batch.png"),
    ]
    return [p for p in written if p is not None]
