"""Outlier detection from the reconstruction error of an autoencoder."""

from numbers import Real

import numpy as np
from sklearn.base import OutlierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseAutoencoder
from ._docs import fill_shared_parameters

# Tukey's fence: a point is an outlier beyond Q3 + 1.5 IQR.
_TUKEY_K = 1.5


@fill_shared_parameters(scaling_default="robust")
class AEOutlierDetector(OutlierMixin, BaseAutoencoder):
    """Unsupervised outlier detection with an autoencoder.

    The autoencoder is trained to reconstruct the training data; samples it
    reconstructs badly are unlike most of the data. Modelled on
    :class:`~sklearn.ensemble.IsolationForest`: ``score_samples`` is higher
    for more normal samples, ``decision_function`` is negative for outliers
    and ``predict`` returns +1 for inliers and -1 for outliers.

    Raw, unscaled tables can be used as they are: by default every feature
    is centred on its median and divided by its interquartile range
    (``scaling="robust"``), statistics that the outliers in the training data
    barely move, so that no feature dominates the error by its units.

    Parameters
    ----------
    contamination : "auto" or float, default="auto"
        How the threshold ``offset_`` is set from the training scores.
        A float in (0, 0.5] is the expected share of outliers: ``offset_`` is
        that percentile of the training scores. "auto" needs no guess: it
        applies Tukey's fence to the training errors, i.e. a sample is an
        outlier when its reconstruction error is more than 1.5 interquartile
        ranges above the third quartile. Quartiles are barely moved by the
        outliers in the training data, so the threshold is robust to them.
    n_components : int or None, default=None
        Size of the code z. None picks ``round(sqrt(n_features))``, at least
        2 and at most ``n_features``: narrow enough that the network has to
        learn the structure of the data rather than copy its input.
    hidden_layer_sizes : array-like of int, default=(128,)
        Widths of the encoder's hidden layers; the decoder mirrors them, so
        ``(64, 32)`` with ``n_components=8`` on ``d`` features gives
        ``d-64-32-8-32-64-d``. One layer of 128 gave the lowest or near
        lowest held-out reconstruction error on four data sets bundled with
        scikit-learn, at less fit time than ``(64, 32)`` or ``(128, 64)``
        (``benchmarks/results/architecture.md``); no hidden layer (a linear
        autoencoder) was worst everywhere.
    %(shared_parameters)s
    Attributes
    ----------
    offset_ : float
        Threshold on ``score_samples``: ``decision_function`` is
        ``score_samples - offset_``.
    %(shared_attributes)s
    See Also
    --------
    sklearn.ensemble.IsolationForest : Tree-based outlier detection.
    AETransformer : The same autoencoder used for dimensionality reduction.

    Examples
    --------
    >>> from sklearn_ae import AEOutlierDetector
    >>> from sklearn_ae.datasets import load_breast_cancer_outliers
    >>> X, y = load_breast_cancer_outliers(return_X_y=True)
    >>> detector = AEOutlierDetector(max_iter=30, random_state=0).fit(X)
    >>> labels = detector.predict(X)  # +1 inlier, -1 outlier
    >>> errors = detector.feature_errors(X[:1])  # which features stand out
    >>> errors.shape
    (1, 30)
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
    }

    def __init__(
        self,
        *,
        contamination="auto",
        n_components=None,
        hidden_layer_sizes=(128,),
        activation="relu",
        dropout=0.0,
        scaling="robust",
        batch_size="auto",
        max_iter=200,
        learning_rate_init=1e-3,
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on X and set the threshold ``offset_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; it may contain outliers.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : AEOutlierDetector
            The fitted estimator.
        """
        X = self._validate_X(X, reset=not (self.warm_start and hasattr(self, "net_")))
        self._fit_autoencoder(X)
        errors = self._squared_errors(X)
        if self.contamination == "auto":
            q1, q3 = np.percentile(errors, [25, 75])
            self.offset_ = -float(q3 + _TUKEY_K * (q3 - q1))
        else:
            self.offset_ = float(np.percentile(-errors, 100.0 * self.contamination))
        return self

    def score_samples(self, X):
        """Negated mean squared reconstruction error of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to score, in batches of bounded memory.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The higher, the more normal. Computed in float64.
        """
        return -self._squared_errors(self._check_fitted_X(X))

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
        """Squared reconstruction error of each feature of each sample.

        Shows which features make a sample look abnormal: their mean over
        features is ``-score_samples(X)``. Measured in the scaled space, so
        that features in different units compare.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to explain.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            Per-feature squared errors, in float64.
        """
        return self._squared_errors(self._check_fitted_X(X), per_feature=True)
