"""Network editor: add/remove hidden layers, neurons per layer and per-layer activation."""
import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from .. import texts
from ..settings import ACTIVATIONS, HiddenLayer
from .training_panel import add_described

MAX_LAYERS = 6
MAX_UNITS = 64


class NetworkPanel(QGroupBox):
    """Edits a list of :class:`~fastnn_gui.settings.HiddenLayer`; emits it after every change."""

    sig_changed = Signal(list)

    def __init__(self, layers, parent=None):
        super().__init__("Hidden layers", parent)
        outer = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.add_layer = QPushButton("+ layer")
        self.remove_layer = QPushButton("− layer")
        self.all_act = QComboBox()
        add_described(self.all_act, "activation", ACTIVATIONS)
        self.all_act.setToolTip("Set every hidden layer's activation. " +
                                texts.TOOLTIPS["activation"])
        for w in (self.add_layer, self.remove_layer, QLabel("all:"), self.all_act):
            buttons.addWidget(w)
        outer.addLayout(buttons)
        self.grid = QGridLayout()
        outer.addLayout(self.grid)
        self.rows = []
        self.add_layer.clicked.connect(self._add)
        self.remove_layer.clicked.connect(self._remove)
        self.all_act.activated.connect(self._set_all)
        self.set_layers(layers)

    def layers(self):
        """The current list of HiddenLayer."""
        return [HiddenLayer(units.value(), act.currentText()) for _, units, act in self.rows]

    def set_layers(self, layers):
        """Show ``layers`` without emitting."""
        for widgets in self.rows:
            for w in widgets:
                w.deleteLater()
        self.rows = []
        for i, spec in enumerate(layers):
            label = QLabel(f"Layer {i + 1}")
            units = QSpinBox()
            units.setRange(1, MAX_UNITS)
            units.setValue(int(spec.units))
            units.setSuffix(" neurons")
            act = QComboBox()
            add_described(act, "activation", ACTIVATIONS)
            act.setCurrentText(spec.activation)
            act.setToolTip(texts.TOOLTIPS["activation"])
            units.valueChanged.connect(self._emit)
            act.currentIndexChanged.connect(self._emit)
            for c, w in enumerate((label, units, act)):
                self.grid.addWidget(w, i, c)
            self.rows.append((label, units, act))
        self.add_layer.setEnabled(len(layers) < MAX_LAYERS)
        self.remove_layer.setEnabled(len(layers) > 0)

    def change_units(self, layer, delta):
        """Add (``delta`` 1) or remove (-1) a neuron of hidden layer ``layer`` (the diagram's
        + and − buttons), within 1..MAX_UNITS; emits the new layers."""
        if 0 <= layer < len(self.rows):
            units = self.rows[layer][1]
            units.setValue(int(np.clip(units.value() + delta, 1, MAX_UNITS)))

    def _add(self):
        layers = self.layers()
        last = layers[-1] if layers else HiddenLayer(4, self.all_act.currentText())
        self.set_layers(layers + [HiddenLayer(last.units, last.activation)])
        self._emit()

    def _remove(self):
        self.set_layers(self.layers()[:-1])
        self._emit()

    def _set_all(self):
        name = self.all_act.currentText()
        self.set_layers([HiddenLayer(h.units, name) for h in self.layers()])
        self._emit()

    def _emit(self):
        self.sig_changed.emit(self.layers())
