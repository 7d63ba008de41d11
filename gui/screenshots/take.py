"""Take every screenshot of the README's app section from the running app, under Xvfb.

Each capture is the whole X screen (``QGuiApplication.primaryScreen().grabWindow(0)``) with the
app's window filling it, after driving the app the way a teacher would: pick a dataset or a
lesson, train, pause, open the view.  From the repository root::

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python gui/screenshots/take.py              # writes gui/screenshots/*.png

``--only NAME[,NAME]`` takes some of them (``playground`` also writes ``hover``, ``mnist`` also
``digits``); ``--out DIR`` writes elsewhere.  On Debian a bare machine needs::

    apt-get install --no-install-recommends xvfb xauth libx11-xcb1 libxcb-cursor0 \
        libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
        libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
"""
import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
W, H = 1400, 900


def wait(app, condition, timeout=120.0, what="the app"):
    """Process events until ``condition()`` holds (RuntimeError after ``timeout`` seconds)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def pause(app, s=0.3):
    """Let the window draw for ``s`` seconds."""
    end = time.monotonic() + s
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


class Shooter:
    """Drives one window and saves captures into ``out``."""

    def __init__(self, app, window, out):
        self.app, self.w, self.out = app, window, out

    # -- driving ------------------------------------------------------------------------------
    def loaded(self, label):
        """Wait until dataset ``label`` is loaded and drawn."""
        w = self.w
        wait(self.app, lambda: w.problem is not None and w.problem.name == label
             and w.drawn is not None and w.drawn.problem_uid == w.problem.uid,
             what=f"{label} to load")

    def select(self, label, samples=None):
        """Pick dataset ``label`` (with ``samples`` points) and wait for it."""
        d = self.w.data_panel
        d.select(label, emit=False)          # shows the dataset's own sample count
        if samples:
            d.samples.setValue(samples)
        d.emit_request()
        self.loaded(label)

    def layers(self, spec):
        """Set the hidden layers ``[(units, activation), ...]`` and wait for the network."""
        from fastnn_gui.settings import HiddenLayer
        layers = [HiddenLayer(u, a) for u, a in spec]
        self.w.network_panel.set_layers(layers)
        self.w.network_panel.sig_changed.emit(layers)
        wait(self.app, lambda: self.w.drawn is not None and len(self.w.drawn.weights)
             == len(spec) + 1 and self.w.drawn.epoch == 0, what="the new network")

    def train(self, **fields):
        """Set training-panel boxes by name (``optimizer="Adam"``) and apply them."""
        tp = self.w.training_panel
        for name, value in fields.items():
            getattr(tp, name).setCurrentText(str(value))
        tp.sig_changed.emit()

    def speed(self, label):
        """Choose a speed of the speed control and wait until the worker has it."""
        self.w.controls.speed.setCurrentText(label)
        wait(self.app, lambda: self.w.host.worker.speed.label == label, what="the speed")

    def features(self, names):
        """Switch on exactly the feature toggles ``names`` and wait for them."""
        d = self.w.data_panel
        for name, button in d.feature_buttons.items():
            button.blockSignals(True)
            button.setChecked(name in names)
            button.blockSignals(False)
        self.w.host.send("features", tuple(names))
        wait(self.app, lambda: self.w.problem.features == tuple(names), what="features")

    def play_until(self, epoch, timeout=180.0):
        """Press play, wait for ``epoch`` on screen, then :meth:`stop`."""
        w = self.w
        w.controls.play.click()
        wait(self.app, lambda: w.drawn is not None and w.drawn.epoch >= epoch, timeout,
             what=f"epoch {epoch}")
        self.stop()

    def stop(self):
        """Pause and wait until the paused state is drawn."""
        w = self.w
        w.host.send("pause")
        wait(self.app, lambda: not w.running, what="pause")
        old = w.snapshot
        w.host.send("snapshot")
        wait(self.app, lambda: w.snapshot is not old and w.drawn is w.snapshot, what="a frame")
        pause(self.app, 0.4)

    def lesson(self, key):
        """Open lesson ``key`` from the Lessons menu's list and wait for its data."""
        from fastnn_gui import lessons
        lesson = lessons.get(key)
        self.w.apply_lesson(lesson)
        self.loaded(lesson.dataset)
        return lesson

    # -- capturing ------------------------------------------------------------------------------
    def save(self, name):
        """Grab the X screen into ``out/name.png``."""
        from PySide6.QtGui import QGuiApplication
        pause(self.app, 0.5)
        image = QGuiApplication.primaryScreen().grabWindow(0)
        path = self.out / f"{name}.png"
        if not image.save(str(path), "PNG"):
            raise RuntimeError(f"could not write {path}")
        print(f"wrote {path} ({image.width()}x{image.height()})")


def playground(s):
    """A two-arm spiral through three tanh layers, from x₁, x₂, sin x₁, sin x₂."""
    w = s.w
    w.tabs.setCurrentIndex(0)
    s.select("Spiral")
    s.speed("10 epochs / frame")
    s.features(("x₁", "x₂", "sin x₁", "sin x₂"))
    s.layers([(8, "tanh"), (8, "tanh"), (6, "tanh")])
    s.train(optimizer="Adam", lr="0.01")
    s.play_until(600)
    w.data_panel.show_test.setChecked(True)
    w.loss_view.log_x.setChecked(True)          # the first epochs, where it learns, get room
    s.save("playground")
    node = w.network_view.node(2, 3)             # hover a neuron: it is drawn large
    node._on_hover(node.key)
    wait(s.app, lambda: w.drawn.focus == (2, 3), what="the hovered neuron")
    s.save("hover")
    node._on_hover(None)
    w.data_panel.show_test.setChecked(False)
    w.loss_view.log_x.setChecked(False)


