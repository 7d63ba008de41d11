"""Model selection with scikit-learn's interface, fastnn's networks trained as populations.

>>> from fastnn.model_selection import GridSearchCV          # instead of sklearn.model_selection
>>> gs = GridSearchCV(fastnn.MLPClassifier(hidden_layer_sizes=(64,)),
...                   {"alpha": [1e-5, 1e-4], "learning_rate_init": [1e-3, 1e-2]}, cv=5)  # doctest: +SKIP
>>> gs.fit(X, y).best_params_                                                          # doctest: +SKIP

Every candidate x fold of a fastnn estimator trains as a member of a population, exactly as its
own ``fit`` would (:mod:`._population_search`); the results are scikit-learn's.  This package
needs scikit-learn (``pip install "fastnn[sklearn]"``); ``import fastnn`` does not load it.
"""
try:
    import sklearn  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised where scikit-learn is missing
    raise ImportError('fastnn.model_selection needs scikit-learn: pip install "fastnn[sklearn]"'
                      ) from exc

from ._search import GridSearchCV, RandomizedSearchCV

__all__ = ["GridSearchCV", "RandomizedSearchCV"]
