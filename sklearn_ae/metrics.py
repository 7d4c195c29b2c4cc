"""Scoring against partial labels: the labelled pixels of a segmentation, the
known anomalies of an outlier detector."""

import numpy as np
from sklearn.metrics import make_scorer, roc_auc_score

__all__ = ["make_known_anomaly_scorer", "make_pixel_scorer", "pixel_metric"]


def _labelled_pixels(labels, ignore_label):
    """Mask of the entries of ``labels`` that are not ``ignore_label``."""
    if ignore_label is None:
        return np.ones(labels.shape, dtype=bool)
    if (labels.dtype.kind in "iufb") == isinstance(ignore_label, str):
        return np.ones(labels.shape, dtype=bool)  # a label of another kind never matches
    return np.asarray(labels != ignore_label, dtype=bool)


def _pixels(Y, ignore_label):
    """Y as a 1-D array of pixels, and the mask of those not labelled ``ignore_label``."""
    flat = np.asarray(Y).reshape(-1)
    return flat, _labelled_pixels(flat, ignore_label)


def pixel_metric(metric, Y_true, Y_pred, *, ignore_label=-1, **kwargs):
    """Apply a scikit-learn classification metric to the labelled pixels.

    ``Y_true`` and ``Y_pred`` hold one label per pixel of each image, as
    :class:`~sklearn_ae.AESegmenter` takes and predicts them; both are
    flattened, the pixels whose true label is ``ignore_label`` are left out,
    and ``metric(y_true, y_pred, **kwargs)`` is returned.

    Parameters
    ----------
    metric : callable
        A metric of :mod:`sklearn.metrics` with the signature
        ``metric(y_true, y_pred, **kwargs)``, e.g.
        :func:`~sklearn.metrics.f1_score` or
        :func:`~sklearn.metrics.jaccard_score`.
    Y_true : array-like of shape (n_samples, H * W) or (n_samples, H, W)
        True label of each pixel.
    Y_pred : array-like of shape (n_samples, H * W) or (n_samples, H, W)
        Predicted label of each pixel.
    ignore_label : int, str or None, default=-1
        True label of the pixels to leave out; None keeps every pixel.
    **kwargs : dict
        Passed to ``metric``, e.g. ``pos_label=0`` or ``average="macro"``.

    Returns
    -------
    score : float
        What ``metric`` returns.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import accuracy_score
    >>> from sklearn_ae.metrics import pixel_metric
    >>> Y_true = np.array([[0, 1, -1], [1, 1, 0]])
    >>> Y_pred = np.array([[0, 1, 1], [1, 0, 0]])
    >>> pixel_metric(accuracy_score, Y_true, Y_pred)  # 4 of the 5 labelled pixels
    0.8
    """
    y_true, labelled = _pixels(Y_true, ignore_label)
    y_pred = np.asarray(Y_pred).reshape(-1)
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"Y_true and Y_pred must hold the same pixels; got {np.shape(Y_true)} "
            f"and {np.shape(Y_pred)}."
        )
    return metric(y_true[labelled], y_pred[labelled], **kwargs)


class _PixelMetric:
    """``metric`` over the labelled pixels (a picklable callable for ``make_scorer``)."""

    def __init__(self, metric, ignore_label):
        self.metric = metric
        self.ignore_label = ignore_label

    def __call__(self, Y_true, Y_pred, **kwargs):
        return pixel_metric(self.metric, Y_true, Y_pred, ignore_label=self.ignore_label, **kwargs)