def regression(s):
    """The course's 'complex curve' fitted by one hidden layer of 12 tanh neurons."""
    s.w.tabs.setCurrentIndex(0)
    s.select("Complex curve")
    s.speed("10 epochs / frame")
    s.layers([(12, "tanh")])
    s.train(optimizer="Adam", lr="0.01")
    s.play_until(1500)
    s.w.data_panel.show_test.setChecked(True)
    s.save("regression")
    s.w.data_panel.show_test.setChecked(False)


def multiclass(s):
    """A five-arm spiral through two tanh layers, softmax over five classes."""
    s.w.tabs.setCurrentIndex(0)
    s.select("Spiral, 5 arms", samples=800)
    s.speed("10 epochs / frame")
    s.features(("x₁", "x₂", "sin x₁", "sin x₂"))
    s.layers([(12, "tanh"), (10, "tanh")])
    s.train(optimizer="Adam", lr="0.003")
    s.play_until(800)
    s.save("multiclass")


def mnist(s):
    """The MNIST lesson after a few epochs, with a 7 drawn on the pad."""
    w = s.w
    s.lesson("mnist")
    wait(s.app, lambda: w.drawn.epoch >= 12, timeout=240, what="MNIST epochs")
    s.stop()
    pad = w.digit_lab.pad
    pad.stroke([(70, 60), (215, 60), (170, 140), (130, 235)])     # a seven
    wait(s.app, lambda: w.digit_lab.probs is not None, what="the pad's probabilities")
    pause(s.app, 0.5)
    s.save("mnist")
    w.tabs.setCurrentWidget(w.digits_view)
    s.save("digits")
    pad.clear()


def race(s):
    """The optimizers lesson's network and data, raced as one population of 12: four optimizers
    at three learning rates each, from the same initial weights."""
    w = s.w
    s.lesson("optimizers")
    race = w.race_tab
    wait(s.app, lambda: race.start_button.isEnabled() and "Final" in race.results.text(),
         timeout=300, what="the lesson's race")
    race.set_racers((("SGD", (0.01, 0.03, 0.1), 10), ("Momentum", (0.01, 0.03, 0.1), 10),
                     ("RMSProp", (0.001, 0.003, 0.01), 10), ("Adam", (0.001, 0.003, 0.01), 10)))
    race.start()
    wait(s.app, lambda: race.start_button.isEnabled() and "Final" in race.results.text(),
         timeout=300, what="the race of 12")
    s.save("race")


def seeds(s):
    """32 seeds of a 3-neuron tanh layer on XOR: some initial weights find the four quadrants
    early, some stall on a plateau first."""
    w = s.w
    w.lesson_banner.close_lesson()
    w.tabs.setCurrentIndex(0)
    s.select("XOR")
    s.features(("x₁", "x₂"))
    s.layers([(3, "tanh")])
    s.train(optimizer="SGD", lr="0.1")
    tab = w.seeds_tab
    w.tabs.setCurrentWidget(tab)
    tab.epochs.setValue(300)
    tab.start_button.click()
    wait(s.app, lambda: tab.start_button.isEnabled() and tab.spread is not None
         and len(tab.spread.epochs) == 300, timeout=300, what="the seeds")
    s.save("seeds")


def gradients(s):
    """The vanishing-gradients lesson: six sigmoid layers."""
    w = s.w
    s.lesson("vanishing")
    wait(s.app, lambda: w.drawn.epoch >= 300, timeout=240, what="epochs")
    s.stop()
    s.save("gradients")


def step_through(s):
    """XOR with a hidden layer, paused after a few mini-batches, one sample followed."""
    w = s.w
    w.lesson_banner.close_lesson()
    w.tabs.setCurrentIndex(0)
    s.select("XOR")
    s.layers([(3, "tanh")])
    s.train(optimizer="SGD", lr="0.1")
    s.speed("1 mini-batch / frame")
    w.tabs.setCurrentWidget(w.step_view)
    w.step_view.sample.setValue(7)
    for _ in range(3):
        before = w.snapshot.steps
        w.step_view.step_button.click()
        wait(s.app, lambda b=before: w.snapshot.steps == b + 1 and w.drawn is w.snapshot,
             what="a mini-batch")
    wait(s.app, lambda: w.snapshot.trace is not None and w.snapshot.trace.update == "batch",
         what="the trace")
    pause(s.app, 0.5)
    s.save("step_through")


def lesson(s):
    """The linear-regression lesson: gradient descent against the normal equation."""
    w = s.w
    s.lesson("linear_regression")
    wait(s.app, lambda: w.drawn.epoch >= 300, timeout=120, what="epochs")
    s.stop()
    s.save("lesson")


SHOTS = {"playground": playground, "regression": regression, "multiclass": multiclass,
         "mnist": mnist, "race": race, "seeds": seeds, "gradients": gradients,
         "step_through": step_through, "lesson": lesson}


def main(argv=None):
    """Take the captures named on the command line (all by default); returns 0."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=HERE)
    p.add_argument("--only", help="comma-separated names of " + ", ".join(SHOTS))
    p.add_argument("--backend", default=None)
    args = p.parse_args(argv)
    names = args.only.split(",") if args.only else list(SHOTS)
    args.out.mkdir(parents=True, exist_ok=True)
    from fastnn_gui.app import create_window
    app, window = create_window(args.backend)
    window.resize(W, H)
    window.move(0, 0)
    window.show()
    wait(app, lambda: window.drawn is not None, what="the first frame")
    shooter = Shooter(app, window, args.out)
    try:
        for name in names:
            window.resize(W, H)          # as the README shows it, whatever the last shot did
            SHOTS[name](shooter)
    finally:
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
