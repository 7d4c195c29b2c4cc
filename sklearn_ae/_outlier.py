"""Outlier detection from the reconstruction error of an autoencoder."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import OutlierMixin, _fit_context
from sklearn.ensemble import IsolationForest
from sklearn.metrics import precision_recall_curve
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseAutoencoder
from ._docs import fill_shared_parameters
from ._generative import GenerativeNetworkMixin
from ._inference import observed_row_mean
from ._known_anomalies import KnownAnomalyScorer, check_anomaly_labels
from ._scaling import row_sample
from ._surprisal import combine_surprisals, fit_surprisal, surprisal
from ._table import CATEGORICAL_FEATURES_CONSTRAINT
from .nn import TrimmedMSELoss

# contamination="auto": a sample is an outlier when one of the detectors
# finds it rarer than one training sample in 20. On ODDS it gave a higher
# F1 than Tukey's fences on the surprisals (benchmarks/bench_outliers_cv.py).
_AUTO_SURPRISAL = np.log(20.0)

# Rows per chunk when scoring: the scores of both detectors and their
# surprisals are computed chunk by chunk, so that their temporaries stay a
# few MiB whatever the number of rows (the network splits chunks further).
_SCORE_CHUNK_ROWS = 16_384

# n_neighbors: the distances are measured to at most this many training rows
# drawn at random, so that the memory and time of scoring stay bounded.
_NEIGHBOR_REFERENCE_ROWS = 1024

# Rows per batch of the neighbour search (float64 copies of 4,096 rows).
_NEIGHBOR_BATCH_ROWS = 4096

# Standardized rows closer than this (per sqrt of the number of features)
# are the same row: far above the rounding of float64 distances.
_SAME_ROW_DISTANCE = 1e-6

# The median absolute deviation times this is the standard deviation for
# normal data.
_MAD_TO_STD = 1.4826

# With n known anomalies, the classifier of known anomalies weighs
# n / (n + _CLASSIFIER_HALF_WEIGHT) in the outlier score: little with one or
# two labels, most of it with hundreds.
_CLASSIFIER_HALF_WEIGHT = 10

# With at least this many known anomalies and as many known normal rows,
# contamination="auto" sets the threshold from the labelled rows.
_MIN_LABELLED_FOR_THRESHOLD = 10

# Spreads and errors below this count as zero (see _floored).
_NEGLIGIBLE = 1e-15

# n_components=None: a code as wide as the data, up to this size.
_MAX_AUTO_COMPONENTS = 64


@fill_shared_parameters(
    scaling_default="robust",
    documented_here=("dropout", "max_iter", "learning_rate_init"),
)
class AEOutlierDetector(GenerativeNetworkMixin, OutlierMixin, BaseAutoencoder):
    """Outlier detection: an autoencoder, an isolation forest, nearest neighbours, known anomalies.

    The autoencoder is trained to reconstruct the training data. A sample
    is abnormal when it lies off the data's manifold (the network
    reconstructs it badly) or far out on it (its code z is unusual). The
    autoencoder's score adds the two, each in units of a typical training
    sample:

    - reconstruction: the mean over features of each feature's squared
      reconstruction error divided by that feature's mean error on the
      training data (``feature_error_scale_``), so that a few features that
      are hard to reconstruct for every sample do not drown the others;
    - code: the mean squared robust z-score of the code, i.e. each code
      coordinate centred on its training median and divided by its scaled
      median absolute deviation (``code_center_``, ``code_scale_``).

    Each part is divided by its median over the training data
    (``score_unit_``), so both count equally; ``score_components`` returns
    them.

    An autoencoder also learns to reconstruct outliers that form a group
    of their own inside the data's range (a whole class of rows). Two
    other detectors see them: with ``isolation=True`` (default) an
    :class:`~sklearn.ensemble.IsolationForest` fitted on the same data,
    which cuts a small group off in few splits, and with ``n_neighbors=5``
    (default) the distance of a sample to its 5th nearest among at most
    1,024 stored training samples (standardized features), which is large
    in any empty region, inside the range of every feature too. Each
    detector's score is turned into a surprisal against its own training
    scores (``-log`` of the share of training samples that scored at least
    as high, see ``score_sources``), and the outlier score is the largest
    surprisal: a sample is as abnormal as the detector that finds it most
    unusual says. Modelled on
    :class:`~sklearn.ensemble.IsolationForest`: ``score_samples`` is higher
    for more normal samples, ``decision_function`` is negative for outliers
    and ``predict`` returns +1 for inliers and -1 for outliers.

    Raw, unscaled tables can be used as they are: by default every feature
    is centred on its median and divided by its interquartile range
    (``scaling="robust"``), statistics that the outliers in the training data
    barely move. The training data may contain outliers: the loss leaves out
    the worst-reconstructed ``trim_fraction`` of each batch, so the network
    does not learn to reconstruct them.

    The anomalies you already know of (confirmed frauds, failed machines)
    go into ``fit(X, y)``: 1 for a known anomaly, 0 for a known normal
    sample, -1 or NaN for an unlabelled one. The detectors are then trained
    on the other rows, and two sources learn from the known anomalies: the
    distance to the nearest of them, and a gradient-boosting classifier of
    them against the other rows over the features and the detectors'
    surprisals (the idea of XGBOD). The classifier weighs the more, the
    more anomalies are known; with one or two it barely moves the score.

    The autoencoder's settings come from the 22 ODDS benchmark sets
    (``benchmarks/bench_outliers.py``, 3 seeds, mean ROC-AUC; the same
    settings for every set). A narrow network (16 units, code of 2) trained
    briefly, scored by reconstruction alone: 0.775. Adding the code part:
    0.797. A wider network (128 units, code of up to 64) with dropout 0.2
    and learning rate 3e-3: 0.837. Trimming 20 % of each batch: 0.845.
    A training budget of about 50,000 rows (at most 100 epochs): 0.846
    (IsolationForest: 0.834). On data not used to choose them the
    autoencoder alone was not ahead of IsolationForest; the isolation
    forest, the neighbour distance, the largest surprisal and the budget of
    ``max_iter="auto"`` (20,000 rows) were chosen by cross-validation over
    data sets (``benchmarks/bench_outliers_cv.py``). Chosen on either half
    of ODDS and reported on the other, the defaults lead IsolationForest by
    0.021 (half B) and 0.022 (half A) of mean ROC-AUC (mean average
    precision +0.039 and -0.008); on 23 held-out sets whose outliers are
    mostly one whole class they lead it by 0.006 (0.728 against 0.722;
    mean average precision 0.242 against 0.245; the autoencoder alone:
    0.686). On all 22 ODDS sets the defaults reach 0.856 (mean average
    precision 0.495) against IsolationForest's 0.834 (0.479), in 3.2 times
    its fit + score time.

    Parameters
    ----------
    contamination : "auto" or float, default="auto"
        How the threshold ``offset_`` is set from the training scores.
        A float in (0, 0.5] is the expected share of outliers: ``offset_`` is
        that percentile of the training scores. "auto" needs no guess: a
        sample is an outlier when one of the detectors finds it rarer than
        one training sample in 20, i.e. when its outlier score (the largest
        surprisal, see ``score_sources``) is above log(20) = 3.0, so
        ``offset_`` is -log(20). Chosen on ODDS F1 among rules that set the
        threshold from the training scores
        (``benchmarks/bench_outliers_cv.py``): on the ODDS sets and on 23
        held-out sets it flagged 8.7 % and 9.6 % of the test rows (true
        shares 10.7 % and 4.8 %; F1 0.327 and 0.207). Tukey's fence on the
        surprisals (Q3 + 1.5 IQR) flagged 4.2 % and 5.0 % (F1 0.311 and
        0.195); a surprisal above log(60), one in 20 per detector
        (Bonferroni), 3.1 % and 3.9 % (F1 0.278 and 0.138). When ``y``
        marks at least 10 known anomalies and 10 known normal rows, "auto"
        instead takes the threshold that flags these labelled rows with the
        best F1, from the scores they would get as new rows.
    trim_fraction : float, default=0.2
        Share of each training batch, in [0, 0.5], whose worst-reconstructed
        samples are left out of the loss (trimmed least squares, see
        :class:`~sklearn_ae.nn.TrimmedMSELoss`). It need not match the
        share of outliers: on ODDS, 0.1 / 0.2 / 0.3 gave mean ROC-AUC 0.841 /
        0.844 / 0.842 and no trimming 0.840. 0 trains on plain squared error.
    isolation : bool, default=True
        Whether to add an isolation forest to the autoencoder: a
        :class:`~sklearn.ensemble.IsolationForest` with its defaults (100
        trees, each grown on 256 random training samples), fitted on the
        training data with missing values at their feature's centre; its
        surprisal is a column of ``score_sources``. With ``isolation=False``
        and ``n_neighbors=None`` the autoencoder scores alone; the order of
        the samples is then that of ``score_components(X).sum(1)``. Chosen
        by cross-validation over data sets
        (``benchmarks/bench_outliers_cv.py``): with the autoencoder alone
        the mean ROC-AUC on the ODDS half not used to choose was 0.914 (B)
        and 0.771 (A), 0.686 on 23 held-out sets; the isolation forest
        (before the neighbour distance was added) raised it to 0.917, 0.786
        and 0.716 (IsolationForest: 0.900, 0.769 and 0.722). The forest
        dominates the time of scoring large data
        (``benchmarks/bench_score.py``, see the README).
    n_neighbors : int or None, default=5
        Whether and how to add a nearest-neighbour distance: the Euclidean
        distance of a sample to its ``n_neighbors``-th nearest among at most
        1,024 training samples drawn at random (``neighbors_``), on features
        standardized to the training data's mean and standard deviation
        (``neighbors_scaler_``; missing values at the mean). A training
        sample is not its own neighbour, so it scores the same in ``fit``
        and later. None leaves the distance out. On the ODDS half not used
        to choose, adding it to the autoencoder and the isolation forest
        (with the training budget cut from 25,000 to 20,000 rows) raised the
        mean ROC-AUC from 0.917 to 0.921 (B) and from 0.786 to 0.791 (A), on
        the 23 held-out sets from 0.716 to 0.728; it lowered the mean
        average precision on half A (0.453 to 0.435): on sets such as
        shuttle and musk, ordinary but sparse rows are far from their
        neighbours and join the top scores. With 25,000 training rows, 10
        neighbours scored 0.921, 0.790 and 0.725 against 0.923, 0.791 and
        0.728 for 5.
    model : {"autoencoder", "vae"}, default="autoencoder"
        "autoencoder" scores by reconstruction and code as above. "vae"
        trains a variational autoencoder (Gaussian likelihood with a learned
        scale per feature; see :class:`AEGenerator`) on the ELBO and scores
        each sample by its ELBO per feature (in the scaled space, averaged
        over 16 fixed draws of z): ``score_components`` then returns the
        negative expected log-likelihood and the KL term, per feature, and
        ``trim_fraction`` is not used. Measured on ODDS
        (``benchmarks/bench_outliers.py``), see the README.
    %(table_parameters)s
    %(architecture_parameters)s
    n_components : int or None, default=None
        Size of the code z. None uses ``min(64, n_features)``: a code as
        wide as the data, regularised by dropout rather than by a narrow
        bottleneck. On ODDS codes of 16, 64 and ``n_features`` scored alike
        (0.838-0.840).
    hidden_layer_sizes : array-like of int or None, default=None
        Widths of the encoder's stages (layer units for "mlp", channels per
        stage for "conv", one equal token width per attention block for
        "transformer"); the decoder mirrors them. None uses the
        architecture's default: ``(128,)`` for "mlp" and for "vq" on tables,
        ``(32, 64)`` for "conv" and for "vq" on images, ``(32,)`` for
        "transformer".
    dropout : float, default=0.2
        Dropout probability after each hidden activation (training only).
        It keeps the wide network from copying its input, the outliers in
        the training data included.
    max_iter : int or "auto", default="auto"
        Epochs of training. "auto" trains for about 20,000 rows in all
        (``ceil(20_000 / n_samples)`` epochs, between 1 and 100), so that
        fitting and scoring stay within 5 times IsolationForest's time. On
        the two halves of ODDS 25,000 rows scored 0.923 and 0.791 (mean
        ROC-AUC) against 0.921 and 0.791, in up to 5.7 times
        IsolationForest's time against 4.6; before the neighbour distance,
        50,000 rows scored as 25,000 (0.916 and 0.788 against 0.917 and
        0.786) in up to 6.0 times. Capping the epochs of small
        sets at 10 lost 0.013 of mean ROC-AUC on ODDS.
    learning_rate_init : float, default=3e-3
        Learning rate of the Adam optimizer; higher than the other
        estimators' because training is short.
    %(shared_parameters)s

    Attributes
    ----------
    offset_ : float
        Threshold on ``score_samples``: ``decision_function`` is
        ``score_samples - offset_``.
    feature_error_scale_ : ndarray of shape (`n_features_in_`,)
        Mean squared reconstruction error of each feature on the training
        data (in the scaled space), the unit of ``feature_errors``.
    code_center_ : ndarray of shape (`n_components_`,)
        Median of each code coordinate on the training data.
    code_scale_ : ndarray of shape (`n_components_`,)
        Median absolute deviation of each code coordinate on the training
        data, times 1.4826 (the standard deviation for normal data).
    score_unit_ : ndarray of shape (2,)
        Medians over the training data of the reconstruction part and the
        code part of the score, before they are added.
    isolation_forest_ : IsolationForest
        The fitted isolation forest; only with ``isolation=True``.
    neighbors_ : NearestNeighbors
        The stored training samples (at most 1,024, standardized) that the
        neighbour distance is measured to; only with ``n_neighbors`` set.
        Its ``n_neighbors`` is ``min(n_neighbors, n_stored - 1)``.
    neighbors_scaler_ : StandardScaler
        The standardization of the features for the neighbour distance;
        only with ``n_neighbors`` set.
    source_names_ : ndarray of str
        The sources, in the order of the columns of ``score_sources``:
        "autoencoder", then "isolation_forest" and "neighbors" where used,
        then "known_anomalies" and "classifier" after ``fit(X, y)`` with
        known anomalies.
    known_anomalies_ : object
        What the detector learned from the known anomalies of ``y``: their
        standardized rows, the classifier and the calibration of both
        surprisals. Only after ``fit(X, y)`` with at least one known
        anomaly.
    surprisal_calibration_ : ndarray of shape (n_detectors, 952)
        For each detector (in the order of ``source_names_``), its training
        scores at the quantiles 0, 0.001, ..., 0.95 and the scale of the
        exponential tail above them: what ``score_sources`` measures a
        score against.
    %(shared_attributes)s

    See Also
    --------
    sklearn.ensemble.IsolationForest : Tree-based outlier detection.
    AETransformer : The same autoencoder used for dimensionality reduction.
    sklearn_ae.metrics.make_known_anomaly_scorer : Cross-validate on known anomalies.

    References
    ----------
    .. [1] Liu, F. T., Ting, K. M. and Zhou, Z.-H. (2008). "Isolation
       forest". ICDM.
    .. [2] Zhao, Y. and Hryniewicki, M. K. (2018). "XGBOD: Improving
       supervised outlier detection with unsupervised representation
       learning". IJCNN.
    .. [3] Han, S., Hu, X., Huang, H., Jiang, M. and Zhao, Y. (2022).
       "ADBench: Anomaly detection benchmark". NeurIPS.

    Examples
    --------
    >>> from sklearn_ae import AEOutlierDetector
    >>> from sklearn_ae.datasets import load_breast_cancer_outliers
    >>> X, y = load_breast_cancer_outliers(return_X_y=True)
    >>> detector = AEOutlierDetector(random_state=0).fit(X)
    >>> labels = detector.predict(X)  # +1 inlier, -1 outlier
    >>> detector.source_names_.tolist()
    ['autoencoder', 'isolation_forest', 'neighbors']
    >>> detector.score_sources(X[:1]).shape  # each detector's surprisal
    (1, 3)
    >>> detector.score_components(X[:1]).shape  # the autoencoder's parts
    (1, 2)
    >>> errors = detector.feature_errors(X[:1])  # which features stand out
    >>> errors.shape
    (1, 30)

    Three malignant tumours known, the rest unlabelled:

    >>> import numpy as np
    >>> known = np.full(len(y), -1)
    >>> known[np.flatnonzero(y == 1)[:3]] = 1
    >>> detector = AEOutlierDetector(random_state=0).fit(X, known)
    >>> detector.source_names_.tolist()[3:]
    ['known_anomalies', 'classifier']
    """

    # How score_samples combines the detectors' surprisals (see
    # combine_surprisals); "harmonic" is measured in bench_outliers_cv.py.
    _combination = "max"

    # max_iter="auto": about 20,000 rows seen in training, 1 to 100 epochs.
    _auto_step_budget = None
    _auto_row_budget = 20_000
    _auto_epoch_range = (1, 100)
    _code_job = (
        "it reconstructs any input, outliers included, and its reconstruction "
        "error would flag nothing"
    )

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "trim_fraction": [Interval(Real, 0, 0.5, closed="both")],
        "isolation": ["boolean"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
        "model": [StrOptions({"autoencoder", "vae"})],
        "categorical_features": CATEGORICAL_FEATURES_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        contamination="auto",
        trim_fraction=0.2,
        isolation=True,
        n_neighbors=5,
        model="autoencoder",
        categorical_features="from_dtype",
        architecture="mlp",
        image_shape=None,
        architecture_params=None,
        n_components=None,
        hidden_layer_sizes=None,
        activation="relu",
        dropout=0.2,
        scaling="robust",
        batch_size="auto",
        max_iter="auto",
        learning_rate_init=3e-3,
        alpha=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="cpu",
        net_params=None,
    ):
        super().__init__(
            architecture=architecture,
            image_shape=image_shape,
            architecture_params=architecture_params,
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            scaling=scaling,
            batch_size=batch_size,
            max_iter=max_iter,
            learning_rate_init=learning_rate_init,
            alpha=alpha,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
            net_params=net_params,
        )
        self.contamination = contamination
        self.trim_fraction = trim_fraction
        self.isolation = isolation
        self.n_neighbors = n_neighbors
        self.model = model
        self.categorical_features = categorical_features

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the detectors on X, learn from the known anomalies, set ``offset_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; it may contain outliers.
        y : array-like of shape (n_samples,) or None, default=None
            The anomalies you know of: 1 for a known anomaly, 0 for a known
            normal sample, -1 or NaN for an unlabelled one. None, or no 1
            in y, fits the unsupervised detectors alone. The detectors are
            trained on the other rows; the known anomalies teach the
            detector what to look for (see the user guide).

        Returns
        -------
        self : AEOutlierDetector
            The fitted estimator.
        """
        X = self._validate_X(X, reset=not (self.warm_start and hasattr(self, "net_")))
        anomalies, normals = check_anomaly_labels(y, X.shape[0])
        labelled = anomalies is not None and anomalies.any()
        if labelled and anomalies.mean() > 0.5:
            # Most likely predict's convention (1 inlier, -1 outlier) or a
            # classification target: anomalies are the rare rows.
            raise ValueError(
                f"y marks {anomalies.sum()} of {len(anomalies)} rows as known anomalies "
                "(1): anomalies must be fewer than half of the rows. y uses 1 for a known "
                "anomaly, 0 for a known normal sample and -1 or NaN for an unlabelled "
                "one, not predict's convention (1 inlier, -1 outlier)."
            )
        X_normal = X[~anomalies] if labelled else X
        with self._unfitted_on_failure():
            self._fit_autoencoder(X_normal)
            sources = {"autoencoder": self._fit_score_statistics(X_normal)}
            if self.isolation:
                sources["isolation_forest"] = self._fit_isolation_forest(X_normal)
            else:
                self.__dict__.pop("isolation_forest_", None)
            if self.n_neighbors is not None:
                sources["neighbors"] = self._fit_neighbors(X_normal)
            else:
                for name in ("neighbors_", "neighbors_scaler_"):
                    self.__dict__.pop(name, None)
            names = list(sources)
            sources = list(sources.values())
            self.surprisal_calibration_ = np.stack([fit_surprisal(s) for s in sources])
            self.__dict__.pop("known_anomalies_", None)
            surprisals = self._surprisals(sources)
            if labelled:
                # The other rows' scores came with the fits: score only the
                # known anomalies, which the detectors did not train on.
                detector_surprisals = np.empty((X.shape[0], len(sources)))
                detector_surprisals[~anomalies] = surprisals
                detector_surprisals[anomalies] = self._surprisals(
                    self._detector_scores(X[anomalies])
                )
                seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
                self.known_anomalies_ = KnownAnomalyScorer(seed)
                # Held out: the threshold must see the known anomalies'
                # scores as a new anomaly would get them.
                learned = self.known_anomalies_.fit_held_out(X, detector_surprisals, anomalies)
                names += ["known_anomalies", "classifier"]
                surprisals = np.column_stack([detector_surprisals, learned])
            self.source_names_ = np.array(names, dtype=object)
            scores = self._outlier_score(surprisals)
        if self.contamination == "auto" and labelled and _enough_labels(anomalies, normals):
            self.offset_ = -_best_f1_threshold(scores, anomalies, normals)
        elif self.contamination == "auto":
            self.offset_ = -float(_AUTO_SURPRISAL)
        else:
            self.offset_ = float(np.percentile(-scores, 100.0 * self.contamination))
        return self

    def _fit_score_statistics(self, X):
        """Set the units of the score from the training data; return its scores."""
        mean_errors = self._mean_feature_errors(X)
        if not np.all(np.isfinite(mean_errors)):
            # The trimmed loss can train past rows whose error overflows
            # float32; scores built on them would be NaN.
            raise ValueError(
                "The reconstruction errors of the training data overflow float32: "
                "after scaling, some values of X are too large for the network. "
                "Rescale those features (or use scaling='standard')."
            )
        self.feature_error_scale_ = _floored(mean_errors)
        if self.model == "vae":
            self.score_unit_ = np.ones(2)
            return self._score_components(X, summed=True)
        # Robust statistics of the code, on at most 20,000 random rows.
        rng = check_random_state(self.random_state)
        codes = self._encode(row_sample(X, rng)).astype(np.float64)
        self.code_center_ = np.median(codes, axis=0)
        self.code_scale_ = _floored(
            _MAD_TO_STD * np.median(np.abs(codes - self.code_center_), axis=0)
        )
        components = self._score_components(X, units=np.ones(2))
        self.score_unit_ = _floored(np.median(components, axis=0))
        return components @ (1 / self.score_unit_)

    def _fit_isolation_forest(self, X):
        """Fit ``isolation_forest_`` on X; return its scores of X."""
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        X = self._centre_missing(X)  # once, for the fit and the scores
        self.isolation_forest_ = IsolationForest(random_state=seed).fit(X)
        return self._isolation_scores(X)

    def _fit_neighbors(self, X):
        """Fit ``neighbors_`` on a sample of X; return the neighbour distances of X."""
        self.neighbors_scaler_ = StandardScaler().fit(X)
        rng = check_random_state(self.random_state)
        reference = np.arange(X.shape[0])
        if reference.size > _NEIGHBOR_REFERENCE_ROWS:
            reference = np.sort(rng.choice(reference, _NEIGHBOR_REFERENCE_ROWS, replace=False))
        k = min(self.n_neighbors, max(reference.size - 1, 1))
        self.neighbors_ = NearestNeighbors(n_neighbors=k, algorithm="brute")
        self.neighbors_.fit(self._standardized(X[reference]))
        return self._neighbor_scores(X)

    def _standardized(self, X):
        """X standardized for the neighbour distances, missing values at the mean."""
        standardized = np.array(X, dtype=np.float64)  # distances near 0 stay near 0
        standardized -= self.neighbors_scaler_.mean_
        standardized /= self.neighbors_scaler_.scale_
        return np.nan_to_num(standardized, copy=False, nan=0.0)

    def _neighbor_scores(self, X):
        """Distance of each row of X to its k-th nearest reference row.

        One reference row at distance 0 (up to rounding) is left out: a
        training row must not count itself as its own neighbour, so that it
        scores the same whether it is in the reference sample or not, in
        ``fit`` or later. Rows go in batches of ``_NEIGHBOR_BATCH_ROWS``, so
        that the float64 copies stay small.
        """
        k = self.neighbors_.n_neighbors
        n_query = min(k + 1, self.neighbors_.n_samples_fit_)
        same_row = _SAME_ROW_DISTANCE * np.sqrt(X.shape[1])
        scores = np.empty(X.shape[0])
        for rows in gen_batches(X.shape[0], _NEIGHBOR_BATCH_ROWS):
            distances, _ = self.neighbors_.kneighbors(self._standardized(X[rows]), n_query)
            itself = distances[:, 0] <= same_row
            scores[rows] = np.where(itself, distances[:, n_query - 1], distances[:, k - 1])
        return scores

    def _centre_missing(self, X):
        """X with each missing value replaced by its feature's centre, as the network sees it."""
        missing = np.isnan(X)
        if not missing.any():
            return X
        return np.where(missing, self._scaling()[0].astype(X.dtype), X)

    def _isolation_scores(self, X):
        """The isolation forest's outlier scores (higher is more abnormal), in chunks."""
        scores = np.empty(X.shape[0])
        for rows in gen_batches(X.shape[0], _SCORE_CHUNK_ROWS):
            scores[rows] = -self.isolation_forest_.score_samples(self._centre_missing(X[rows]))
        return scores

    def _detector_scores(self, X):
        """The unsupervised detectors' scores of X (higher is more abnormal)."""
        sources = [self._score_components(X, summed=True)]
        if hasattr(self, "isolation_forest_"):
            sources.append(self._isolation_scores(X))
        if hasattr(self, "neighbors_"):
            sources.append(self._neighbor_scores(X))
        return sources

    def _chunked_surprisals(self, X):
        """Yield ``(rows, surprisals)`` of every source over X, chunk by chunk."""
        known = getattr(self, "known_anomalies_", None)
        for rows in gen_batches(X.shape[0], _SCORE_CHUNK_ROWS):
            chunk = X[rows]
            surprisals = self._surprisals(self._detector_scores(chunk))
            if known is not None:
                surprisals = np.column_stack([surprisals, known.surprisals(chunk, surprisals)])
            yield rows, surprisals

    def _outlier_score(self, surprisals):
        """The outlier score from the columns of ``score_sources``.

        Without known anomalies: the largest surprisal. With them, the
        largest of the detectors' and the similarity's surprisals and the
        classifier's surprisal, weighted by the number of known anomalies.
        """
        known = getattr(self, "known_anomalies_", None)
        if known is None:
            return combine_surprisals(surprisals, self._combination)
        weight = known.n_known_ / (known.n_known_ + _CLASSIFIER_HALF_WEIGHT)
        largest = combine_surprisals(surprisals[:, :-1], self._combination)
        return (1 - weight) * largest + weight * surprisals[:, -1]

    def _surprisals(self, sources):
        """Surprisal of each source's scores, as columns."""
        calibrations = self.surprisal_calibration_
        return np.column_stack(
            [
                surprisal(scores, calibration)
                for scores, calibration in zip(sources, calibrations, strict=True)
            ]
        )

    def score_samples(self, X):
        """Negated outlier score: how normal each sample is.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to score, in batches of bounded memory.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-score_sources(X).max(axis=1)`` (with known anomalies, the
            weighted score described in ``score_sources``): the higher, the
            more normal. Computed in float64.
        """
        X = self._check_fitted_X(X)
        scores = np.empty(X.shape[0])
        for rows, surprisals in self._chunked_surprisals(X):
            scores[rows] = -self._outlier_score(surprisals)
        return scores

    def score_sources(self, X):
        """Each detector's evidence that a sample is an outlier, as a surprisal.

        Column 0 is the autoencoder's score (the sum of
        ``score_components``, or the ELBO with ``model="vae"``), then, where
        used, the isolation forest's and the neighbour distance (the
        columns are named by ``source_names_``). Each is expressed as a
        surprisal: ``-log`` of the share of training samples that scored at
        least as high, so 0 is unremarkable, 3.0 means one training sample
        in 20 scored as high and every further unit is e (2.7) times rarer.
        Beyond the training scores' 95th percentile the share is
        extrapolated with an exponential tail. The outlier score is the
        largest of the columns: ``score_samples(X)`` is
        ``-score_sources(X).max(axis=1)``.

        After ``fit(X, y)`` with known anomalies, two columns follow:
        "known_anomalies", the surprisal of the distance to the nearest
        known anomaly (the closer, the higher), and "classifier", that of
        a gradient-boosting classifier's probability that the sample is one
        of them. The outlier score is then
        ``(1 - w) * max(other columns) + w * classifier`` with
        ``w = n / (n + 10)`` for ``n`` known anomalies.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to score, in batches of bounded memory.

        Returns
        -------
        surprisals : ndarray of shape (n_samples, n_sources)
            One column per source (3 with the defaults, 5 after fitting
            with known anomalies), in float64.
        """
        X = self._check_fitted_X(X)
        out = np.empty((X.shape[0], len(self.source_names_)))
        for rows, surprisals in self._chunked_surprisals(X):
            out[rows] = surprisals
        return out

    def score_components(self, X):
        """The two parts of the autoencoder's outlier score.

        Tells whether a sample is unusual to the autoencoder because it
        cannot reconstruct it (column 0) or because its code lies far from
        the training codes (column 1). Each is in units of its median over
        the training data, so 1 is typical; their sum is the autoencoder's
        score, whose surprisal is ``score_sources(X)[:, 0]``. With
        ``model="vae"``: the negative expected log-likelihood and the KL
        term, per feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to explain.

        Returns
        -------
        components : ndarray of shape (n_samples, 2)
            Reconstruction part and code part, in float64.
        """
        return self._score_components(self._check_fitted_X(X))

    def decision_function(self, X):
        """Score shifted by the threshold: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Label each sample as inlier (+1) or outlier (-1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for inliers, -1 for outliers.
        """
        return np.where(self.decision_function(X) < 0, -1, 1)

    def feature_errors(self, X):
        """Reconstruction error of each feature of each sample, in training units.

        Shows which features make a sample hard to reconstruct: the squared
        error of each feature (in the scaled space) divided by its mean on
        the training data, so 1 is a typical error and 50 a very unusual
        one. Their mean over features, divided by ``score_unit_[0]``, is the
        reconstruction part of the score (``score_components(X)[:, 0]``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to explain.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            Per-feature squared errors relative to training, in float64.
        """
        weights = 1 / self.feature_error_scale_
        X = self._check_fitted_X(X)
        return self._squared_errors(X, per_feature=True, feature_weights=weights)

    def _score_components(self, X, *, units=None, summed=False):
        """Reconstruction part and code part of the score of each sample.

        One pass of the network over X in bounded-memory batches: the code of
        each batch is kept to measure its distance and then decoded. Parts
        are divided by ``units`` (default ``score_unit_``); ``summed``
        returns their sum, shape (n_samples,), instead of (n_samples, 2).
        """
        units = self.score_unit_ if units is None else units
        if self.model == "vae":
            return self._elbo_components(X, summed)

        def as_tensor(values):
            # Clipped so that weights of degenerate (near-constant) data stay finite.
            return self._net_tensor(np.minimum(values, np.finfo(np.float32).max))

        # Weighted means over (observed) features and code coordinates, as mat-vecs.
        feature_weights = as_tensor(1 / (self.feature_error_scale_ * units[0]))
        code_center = as_tensor(self.code_center_)
        code_weights = as_tensor(1 / (self.code_scale_**2 * self.n_components_ * units[1]))
        decode = self.net_.module_.decode
        out = np.empty(X.shape[0] if summed else (X.shape[0], 2))
        with torch.inference_mode():
            for rows, X_batch, codes in self._run_module("encode", X):
                n_rows = rows.stop - rows.start
                errors = self._errors(decode(codes), X_batch)
                reconstruction = observed_row_mean(errors, feature_weights)
                distance = (codes - code_center).square_() @ code_weights
                if summed:
                    parts = reconstruction.double() + distance.double()
                else:
                    parts = torch.stack([reconstruction, distance], dim=1)
                out[rows] = parts[:n_rows].cpu().numpy()
        return out

    def _elbo_components(self, X, summed):
        """Negative expected log-likelihood and KL term per feature (VAE)."""
        module = self.net_.module_
        noise = self._elbo_noise()

        def parts(x):
            log_likelihood, kl = module.elbo_terms(x, noise)
            return torch.stack([-log_likelihood, kl], dim=1) / x.shape[1]

        components = self._collect(parts, X, 2, np.float64, lambda _, values: values)
        return components.sum(axis=1) if summed else components

    def _categorical_refusal(self):
        if self.model == "vae":
            return (
                "model='vae' scores with a Gaussian likelihood of every value and does "
                "not take categorical columns; use model='autoencoder' (the default)."
            )
        return None

    @staticmethod
    def _default_n_components(n_features):
        return min(_MAX_AUTO_COMPONENTS, n_features)

    def _criterion_params(self, missing_values=False):
        return {
            "criterion": TrimmedMSELoss,
            "criterion__trim_fraction": self.trim_fraction,
            "criterion__ignore_nan": missing_values,
            "criterion__layout": self._table_layout(),
        }


