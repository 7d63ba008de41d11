"""How fast the desktop app trains compared with a bare ``fit``, and how long the UI thread stalls.

Opens the app offscreen on a back end (numba by default) with its first data set and default
network, measures

* **bare fit**: the same network, data and batch size trained by one ``fit`` call of about
  ``--fit-seconds`` seconds, in this process, the event loop idle (epochs per second, the median
  of ``--repeats`` calls);
* **app**: the window training for ``--seconds`` seconds (epochs per second from the epoch
  counter of the snapshots the window drew), with every view updating as a user sees it;
* **UI stalls**: the longest gap between two ticks of a 5 ms timer in the UI thread while the
  app trains (a stall the user would feel as a frozen window),

in ``--rounds`` alternating rounds, and prints the median ratio app / bare fit.  Timing is a
benchmark's job, not a test's::

    python benchmarks/app_speed.py                  # numba
    python benchmarks/app_speed.py --backend cuda   # on a machine with a GPU
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
FULL_SPEED = "full speed"    # a label of fastnn_gui.pacing.SPEEDS: the app as fast as it goes


def bare_fit_rate(window, seconds, repeats):
    """Epochs per second of ``fit`` on the window's current problem and settings: the median of
    ``repeats`` fits of about ``seconds`` each (one call each, as a script would train)."""
    from fastnn_gui.training_run import TrainingRun

    run = TrainingRun(window.problem, window.settings)
    run.close()
    net, batch = run.net, run.settings.batch_size
    start = time.perf_counter()
    net.fit(run.X_train, run.T_train, epochs=200, batch_size=batch)        # warm; calibrate
    epochs = max(1, int(200 * seconds / (time.perf_counter() - start)))
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        net.fit(run.X_train, run.T_train, epochs=epochs, batch_size=batch, seed=0)
        rates.append(epochs / (time.perf_counter() - start))
    return statistics.median(rates)


def app_rate(app, window, seconds):
    """Epochs per second the window shows, and the UI thread's longest tick gap (seconds)."""
    from PySide6.QtCore import QTimer

    gaps, last = [0.0], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps[0] = max(gaps[0], now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    window.controls.speed.setCurrentText(FULL_SPEED)   # the classroom default paces for eyes
    window.controls.play.click()
    _pump(app, 1.0)                            # let the chunk size settle
    epoch0, start = window.drawn.epoch, time.perf_counter()
    last[0] = start
    timer.start()
    _pump(app, seconds)
    timer.stop()
    epochs, elapsed = window.drawn.epoch - epoch0, time.perf_counter() - start
    window.controls.play.click()
    _pump(app, 0.5)
    return epochs / elapsed, gaps[0]


def _pump(app, seconds):
    """Run the event loop for ``seconds``, as ``app.exec()`` does (the thread sleeps until an
    event comes; a loop of ``processEvents()`` would wake it every few milliseconds and take the
    GIL from the training thread each time)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(1, int(1000 * seconds)), loop.quit)
    loop.exec()


def _write(args, window, rows, summary):
    from fastnn.bench import machine

    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpu": machine.cpu_name(),
            "cores": os.cpu_count(), "load_average": os.getloadavg(), "backend": args.backend,
            "data": window.problem.name, "training_rows": len(window.problem.X_train),
            "batch_size": window.settings.batch_size, "seconds_per_round": args.seconds,
            "command": "python benchmarks/app_speed.py " + " ".join(sys.argv[1:])}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "app_speed.json").write_text(json.dumps({"meta": meta, "rounds": rows}, indent=1))
    lines = [f"# The app at full speed against a bare fit ({meta['date']})", "",
             f"`{meta['command']}` on {meta['cpu']} ({meta['cores']} CPUs, load "
             f"{meta['load_average'][0]:.2f}); {args.backend}, data {meta['data']!r} "
             f"({meta['training_rows']} rows), batch {meta['batch_size']}.", "",
             "| round | bare fit epochs/s | app epochs/s | app / bare | longest UI stall |",
             "|---|---|---|---|---|"]
    lines += [f"| {i + 1} | {r['bare_fit_epochs_per_s']:.0f} | {r['app_epochs_per_s']:.0f} | "
              f"{100 * r['ratio']:.0f}% | {1000 * r['longest_ui_stall_s']:.0f} ms |"
              for i, r in enumerate(rows)]
    (args.out / "app_speed.md").write_text("\n".join(lines + ["", summary, ""]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--seconds", type=float, default=5.0, help="app time per round")
    parser.add_argument("--fit-seconds", type=float, default=1.5, help="length of each bare fit")
    parser.add_argument("--repeats", type=int, default=3, help="bare fits (median taken)")
    parser.add_argument("--rounds", type=int, default=3, help="bare fit / app rounds")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for app_speed.{json,md} (e.g. benchmarks/results)")
    args = parser.parse_args(argv)
    from fastnn_gui.app import create_window

    app, window = create_window(args.backend)
    window.show()
    while window.drawn is None:
        _pump(app, 0.05)
    print(f"back end {args.backend}, data {window.problem.name!r} "
          f"({len(window.problem.X_train)} training rows), batch {window.settings.batch_size}")
    ratios, stalls, rows = [], [], []
    for round_ in range(args.rounds):     # alternated: a shared machine's speed drifts
        bare = bare_fit_rate(window, args.fit_seconds, args.repeats)
        rate, stall = app_rate(app, window, args.seconds)
        ratios.append(rate / bare)
        stalls.append(stall)
        rows.append({"bare_fit_epochs_per_s": bare, "app_epochs_per_s": rate,
                     "ratio": rate / bare, "longest_ui_stall_s": stall})
        print(f"round {round_ + 1}: bare fit {bare:8.0f} epochs/s, app {rate:8.0f} epochs/s "
              f"({100 * rate / bare:.0f}%), longest UI stall {1000 * stall:.0f} ms")
    summary = (f"app / bare fit: median {100 * statistics.median(ratios):.0f}% of {args.rounds} "
               f"rounds; longest UI stall {1000 * max(stalls):.0f} ms")
    print(summary)
    if args.out is not None:
        _write(args, window, rows, summary)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
