"""Known anomalies handed to an outlier detector: the labels y of fit(X, y)."""

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import pairwise_distances_argmin_min
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from ._surprisal import fit_surprisal, surprisal

# The classifier's out-of-fold probabilities come from this many folds (fewer
# when fewer anomalies are known).
_CLASSIFIER_FOLDS = 3

# y's codes: a known anomaly, a known normal sample, an unlabelled sample.
ANOMALY, NORMAL, UNLABELLED = 1, 0, -1


def check_anomaly_labels(y, n_samples):
    """The rows of y that are known anomalies and known normal samples.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or None
        1 for a known anomaly, 0 for a known normal sample, -1 or NaN for an
        unlabelled sample. Booleans are read as 1 (True) and 0 (False).
    n_samples : int
        Number of rows of X.

    Returns
    -------
    anomalies, normals : ndarray of bool, shape (n_samples,), or None
        None, None when y is None.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae._known_anomalies import check_anomaly_labels
    >>> anomalies, normals = check_anomaly_labels([1, -1, 0, np.nan], 4)
    >>> anomalies.tolist(), normals.tolist()
    ([True, False, False, False], [False, False, True, False])
    """
    if y is None:
        return None, None
    values = np.asarray(getattr(y, "to_numpy", lambda: y)())
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or len(values) != n_samples:
        raise ValueError(
            f"y must hold one label per row of X, of shape ({n_samples},); got shape "
            f"{values.shape}."
        )
    if values.dtype.kind == "b":
        values = values.astype(np.int8)
    try:
        values = values.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "y must be numeric: 1 for a known anomaly, 0 for a known normal sample, "
            "-1 or NaN for an unlabelled one."
        ) from None
    codes = np.where(np.isnan(values), UNLABELLED, values)
    unknown = ~np.isin(codes, (ANOMALY, NORMAL, UNLABELLED))
    if unknown.any():
        shown = np.unique(values[unknown])[:5].tolist()
        raise ValueError(
            f"y holds values {shown} other than 1 (known anomaly), 0 (known normal) and "
            "-1 or NaN (unlabelled)."
        )
    return codes == ANOMALY, codes == NORMAL


class KnownAnomalyScorer:
    """Two surprisals from the known anomalies of the training data.

    - similarity: the distance of a sample to the nearest known anomaly
      (features standardized), as a surprisal against the distances of the
      other training rows: a sample as close to a known anomaly as few
      training rows are is surprising;
    - classifier: a :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
      of the known anomalies against the other training rows, on the
      features and the unsupervised detectors' surprisals (the idea of
      XGBOD, Zhao and Hryniewicki 2018), as a surprisal against the
      out-of-fold probabilities of the other training rows.

    Parameters
    ----------
    random_state : int
        Seed of the classifier and of its folds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae._known_anomalies import KnownAnomalyScorer
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(200, 2)), rng.normal(5, 0.5, size=(10, 2))]
    >>> anomalies = np.zeros(210, dtype=bool)
    >>> anomalies[-5:] = True  # half of the far group is known
    >>> scorer = KnownAnomalyScorer(random_state=0)
    >>> held_out = scorer.fit_held_out(X, np.zeros((210, 1)), anomalies)
    >>> surprisals = scorer.surprisals(X, np.zeros((210, 1)))
    >>> bool(surprisals[200:205, 0].min() > surprisals[:200, 0].max())  # the rest of the group
    True
    """

    def __init__(self, random_state):
        self.random_state = random_state

    def fit_held_out(self, X, detector_surprisals, anomalies):
        """Fit on all training rows, their detectors' surprisals and the known anomalies.

        Returns the two surprisals of the training rows, held out, that is
        as a new sample would get them: the classifier's surprisal from its
        out-of-fold probability, a known anomaly's similarity from the
        distance to the nearest *other* known anomaly (0 when it is the only
        one). These set the threshold of the outlier score.

        Returns
        -------
        surprisals : ndarray of shape (n_samples, 2)
        """
        others = ~anomalies
        self.scaler_ = StandardScaler().fit(X)
        # Plain rows, not a search tree: a handful of known anomalies, and a
        # saved detector holds only arrays that skops trusts.
        self.known_rows_ = self._standardized(X[anomalies])
        distances = self._distances(X)
        self.similarity_calibration_ = fit_surprisal(-distances[others])
        similarity = surprisal(-distances, self.similarity_calibration_)
        similarity[anomalies] = self._similarity_left_out(X[anomalies])
        features = np.column_stack([X, detector_surprisals])
        self.classifier_ = HistGradientBoostingClassifier(
            early_stopping=False, random_state=self.random_state
        )
        n_known = int(anomalies.sum())
        if n_known >= 2:
            # Out-of-fold probabilities: what a new sample would get.
            folds = StratifiedKFold(
                min(_CLASSIFIER_FOLDS, n_known), shuffle=True, random_state=self.random_state
            )
            probabilities = cross_val_predict(
                self.classifier_, features, anomalies, cv=folds, method="predict_proba"
            )[:, 1]
            self.classifier_.fit(features, anomalies)
        else:
            self.classifier_.fit(features, anomalies)
            probabilities = self.classifier_.predict_proba(features)[:, 1]
        self.classifier_calibration_ = fit_surprisal(probabilities[others])
        self.n_known_ = n_known
        return np.column_stack([similarity, surprisal(probabilities, self.classifier_calibration_)])

    def surprisals(self, X, detector_surprisals):
        """Columns: the similarity's and the classifier's surprisal of each row of X."""
        similarity = surprisal(-self._distances(X), self.similarity_calibration_)
        features = np.column_stack([X, detector_surprisals])
        probability = self.classifier_.predict_proba(features)[:, 1]
        return np.column_stack([similarity, surprisal(probability, self.classifier_calibration_)])

    def _standardized(self, X):
        standardized = (np.asarray(X, dtype=np.float64) - self.scaler_.mean_) / self.scaler_.scale_
        return np.nan_to_num(standardized, nan=0.0)

    def _similarity_left_out(self, X_known):
        """Similarity surprisal of each known anomaly to the nearest other one."""
        if len(X_known) < 2:
            return np.zeros(len(X_known))
        rows = self._standardized(X_known)
        # The nearest neighbour of each row is itself (or a duplicate).
        distances = NearestNeighbors(n_neighbors=2).fit(rows).kneighbors(rows)[0][:, 1]
        return surprisal(-distances, self.similarity_calibration_)

    def _distances(self, X):
        """Distance of each row to the nearest known anomaly (in bounded memory)."""
        return pairwise_distances_argmin_min(self._standardized(X), self.known_rows_)[1]
