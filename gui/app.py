"""Entry point: ``fastnn-gui`` (console script ``fastnn_gui.app:main``), ``python -m fastnn_gui``."""
import os
import sys


def configure_pyqtgraph():
    """Global pyqtgraph options for fast, consistent drawing (row-major images, white plots)."""
    import pyqtgraph as pg
    pg.setConfigOptions(imageAxisOrder="row-major", background="w", foreground="k",
                        antialias=False)


def cache_axes(widget):
    """Cache every pyqtgraph axis under ``widget`` as a pixmap: live plots repaint often, and
    redrawing the axis text each time costs more than the curves themselves."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsItem
    for view in widget.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setCacheMode(QGraphicsItem.DeviceCoordinateCache)


def create_window(backend=None):
    """Create the QApplication (if needed) and the main window; returns ``(app, window)``.

    Raises ValueError for a ``backend`` that does not work here (see :func:`check_backend`)."""
    if backend is not None:
        check_backend(backend)
    from PySide6.QtWidgets import QApplication
    # Painting calls back into Python many times per frame and each call re-takes the GIL;
    # with the default 5 ms switch interval a Python-heavy training thread (the NumPy back
    # end) makes every one of those waits up to 5 ms. 1 ms keeps frames short.
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    from .main_window import MainWindow
    window = MainWindow(backend=backend)
    cache_axes(window)
    return app, window


def has_display():
    """Whether a window can be shown: a display on X11/Wayland systems, or a Qt platform that
    the user chose explicitly (``QT_QPA_PLATFORM``); Windows and macOS always have one."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def check_backend(name):
    """``name`` if it is a back end that works here; else ValueError naming the ones that do."""
    import fastnn
    names = list(fastnn.backends.available())
    if name in names:
        return name
    status = fastnn.backends.status()
    why = f"it is not available here: {status[name][1]}" if name in status else \
        "there is no such back end"
    raise ValueError(f"back end {name!r}: {why}; use one of {', '.join(names)}")


def parse_args(argv):
    """The command line: an optional back end and ``--mnist-path``; ``SystemExit`` (status 2,
    the reason on stderr) for a back end that does not work here."""
    import argparse

    import fastnn
    names = ", ".join(fastnn.backends.available())
    parser = argparse.ArgumentParser(
        prog="fastnn-gui", description="fastnn playground: watch networks learn.")
    parser.add_argument("backend", nargs="?", metavar="BACKEND",
                        help=f"kernel back end (available here: {names}; default: the fastest)")
    parser.add_argument("--mnist-path", metavar="DIR",
                        help="folder with the MNIST IDX files (default: $FASTNN_DATA, "
                             "~/.cache/fastnn/mnist, then ../shared/data/mnist beside a checkout)")
    args = parser.parse_args(argv)
    if args.backend is not None:
        try:
            check_backend(args.backend)
        except ValueError as exc:
            parser.error(str(exc))
    return args


def main(argv=None):
    """Start the playground and run the Qt event loop; returns the exit status.

    With no display (a server, a container, CI) it trains the headless demo instead
    (:func:`fastnn.demo.train_and_draw`: a PNG of a decision surface and loss curve) and says
    so.  A back end that does not work here is refused (status 2) before any window opens.
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not has_display():
        from fastnn import demo
        print("fastnn-gui: no display found (DISPLAY/WAYLAND_DISPLAY unset); running the headless "
              "demo instead (a PNG of what a network learned)", file=sys.stderr)
        print(demo.train_and_draw(out="demo.png"))
        return 0
    if args.mnist_path:
        from . import data
        data.MNIST_PATH = args.mnist_path
    app, window = create_window(args.backend)
    default_hook = sys.excepthook

    def report(kind, exc, tb):
        """Unexpected errors in the UI thread go to the message bar; the model lives on."""
        default_hook(kind, exc, tb)
        window.show_message("error", f"unexpected error: {kind.__name__}: {exc}")

    sys.excepthook = report
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
