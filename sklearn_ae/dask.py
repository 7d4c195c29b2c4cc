"""Scoring data larger than memory with Dask, chunk by chunk.

dask-ml's :class:`dask_ml.wrappers.ParallelPostFit` is the ecosystem's
convention for this: fit on data that fit in memory, then ``predict`` and
``transform`` a ``dask.array`` or dask DataFrame lazily, one block at a
time, on a cluster or on local threads. :class:`ParallelPostFit` here is
that wrapper with the outlier scores added, ``score_samples`` and
``decision_function``, so that an :class:`~sklearn_ae.AEOutlierDetector`
scores a memory-mapped or distributed array the same way.

Needs the optional dependencies ``pip install "sklearn-ae[dask]"``.
"""

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask_ml.wrappers import ParallelPostFit as _DaskMLParallelPostFit

__all__ = ["ParallelPostFit"]


class ParallelPostFit(_DaskMLParallelPostFit):
    """Dask-ml's ``ParallelPostFit``, with lazy outlier scores as well.

    ``fit`` trains the wrapped estimator on in-memory data (a dask input
    is computed first). ``predict``, ``transform``, ``score_samples`` and
    ``decision_function`` then accept a ``dask.array`` (chunked by rows; a
    chunking of the features is undone first) or a dask DataFrame and
    return a lazy dask array (a dask Series for scores of a DataFrame),
    computed block by block: memory holds a few blocks at a time, whatever
    the size of the data. In-memory inputs get the estimator's usual
    results.

    Each block is scored by the fitted estimator as it is, in its own
    bounded-memory batches, so the results are those of the estimator on
    the whole array, up to float32 rounding (a row's place in a batch can
    change the last bit of a matrix product).

    Parameters
    ----------
    estimator : estimator
        The estimator to wrap, e.g. an :class:`~sklearn_ae.AEOutlierDetector`.
    scoring : str or callable, default=None
        Scorer for :meth:`score`, as in dask-ml.
    predict_meta, predict_proba_meta, transform_meta : array-like, default=None
        An empty array of the type and dtype of each method's output, as in
        dask-ml; inferred from one row when None.

    Attributes
    ----------
    estimator : estimator
        The wrapped estimator, fitted by :meth:`fit`.

    See Also
    --------
    dask_ml.wrappers.ParallelPostFit : The wrapper this extends.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn_ae import AEOutlierDetector
    >>> from sklearn_ae.dask import ParallelPostFit
    >>> X = np.random.RandomState(0).normal(size=(300, 4))
    >>> model = ParallelPostFit(AEOutlierDetector(max_iter=5, random_state=0)).fit(X)
    >>> scores = model.score_samples(da.from_array(X, chunks=(100, 4)))
    >>> scores
    dask.array<..., shape=(300,), dtype=float64, chunksize=(100,), chunktype=numpy.ndarray>
    >>> bool(np.allclose(scores.compute(), model.estimator.score_samples(X)))
    True
    """

    def score_samples(self, X):
        """Score samples (higher is more normal), lazily for dask inputs.

        Parameters
        ----------
        X : dask array, dask DataFrame or array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        scores : dask array, dask Series or ndarray of shape (n_samples,)
            The estimator's ``score_samples``, computed block by block.
        """
        return self._score("score_samples", X)

    def decision_function(self, X):
        """Decision function (negative for outliers), lazily for dask inputs.

        Parameters
        ----------
        X : dask array, dask DataFrame or array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        scores : dask array, dask Series or ndarray of shape (n_samples,)
            The estimator's ``decision_function``, computed block by block.
        """
        return self._score("decision_function", X)

    def _score(self, method, X):
        """One float per row from ``method`` of the fitted estimator."""
        self._check_method(method)
        X = self._check_array(X)
        estimator = self._postfit_estimator
        if isinstance(X, da.Array):
            return X.map_blocks(
                _score_rows,
                method=method,
                estimator=estimator,
                drop_axis=1,
                dtype=np.float64,
                meta=np.empty((0,), dtype=np.float64),
            )
        if isinstance(X, dd.DataFrame):
            return X.map_partitions(
                _score_frame,
                method=method,
                estimator=estimator,
                meta=pd.Series(dtype=np.float64),
            )
        return getattr(estimator, method)(X)


def _score_rows(block, method, estimator):
    return getattr(estimator, method)(block)


def _score_frame(partition, method, estimator):
    return pd.Series(getattr(estimator, method)(partition), index=partition.index)
