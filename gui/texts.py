"""Teaching texts: dataset descriptions and control tooltips.

The wording follows the course notes in ``shared/seeds`` (regression vs classification, the
sine and "complex curve" datasets, house prices, activation and optimizer tables).
"""

DATASETS = {
    "circles": "Two classes: a disc inside a ring. Not linearly separable in x₁, x₂ - "
               "add x₁² and x₂² (or a hidden layer) and it becomes easy.",
    "xor": "Exclusive or: the class is the sign of x₁·x₂. A single linear neuron cannot "
           "solve it; XOR(a, b) = (a OR b) AND NOT (a AND b) needs a hidden layer.",
    "gaussians": "Two Gaussian blobs. Linearly separable: logistic regression is enough.",
    "spiral": "Two interleaved spirals - the hardest classic: needs depth, width or sin features.",
    "moons": "Two interleaving half circles: a gently curved boundary.",
    "linear": "Two classes split by a straight line: the linear binary classifier of the notes.",
    "three_class": "Three classes: softmax regression gives one output per class and picks the "
                   "largest probability (one-vs-rest would need three classifiers).",
    "spiral_k": "A K-arm spiral: K classes, softmax output, class-coloured decision surface.",
    "plane": "Regression on a plane y = a·x₁ + b·x₂: a linear model fits it exactly.",
    "gaussian_bumps": "Regression on a sum of Gaussian bumps: a smooth non-linear surface.",
    "sine": "Non-linear regression of a sine curve on x in [0, 1]; one hidden layer with a "
            "few neurons fits it.",
    "complex_curve": "The course's 'more complex curve': y = 0.4x² + 0.3x·sin(15x) + "
                     "0.01·cos(50x) − 0.3 on x in [0, 1]. Needs more hidden neurons.",
    "house_prices": "House prices from bedrooms, bathrooms and floor area: the price is a "
                    "weighted sum v = w₁x₁ + w₂x₂ + w₃x₃ + b. Inputs and price are "
                    "standardised before training; the plot shows predicted vs true price.",
    "mnist": "MNIST handwritten digits (the genuine 10,000-image test set, split into train "
             "and test here): 784 pixel inputs, 10 classes, softmax output.",
    "custom": "Your own data: click on the surface to add points of the chosen class, or load "
              "a CSV file (columns x1, x2, label; or x, y for a 1-D regression).",
}

TOOLTIPS = {
    "problem_type": "What the network learns: two classes, several classes (softmax), a "
                    "number (regression), handwritten digits, or points you click or load.",
    "noise": "Noise added to the generated data (0-50 %).",
    "ratio": "Percentage of the samples used for training; the rest is the test set.",
    "seed": "Random seed for data generation, shuffling and weight initialisation.",
    "regenerate": "Draw a new data set with the current noise, ratio and seed.",
    "samples": "Number of generated samples (train + test).",
    "lr": "Learning rate η: the step size of each gradient step. Too large diverges, "
          "too small crawls. Takes effect at once, no reset needed.",
    "optimizer": "How each gradient step updates the weights (hover an item for its rule). "
                 "Changing it keeps the weights but starts a fresh optimizer state.",
    "schedule": "Learning-rate schedule applied per epoch (step decay, exponential, 1/t).",
    "reg": "Penalty on large weights: L1 (|w|, drives weights to exactly 0) or L2 (w², "
           "shrinks them). Reduces over-fitting.",
    "reg_rate": "Strength λ of the L1/L2 penalty.",
    "batch": "Samples per gradient step: 1 = per-sample SGD, larger = smoother mini-batch "
             "steps; 0 = full batch.",
    "dropout": "Inverted dropout before each hidden Dense layer: randomly zero this fraction "
               "of inputs while training.",
    "activation": "The non-linearity of the hidden layer (hover an item for its formula and "
                  "derivative).",
    "loss": "What training minimises (hover an item for its formula); the menu offers the "
            "losses that suit the task.",
    "backend": "Kernel back end that runs the training (numba is the compiled default, "
               "numpy the reference).",
    "discretize": "Show the predicted class instead of the probability.",
    "test_points": "Also draw the test points (outlined).",
    "same_weights": "Restart training from exactly the same initial weights.",
    "reset": "New random initial weights and epoch 0.",
    "step": "Train one epoch (one mini-batch at the mini-batch speed).",
    "speed": "How fast training runs: one mini-batch or one epoch per frame (30 frames a "
             "second) is slow enough to watch every step, as in TensorFlow Playground; full "
             "speed trains as fast as the machine can and redraws 30 times a second.",
    "features": "Inputs fed to the network; click to toggle. Changing them rebuilds the network.",
}


def describe(name):
    """Return the description of dataset ``name`` (a generic line for unknown names)."""
    return DATASETS.get(name, f"Dataset '{name}' from fastnn.datasets.")
