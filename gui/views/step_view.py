"""The step-through view: one mini-batch at a time, one sample followed through the network.

Pause, press *Step one mini-batch* (``Session.step``) and read, for the chosen training sample,
the forward values layer by layer, its loss, the output error ``dZ = A − Y``, each layer's
gradient and the update the step applied, each beside the formula of the course notes
(``shared/seeds/003``: the two-layer networks' forward and backward passes, equations 12–20).
The worker computes the numbers (:mod:`~fastnn_gui.step_trace`); this view only writes them out.
"""
import html

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

MAX_SHOWN = 10        # vector entries written out (then "…")
MATRIX_SHOWN = 6      # matrix rows and columns written out


def vec(v, shown=MAX_SHOWN):
    """``[0.12, −0.5, …]`` with 4 significant digits."""
    v = np.asarray(v).reshape(-1)
    body = ", ".join(_num(x) for x in v[:shown])
    return f"[{body}{', …' if v.size > shown else ''}]"


def _num(x):
    return f"{x:.4g}".replace("-", "−")


def mat(m):
    """A small HTML table of a matrix (its top-left corner when larger)."""
    m = np.asarray(m)
    rows = []
    for row in m[:MATRIX_SHOWN]:
        cells = "".join(f"<td align=right>{_num(x)}</td>" for x in row[:MATRIX_SHOWN])
        rows.append(f"<tr>{cells}{'<td>…</td>' if m.shape[1] > MATRIX_SHOWN else ''}</tr>")
    if m.shape[0] > MATRIX_SHOWN:
        rows.append("<tr><td>⋮</td></tr>")
    return f"<table cellspacing=0 cellpadding=2 class=m>{''.join(rows)}</table>"


STYLE = """<style>
 body { font-family: sans-serif; font-size: 10pt; }
 h3 { margin: 10px 0 2px 0; color: #0b4f7a; }
 td.f { font-family: serif; font-style: italic; color: #444; padding-right: 14px;
        white-space: nowrap; vertical-align: top; }
 td.v { font-family: monospace; vertical-align: top; }
 table.m td { font-family: monospace; font-size: 9pt; padding: 0 6px; }
 .note { color: #666; }
</style>"""


def _row(formula, value):
    return f"<tr><td class=f>{html.escape(formula)}</td><td class=v>{value}</td></tr>"


def render(trace, lr=None, optimizer="", batch_text=""):
    """The view's HTML for a :class:`~fastnn_gui.step_trace.Trace`."""
    t = trace
    n = len(t.layers)
    parts = [STYLE, f"<p><b>Training sample #{t.index}</b>: input x = {vec(t.x)}, "
                    f"label y = {_num(t.label)}. {html.escape(batch_text)}</p>"]
    parts.append("<h3>Forward pass (notes: Z = X·W + B, A = f(Z), layer by layer)</h3><table>")
    for layer in t.layers:
        k = layer.index + 1
        a_in = "X" if k == 1 else f"A{k - 1}"
        parts.append(_row(f"Z{k} = {a_in}·W{k} + B{k}", vec(layer.Z)))
        if layer is t.layers[-1]:
            parts.append(_row(t.link, vec(t.output)))
        else:
            parts.append(_row(f"A{k} = {layer.activation}(Z{k}):  {layer.formula}",
                              vec(layer.A)))
    parts.append("</table><h3>Loss of this sample (notes eq. 12 / 4)</h3><table>")
    parts.append(_row(t.loss_formula, f"<b>{_num(t.loss)}</b>  (target Y = {vec(t.target)})"))
    parts.append("</table><h3>Backward pass: the error flows back (notes eq. 13–20)</h3><table>")
    for layer in reversed(t.layers):
        k = layer.index + 1
        if layer is t.layers[-1]:
            parts.append(_row(t.error_formula, vec(layer.dZ)))
        else:
            parts.append(_row(f"dA{k} = dZ{k + 1}·W{k + 1}ᵀ", vec(layer.dA)))
            parts.append(_row(f"f'(Z{k}) = {layer.derivative}", vec(layer.fprime)))
            parts.append(_row(f"dZ{k} = dA{k} ⊙ f'(Z{k})", vec(layer.dZ)))
        a_in = "X" if k == 1 else f"A{k - 1}"
        l1, l2 = layer.penalty
        extra = (" + λ₁·sign(W)" if l1 else "") + (" + 2λ₂·W" if l2 else "")
        parts.append(_row(f"dW{k} = {a_in}ᵀ·dZ{k}{extra}   {layer.dW.shape}", mat(layer.dW)))
        parts.append(_row(f"dB{k} = dZ{k}", vec(layer.db)))
    parts.append("</table>")
    parts.append(_update_html(t, lr, optimizer, n))
    return "".join(parts)


