"""Guided lessons: presets that follow the course notes (``shared/seeds``), each with its data, its
network, where to look and one paragraph on screen.

A :class:`Lesson` is plain data; the window applies it (:meth:`MainWindow.apply_lesson`).  A lesson
may offer a next step (:attr:`Lesson.next_step`: a button that changes the network, e.g. "add
the hidden layer" after XOR failed without one) and a live note (:func:`normal_equation_note`:
the closed-form solution beside the weights gradient descent has reached).  No Qt here.
"""
from dataclasses import dataclass, field

import numpy as np

from .pacing import DEFAULT_SPEED


@dataclass(frozen=True)
class Lesson:
    """One guided preset.

    key, title, text : its name, menu title and the paragraph shown on screen.
    dataset : a :data:`~fastnn_gui.data.CATALOG` label; ``data`` its DataRequest fields (noise
        in %, train_ratio, n_samples, seed) and ``features`` the inputs switched on.
    layers : ``((units, activation), ...)`` hidden layers; ``training`` Settings fields.
    speed : a :data:`~fastnn_gui.pacing.SPEEDS` label; ``tab`` the view to show ("playground",
        "gradients", "race", "seeds", "step", "digits"); ``play`` start training at once.
    race : ``((optimizer, lr, batch), ...)`` racers to start (the optimizer lesson).
    next_step : ``(button text, explanation, changes)``: ``changes`` has "layers", "features"
        or Settings fields.
    live : the name of a live note (``"normal_equation"``) or "".
    """

    key: str
    title: str
    text: str
    dataset: str
    layers: tuple = ()
    training: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    features: tuple = ()
    speed: str = DEFAULT_SPEED.label
    tab: str = "playground"
    play: bool = True
    show_test: bool = False
    race: tuple = ()
    next_step: tuple = ()
    live: str = ""


LESSONS = (
    Lesson(
        "linear_regression", "1. Linear regression: the normal equation vs gradient descent",
        "House prices from bedrooms, bathrooms and floor area: the price is a weighted sum "
        "v = w₁x₁ + w₂x₂ + w₃x₃ + b (notes 000). A network without a hidden layer, trained on "
        "the mean squared error, is exactly this linear model. The normal equation gives its "
        "best weights in one step, W = (XᵀX)⁻¹XᵀY; gradient descent gets there step by step, "
        "W ← W − η·Xᵀ(XW − Y)/m (notes 003). Watch the weights below walk to the closed-form "
        "ones, and the loss settle on the smallest loss there is.",
        "House prices", layers=(),
        training=dict(optimizer="SGD", lr=0.1, batch_size=10, loss="mse"),
        data=dict(n_samples=300, train_ratio=0.7), live="normal_equation"),
    Lesson(
        "logistic_regression", "2. Logistic regression draws a straight boundary",
        "Logistic regression is one neuron: A = Logistic(wᵀx + b), the probability of class 1, "
        "trained on the cross-entropy loss (notes 001). Its response changes only along the "
        "weight vector w, so the boundary where A = 0.5, wᵀx + b = 0, is a straight line "
        "however long it trains. That is all two Gaussian blobs need; hover the output neuron "
        "to see the sigmoid surface.",
        "Two Gaussians", layers=(),
        training=dict(optimizer="SGD", lr=0.1, batch_size=10, loss="binary_cross_entropy"),
        data=dict(noise=10, train_ratio=0.5)),
    Lesson(
        "xor", "3. Why XOR needs a hidden layer",
        "XOR: opposite quadrants share a class. No straight line separates them, so a network "
        "without a hidden layer stays near 50 % accuracy whatever it does. XOR(a, b) = "
        "(a OR b) AND NOT (a AND b) (notes 002): two hidden neurons can compute the OR and the "
        "AND, and the output combines them. Press the button to add a hidden layer and watch "
        "the surface bend.",
        "XOR", layers=(),
        training=dict(optimizer="SGD", lr=0.1, batch_size=10),
        data=dict(noise=5),
        next_step=("Add a hidden layer of 4 tanh neurons",
                   "With a hidden layer the boundary can bend: each hidden neuron draws a line, "
                   "the output combines them.", {"layers": ((4, "tanh"),)})),
    Lesson(
        "spiral", "4. Depth and features for the spiral",
        "Two interleaved spirals are the hardest classic: from x₁ and x₂ alone a small network "
        "needs many epochs, and the boundary is built from pieces in every layer (hover the "
        "neurons: the first layer draws lines, deeper ones curves). Better inputs change the "
        "problem: with sin x₁ and sin x₂ the spiral is much easier. Press the button to add "
        "them and compare.",
        "Spiral", layers=((8, "tanh"), (8, "tanh")),
        training=dict(optimizer="Adam", lr=0.01, batch_size=10),
        data=dict(noise=5), speed="10 epochs / frame",
        next_step=("Add the features sin x₁ and sin x₂ (and a third layer)",
                   "Features do part of the network's work: watch how much sooner the spiral "
                   "is separated.",
                   {"features": ("x₁", "x₂", "sin x₁", "sin x₂"),
                    "layers": ((8, "tanh"), (8, "tanh"), (6, "tanh"))})),
    Lesson(
        "vanishing", "5. Vanishing gradients in a deep sigmoid network",
        "The sigmoid's derivative a(1 − a) is at most 0.25, and backpropagation multiplies one "
        "such factor per layer (dZ = dA ⊙ f'(Z), notes 003). Through six sigmoid layers the "
        "error reaching the first layer is thousands of times smaller than at the output: the "
        "first layers hardly learn. The Gradients tab shows ‖∂L/∂W‖ per layer on a log axis. "
        "Switch to ReLU, whose derivative is 1 for z > 0, and the curves move together.",
        "Circle", layers=tuple((4, "sigmoid") for _ in range(6)),
        training=dict(optimizer="SGD", lr=0.1, batch_size=10),
        tab="gradients", speed="10 epochs / frame",
        next_step=("Switch every layer to ReLU",
                   "ReLU's derivative is 1 where a neuron is active: the gradient reaches the "
                   "first layers.", {"layers": tuple((4, "relu") for _ in range(6))})),
    Lesson(
        "optimizers", "6. Optimizers race",
        "The same network from the same initial weights, trained four ways (notes 001: "
        "gradient descent and its variants: momentum, per-parameter step sizes). Plain SGD "
        "takes the steepest step each time; momentum keeps a running sum of steps and rolls "
        "through flat stretches; RMSProp and Adam scale each weight's step by its recent "
        "gradients. Watch which loss falls first and which ends lowest.",
        "Moons", layers=((8, "tanh"), (8, "tanh")),
        training=dict(optimizer="SGD", lr=0.03, batch_size=10),
        data=dict(noise=20), tab="race", play=False,
        race=(("SGD", 0.03, 10), ("Momentum", 0.03, 10), ("RMSProp", 0.01, 10),
              ("Adam", 0.01, 10))),
    Lesson(
        "overfitting", "7. L2 and dropout against over-fitting",
        "A big network and 30 noisy training points: it learns them by heart. The training "
        "loss keeps falling while the test loss (orange) turns and rises, and the surface "
        "wraps around single points: over-fitting (notes 001: ℓ₂ regularisation, dropout and "
        "early stopping are the cures). Press the button: an L2 penalty λ‖W‖² keeps the "
        "weights small and dropout makes each neuron work without the others; the test loss "
        "then stays down.",
        "Two Gaussians", layers=((32, "relu"), (32, "relu")),
        training=dict(optimizer="Adam", lr=0.01, batch_size=10),
        data=dict(noise=50, n_samples=100, train_ratio=0.3), show_test=True,
        speed="10 epochs / frame",
        next_step=("Turn on L2 (λ = 0.01) and dropout 0.3 and start again",
                   "Regularised: the same network, the same points, a smoother boundary and a "
                   "lower test loss.",
                   {"regularization": "L2", "reg_rate": 0.01, "dropout": 0.3, "reset": True})),
    Lesson(
        "mnist", "8. MNIST: reading handwritten digits",
        "784 pixel inputs, one hidden layer of 32 ReLU neurons and a softmax over the 10 digits, "
        "trained on the cross-entropy (notes 000: softmax regression, 001: TensorFlow's digit "
        "recognition). The left shows each hidden neuron's 784 weights as a 28 × 28 image: "
        "noise at first, then strokes and blobs the neuron looks for. Draw a digit on the pad "
        "and watch the probabilities change as the network learns; the Digits tab has the "
        "confusion matrix and the digits it gets wrong.",
        "MNIST digits", layers=((32, "relu"),),
        training=dict(optimizer="Adam", lr=0.003, batch_size=32),
        data=dict(n_samples=4000, train_ratio=0.8)),
)