def _enough_labels(anomalies, normals):
    """Whether y labels enough rows of both kinds to set the threshold from them."""
    return min(anomalies.sum(), normals.sum()) >= _MIN_LABELLED_FOR_THRESHOLD


def _best_f1_threshold(scores, anomalies, normals):
    """The outlier score above which the labelled rows are flagged with the best F1.

    ``scores`` are held out for the known anomalies, so the threshold is the
    one a new anomaly would meet.
    """
    labelled = anomalies | normals
    precision, recall, thresholds = precision_recall_curve(anomalies[labelled], scores[labelled])
    f1 = 2 * precision * recall / np.maximum(precision + recall, _NEGLIGIBLE)
    # Just below it, so that the rows at the threshold itself are flagged
    # (predict flags a negative decision_function).
    return float(np.nextafter(thresholds[np.argmax(f1[:-1])], -np.inf))


def _floored(values):
    """Divisors from spreads: at least a millionth of the largest, and 1 if all vanish.

    Spreads below ``_NEGLIGIBLE`` (in the scaled space, where data are of
    order 1) are float32 rounding noise; their reciprocal squares must stay
    finite in float32.
    """
    largest = np.max(values)
    if largest <= _NEGLIGIBLE:
        return np.ones_like(values)
    return np.maximum(values, max(largest * 1e-6, _NEGLIGIBLE))