def _update_html(t, lr, optimizer, n):
    if t.layers[0].update_W is None:
        return ("<h3>Update</h3><p class=note>Press <b>Step one mini-batch</b>: the optimizer "
                "then changes every weight by the mean gradient of the batch (W ← W − η·dW "
                "for plain SGD), and the change it applied is shown here.</p>")
    what = "mini-batch" if t.update == "batch" else "training chunk"
    rule = "W ← W − η·dW  (gradient descent: x⁽ˢ⁺¹⁾ = x⁽ˢ⁾ − η·∇f(x⁽ˢ⁾))" \
        if optimizer == "SGD" else f"{optimizer}: its own step from the gradients"
    parts = [f"<h3>Update the last {what} applied (ΔW = W after − W before)</h3>",
             f"<p class=note>{html.escape(rule)}, η = {lr or 0:g}. ΔW comes from the mean "
             f"gradient over the whole batch; this sample's share of it (for SGD) is "
             f"−η·dW / batch size.</p><table>"]
    for layer in t.layers:
        k = layer.index + 1
        norm = float(np.sqrt(np.sum(layer.update_W ** 2)))
        parts.append(_row(f"ΔW{k}   (‖ΔW{k}‖ = {norm:.3g})", mat(layer.update_W)))
        parts.append(_row(f"ΔB{k}", vec(layer.update_b)))
    parts.append("</table>")
    return "".join(parts)


class StepView(QWidget):
    """Step button, sample chooser and the trace of the chosen sample."""

    sig_step = Signal()            # step one mini-batch
    sig_sample = Signal(int)       # follow this training sample

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.step_button = QPushButton("Step one mini-batch")
        self.step_button.setToolTip("Pause and train exactly one mini-batch (Session.step)")
        self.sample = QSpinBox()
        self.sample.setRange(0, 0)
        self.sample.setPrefix("training sample #")
        self.sample.setToolTip("The sample followed through the network")
        self.status = QLabel("")
        for w in (self.step_button, self.sample, self.status):
            bar.addWidget(w)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        lay.addWidget(self.text, 1)
        self.step_button.clicked.connect(self.sig_step)
        self.sample.valueChanged.connect(self.sig_sample)
        self.settings = None
        self.trace = None

    def set_problem(self, problem):
        """Samples to choose from: the training set."""
        self.sample.blockSignals(True)
        self.sample.setRange(0, max(0, len(problem.X_train) - 1))
        self.sample.setValue(min(self.sample.value(), self.sample.maximum()))
        self.sample.blockSignals(False)

    def update_snapshot(self, snap):
        """Write out the snapshot's trace (if it has one)."""
        self.status.setText(f"step {snap.steps:,} · epoch {snap.epoch} · batch {snap.batch} "
                            f"of {snap.batches_per_epoch}")
        if snap.trace is None:
            return
        self.trace = snap.trace
        s = self.settings
        batch = ""
        if snap.trace.update == "batch":
            batch = f"(After step {snap.steps}: batch {snap.batch or snap.batches_per_epoch} " \
                    f"of {snap.batches_per_epoch} in epoch {snap.epoch + (snap.batch > 0)}.)"
        scroll = self.text.verticalScrollBar().value()
        self.text.setHtml(render(snap.trace, s.lr if s else None, s.optimizer if s else "",
                                 batch))
        self.text.verticalScrollBar().setValue(scroll)