def get(key):
    """The lesson called ``key`` (ValueError naming them otherwise)."""
    for lesson in LESSONS:
        if lesson.key == key:
            return lesson
    raise ValueError(f"unknown lesson {key!r}; expected one of {[x.key for x in LESSONS]}")


def normal_equation(X, y):
    """The least-squares weights ``(w, b)`` of ``y ≈ X·w + b``: the normal equation
    ``W = (XᵀX)⁻¹XᵀY`` with the bias as a column of ones, solved (not inverted)."""
    A = np.column_stack([np.asarray(X, np.float64), np.ones(len(X))])
    solution = np.linalg.lstsq(A, np.asarray(y, np.float64), rcond=None)[0]
    return solution[:-1], float(solution[-1])


def _mse(X, y, w, b):
    """The app's loss: mean of ½(z − y)²."""
    return float(0.5 * np.mean((np.asarray(X, np.float64) @ w + b - y) ** 2))


def normal_equation_note(problem, snap):
    """The live line of the linear-regression lesson: closed-form vs gradient-descent weights
    and training losses (HTML), or "" when the network is not a linear model of the problem."""
    if snap is None or snap.weights is None or len(snap.weights) != 1 or \
            problem.task != "regression":
        return ""
    X, y = problem.inputs(problem.X_train), problem.y_train
    w_star, b_star = normal_equation(X, y)
    W, b = snap.weights[0][:2]
    w_gd, b_gd = np.asarray(W, np.float64)[:, 0], float(b[0])
    if w_gd.shape != w_star.shape:
        return ""
    fmt = ", ".join
    return (f"<b>normal equation</b>: w = [{fmt(f'{v:+.3f}' for v in w_star)}], "
            f"b = {b_star:+.3f}, training loss {_mse(X, y, w_star, b_star):.4f}<br>"
            f"<b>gradient descent</b> at epoch {snap.epoch}: w = "
            f"[{fmt(f'{v:+.3f}' for v in w_gd)}], b = {b_gd:+.3f}, training loss "
            f"{_mse(X, y, w_gd, b_gd):.4f}")
