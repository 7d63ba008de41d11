"""Where the estimator base classes and input checks come from: scikit-learn, or a stand-in.

scikit-learn is optional (``pip install "fastnn[sklearn]"``).  When version 1.6 or newer is
installed the estimators inherit its ``BaseEstimator``/``ClassifierMixin``/``RegressorMixin`` and
use its ``validate_data``, so they work in ``Pipeline``, ``GridSearchCV`` and pass
``check_estimator``.  Otherwise :mod:`._fallback` provides the same names with the same
behaviour for everyday use.  This is the only module that looks for scikit-learn.
"""
try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
    HAVE_SKLEARN = True
except ImportError:     # scikit-learn missing, or older than 1.6 (no validate_data)
    from ._fallback import (
        BaseEstimator,
        ClassifierMixin,
        ConvergenceWarning,
        DataConversionWarning,
        NotFittedError,
        RegressorMixin,
        check_classification_targets,
        check_is_fitted,
        validate_data,
    )
    HAVE_SKLEARN = False

__all__ = ["BaseEstimator", "ClassifierMixin", "RegressorMixin", "ConvergenceWarning",
           "DataConversionWarning", "NotFittedError", "check_classification_targets",
           "check_is_fitted", "validate_data",
           "HAVE_SKLEARN"]