def make_pixel_scorer(metric, *, ignore_label=-1, greater_is_better=True, **kwargs):
    """A scorer for cross-validation and grid searches from a pixel-wise metric.

    Like :func:`sklearn.metrics.make_scorer`, but the metric is computed
    over the labelled pixels of all images (see :func:`pixel_metric`), so
    that :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_val_score` can tune an
    :class:`~sklearn_ae.AESegmenter` on, for example, the F1 score of a thin
    structure instead of its default score (the mean IoU of the classes).

    Parameters
    ----------
    metric : callable
        A metric ``metric(y_true, y_pred, **kwargs)`` of predicted labels,
        e.g. :func:`~sklearn.metrics.f1_score`.
    ignore_label : int, str or None, default=-1
        True label of the pixels to leave out; None keeps every pixel.
    greater_is_better : bool, default=True
        False for a loss (such as the share of wrong pixels): the scorer
        then returns its negative, as scikit-learn's scorers do.
    **kwargs : dict
        Passed to ``metric``, e.g. ``pos_label=0``.

    Returns
    -------
    scorer : callable
        A scikit-learn scorer ``scorer(estimator, X, Y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import f1_score
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_ae import AESegmenter
    >>> from sklearn_ae.metrics import make_pixel_scorer
    >>> rng = np.random.RandomState(0)
    >>> images = rng.normal(size=(12, 1, 8, 8))
    >>> masks = (images[:, 0] > 1).astype(int)
    >>> search = GridSearchCV(
    ...     AESegmenter(hidden_layer_sizes=(4,), max_iter=2, random_state=0),
    ...     {"class_weight": [None, "balanced"]},
    ...     scoring=make_pixel_scorer(f1_score, pos_label=1),
    ...     cv=2,
    ... ).fit(images, masks)
    >>> sorted(search.best_params_)
    ['class_weight']
    """
    return make_scorer(
        _PixelMetric(metric, ignore_label),
        greater_is_better=greater_is_better,
        **kwargs,
    )


class _KnownAnomalyMetric:
    """``metric`` of known anomalies (y == 1) against the other rows, by outlier score."""

    def __init__(self, metric):
        self.metric = metric
        # make_scorer's repr names the function.
        self.__name__ = f"known_anomaly_{getattr(metric, '__name__', 'metric')}"

    def __call__(self, y_true, normality, **kwargs):
        known = np.asarray(y_true) == 1
        if known.all() or not known.any():
            return np.nan  # a fold without known anomalies, or with nothing else
        return self.metric(known, -np.asarray(normality), **kwargs)


def make_known_anomaly_scorer(metric=roc_auc_score, **kwargs):
    """A scorer of how well an outlier detector ranks the known anomalies first.

    With a few known anomalies (``y``: 1 for a known anomaly, 0 for a known
    normal row, -1 or NaN for an unlabelled one, as
    :meth:`AEOutlierDetector.fit <sklearn_ae.AEOutlierDetector.fit>` takes
    it), a held-out fold can still be scored: the known anomalies are the
    positives, every other row counts as normal, and the detector's
    ``decision_function`` (higher = more normal) ranks them. The unlabelled
    rows contain anomalies too, so the value is lower than the one against
    complete labels, but it orders detectors the same way when the known
    anomalies are a random share of all anomalies.

    Parameters
    ----------
    metric : callable, default=roc_auc_score
        A ranking metric ``metric(y_true, y_score, **kwargs)`` for which a
        higher ``y_score`` means more likely positive, e.g.
        :func:`~sklearn.metrics.roc_auc_score` or
        :func:`~sklearn.metrics.average_precision_score`.
    **kwargs : dict
        Passed to ``metric``.

    Returns
    -------
    scorer : callable
        A scikit-learn scorer ``scorer(estimator, X, y)`` for
        :class:`~sklearn.model_selection.GridSearchCV` and
        :func:`~sklearn.model_selection.cross_val_score`; NaN on a fold
        without known anomalies (stratify the folds on ``y`` to avoid it).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import StratifiedKFold, cross_val_score
    >>> from sklearn_ae import AEOutlierDetector
    >>> from sklearn_ae.metrics import make_known_anomaly_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(200, 4)), rng.normal(4, 1, size=(10, 4))]
    >>> y = np.r_[np.full(200, -1), np.ones(10)]  # the far rows are known anomalies
    >>> scores = cross_val_score(
    ...     AEOutlierDetector(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
    ...     X, y, scoring=make_known_anomaly_scorer(), cv=StratifiedKFold(2),
    ... )
    >>> bool(scores.min() > 0.9)
    True
    """
    return make_scorer(_KnownAnomalyMetric(metric), response_method="decision_function", **kwargs)
