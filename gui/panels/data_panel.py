"""Data controls: problem type, dataset picker, noise, train/test ratio, seed, features and
custom points."""
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import data as data_mod
from .. import features as feats
from .. import texts


def _slider(lo, hi, step, value, tip):
    s = QSlider(Qt.Horizontal)
    s.setRange(lo, hi)
    s.setSingleStep(step)
    s.setPageStep(step)
    s.setTickInterval(step)
    s.setValue(value)
    s.setToolTip(tip)
    return s


class DataPanel(QWidget):
    """Emits a :class:`~fastnn_gui.data.DataRequest` whenever new data is wanted."""

    sig_request = Signal(object)        # DataRequest
    sig_features = Signal(tuple)        # feature names switched on
    sig_show_test = Signal(bool)
    sig_discretize = Signal(bool)
    sig_load_csv = Signal()
    sig_clear_points = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox("Data")
        grid = QGridLayout(box)
        self.problem_type = QComboBox()
        for group in data_mod.GROUPS:
            self.problem_type.addItem(group)
        self.problem_type.setToolTip(texts.TOOLTIPS["problem_type"])
        self.combo = QComboBox()
        self._fill_datasets(data_mod.GROUPS[0])
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #555;")
        self.samples = QSpinBox()
        self.samples.setRange(20, 10000)
        self.samples.setSingleStep(100)
        self.samples.setToolTip(texts.TOOLTIPS["samples"])
        self.noise = _slider(0, 50, 5, 0, texts.TOOLTIPS["noise"])
        self.ratio = _slider(10, 90, 10, 50, texts.TOOLTIPS["ratio"])
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip(texts.TOOLTIPS["seed"])
        self.noise_label, self.ratio_label = QLabel(), QLabel()
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip(texts.TOOLTIPS["regenerate"])
        self.show_test = QCheckBox("Show test data")
        self.show_test.setToolTip(texts.TOOLTIPS["test_points"])
        self.discretize = QCheckBox("Discretize output")
        self.discretize.setToolTip(texts.TOOLTIPS["discretize"])
        rows = [(QLabel("Problem type"), self.problem_type), (QLabel("Dataset"), self.combo),
                (self.description,),
                (QLabel("Samples"), self.samples), (self.noise_label, self.noise),
                (self.ratio_label, self.ratio), (QLabel("Seed"), self.seed),
                (self.regenerate,), (self.show_test, self.discretize)]
        for r, widgets in enumerate(rows):
            for c, w in enumerate(widgets):
                grid.addWidget(w, r, c, 1, 2 if len(widgets) == 1 else 1)
        outer.addWidget(box)
        outer.addWidget(self._custom_box())
        outer.addWidget(self._feature_box())
        self.combo.currentIndexChanged.connect(self._dataset_changed)
        self.problem_type.currentTextChanged.connect(self._type_changed)
        self.regenerate.clicked.connect(self.emit_request)
        self.noise.valueChanged.connect(self._labels)
        self.ratio.valueChanged.connect(self._labels)
        self.show_test.toggled.connect(self.sig_show_test)
        self.discretize.toggled.connect(self.sig_discretize)
        self._labels()
        self._dataset_changed()

    def _custom_box(self):
        box = QGroupBox("Your own data")
        lay = QHBoxLayout(box)
        self.click_class = QComboBox()
        self.click_class.addItems(["class 0", "class 1", "class 2", "class 3"])
        self.click_class.setToolTip("Class of the points added by clicking on the surface")
        self.load_csv = QPushButton("Load CSV…")
        self.clear_points = QPushButton("Clear")
        for w in (QLabel("Click adds"), self.click_class, self.load_csv, self.clear_points):
            lay.addWidget(w)
        self.load_csv.clicked.connect(self.sig_load_csv)
        self.clear_points.clicked.connect(self.sig_clear_points)
        self.custom_box = box
        return box

    def _feature_box(self):
        box = QGroupBox("Features")
        box.setToolTip(texts.TOOLTIPS["features"])
        self.feature_layout = QHBoxLayout(box)
        self.feature_buttons = {}
        self.feature_box = box
        return box

    def _fill_datasets(self, group):
        """List the datasets of one problem type."""
        self.combo.blockSignals(True)
        self.combo.clear()
        for e in data_mod.CATALOG:
            if e.group == group:
                self.combo.addItem(e.label, e.label)
        self.combo.blockSignals(False)

    def _type_changed(self, group):
        """A new problem type: its datasets, the first one loaded."""
        self._fill_datasets(group)
        self._dataset_changed()

    def _labels(self):
        self.noise_label.setText(f"Noise {self.noise.value()}")
        self.ratio_label.setText(f"Train {self.ratio.value()} %")

    def _dataset_changed(self):
        self._show_entry()
        self.emit_request()

    def _show_entry(self):
        """The description, sample count and enabled controls of the chosen dataset."""
        e = data_mod.entry(self.combo.currentData())
        self.description.setText(texts.describe(e.name))
        self.samples.blockSignals(True)
        self.samples.setValue(e.n_samples)
        self.samples.blockSignals(False)
        generated = e.name not in ("custom", "mnist")
        self.noise.setEnabled(generated)
        self.custom_box.setVisible(e.name == "custom")

    def request(self):
        """The :class:`DataRequest` described by the controls."""
        return data_mod.DataRequest(label=self.combo.currentData(),
                                    n_samples=self.samples.value(),
                                    noise=float(self.noise.value()),
                                    train_ratio=self.ratio.value() / 100.0,
                                    seed=self.seed.value(), features=self.selected_features())

    def emit_request(self):
        """Ask for new data with the current controls."""
        self.sig_request.emit(self.request())

    def selected_features(self):
        """Names of the feature toggles that are on."""
        return tuple(n for n, b in self.feature_buttons.items() if b.isChecked())

    def set_features(self, n_raw, selected):
        """Show the toggles that suit data with ``n_raw`` inputs, with ``selected`` on."""
        names = feats.available(n_raw)
        if tuple(self.feature_buttons) != names:
            for b in self.feature_buttons.values():
                b.deleteLater()
            self.feature_buttons = {}
            for name in names:
                b = QToolButton()
                b.setText(name)
                b.setCheckable(True)
                b.setMinimumWidth(44)
                b.setStyleSheet("QToolButton:checked { background: #0877bd; color: white; }")
                b.toggled.connect(self._feature_toggled)
                self.feature_layout.addWidget(b)
                self.feature_buttons[name] = b
        for name, b in self.feature_buttons.items():
            b.blockSignals(True)
            b.setChecked(name in selected)
            b.blockSignals(False)
        self.feature_box.setVisible(bool(names))

    def _feature_toggled(self):
        self.sig_features.emit(self.selected_features())

    def select(self, label, emit=True):
        """Pick dataset ``label`` (as if chosen in the boxes; ``emit=False``: only show it)."""
        group = data_mod.entry(label).group
        widgets = (self.problem_type, self.combo)
        for w in widgets:
            w.blockSignals(True)
        if self.problem_type.currentText() != group:
            self.problem_type.setCurrentText(group)
            self._fill_datasets(group)
        self.combo.setCurrentIndex(self.combo.findData(label))
        for w in widgets:
            w.blockSignals(False)
        if emit:
            self._dataset_changed()
        else:
            self._show_entry()
