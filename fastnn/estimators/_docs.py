"""Parameter descriptions shared by the estimators' docstrings (written once, filled in by
:func:`document`)."""

TRAINING = """\
solver : {"adam", "sgd", "adagrad", "rmsprop", "lbfgs"}
        Optimizer: :class:`fastnn.optim.Adam` (``beta_1``, ``beta_2``, ``epsilon``),
        :class:`~fastnn.optim.SGD` (``momentum``, ``nesterovs_momentum``),
        :class:`~fastnn.optim.AdaGrad` or :class:`~fastnn.optim.RMSProp` (decay 0.99; both use
        ``epsilon``), or ``"lbfgs"``: SciPy's L-BFGS-B on the whole data set with the back
        end's fused loss and gradient (``max_iter``, ``max_fun``, ``tol``; no ``partial_fit``,
        ``batch_size`` or ``early_stopping``).
    batch_size : int or "auto"
        Rows per mini-batch; ``"auto"`` is ``min(200, n_samples)``.  Larger than the data is
        clipped to the full batch (with a warning); ignored, with a warning, by ``"lbfgs"``.
    learning_rate : {"constant", "invscaling", "adaptive"}
        Schedule, for ``solver="sgd"`` only (as in sklearn): ``invscaling`` uses
        ``learning_rate_init / (t + 1) ** power_t`` with ``t`` the samples seen before the
        epoch; ``adaptive`` divides the rate by 5 whenever ``n_iter_no_change`` epochs pass
        without improvement and stops once it is at or below 1e-6.
    learning_rate_init : float
        Initial step size.
    power_t : float
        Exponent of ``invscaling``.
    max_iter : int
        Epochs (passes over the data) per ``fit``; for ``"lbfgs"`` its iterations.
    max_fun : int
        ``"lbfgs"`` only: most loss-and-gradient evaluations per ``fit``.
    shuffle : bool
        Draw a new sample order every epoch.
    random_state : int, RandomState, Generator or None
        Seeds the weight initialisation, the shuffling and the early-stopping split.
    tol : float
        Smallest improvement of the loss (or validation score) that counts; for ``"lbfgs"``
        the gradient norm (``gtol``) at which it stops.
    verbose : bool or int
        Show fastnn's progress bar (loss, accuracy, epochs/s) on stderr.
    warm_start : bool
        ``fit`` continues from the current weights (with a fresh optimizer) instead of
        starting over.
    momentum : float in [0, 1)
        SGD momentum.
    nesterovs_momentum : bool
        Nesterov momentum (when ``momentum > 0``).
    early_stopping : bool
        Hold out ``validation_fraction`` of the rows (stratified for classifiers), stop when
        the validation score (accuracy or R²) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the best weights.
    validation_fraction : float in (0, 1)
        Share of rows held out by ``early_stopping``.
    beta_1, beta_2 : float in [0, 1)
        Adam's moment decay rates.
    epsilon : float
        Adam's, AdaGrad's and RMSProp's denominator guard.
    n_iter_no_change : int or numpy.inf
        Epochs without improvement (of more than ``tol``) before stopping; ``numpy.inf``
        never stops early.
    backend : str or None
        fastnn back end (``"numba"``, ``"cython"``, ``"cuda"``, ``"numpy"``, ``"auto"``);
        None reads ``$FASTNN_BACKEND`` and then picks the fastest available."""

HISTORY = """\
loss_ : float
        The training loss (with the penalty) at the end of the last ``fit``.
    loss_curve_ : list of float
        Mean training loss (with the penalty) of every epoch (stochastic solvers).
    best_loss_ : float or None
        Smallest training loss seen; None with ``early_stopping`` (see
        ``best_validation_score_``).
    validation_scores_ : list of float or None
        Validation score of every epoch with ``early_stopping``, else None.
    best_validation_score_ : float or None
        Best validation score with ``early_stopping``, else None.
    n_iter_ : int
        Epochs (or L-BFGS-B iterations) of the last ``fit`` or ``partial_fit`` call, as in
        sklearn; ``loss_curve_`` keeps every epoch.
    t_ : int
        Training samples seen by the stochastic solvers.
    n_features_in_ : int
        Columns of ``X`` seen in ``fit``.
    model_ : fastnn.Sequential
        The trained network (save it with :func:`fastnn.save`)."""

PARTS = {"{training}": TRAINING, "{history}": HISTORY}


def document(cls):
    """Fill the ``{training}`` and ``{history}`` placeholders of ``cls.__doc__``."""
    for token, text in PARTS.items():
        cls.__doc__ = cls.__doc__.replace(token, text)
    return cls
