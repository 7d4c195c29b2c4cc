"""Decoder outputs mapped to the training data's marginal distributions."""

from sklearn.preprocessing import QuantileTransformer

#: Quantiles kept per feature (fewer when there are fewer training rows).
N_QUANTILES = 100


class OutputCalibration:
    """A monotone map per feature from decoder outputs to the data's own values.

    A decoder trained on a squared error or a Gaussian likelihood outputs
    the conditional mean of each feature: on data with sharp values (pixels
    that are 0 or 1, say) its outputs crowd toward the middle, and samples
    made of them are easy to tell from real rows. The map sends each
    feature's value through the distribution function of the training
    reconstructions, then through the inverse distribution function of the
    training data (quantile matching, with scikit-learn's
    :class:`~sklearn.preprocessing.QuantileTransformer`): a reconstruction
    at the 30th percentile of its feature's reconstructions becomes the
    30th percentile of that feature's data. It is monotone, so the order of
    values (and the decoder's structure) is kept, and its outputs stay in
    the training range.

    Parameters
    ----------
    reconstructions : ndarray of shape (n_samples, n_features)
        The decoder's outputs for the training rows.
    X : ndarray of shape (n_samples, n_features)
        The training rows.
    random_state : int, RandomState instance or None
        Seeds the subsample of rows the quantiles are computed on (when
        there are more than 10,000).
    """

    def __init__(self, reconstructions, X, random_state):
        n_quantiles = min(N_QUANTILES, len(X))
        self.outputs = QuantileTransformer(n_quantiles=n_quantiles, random_state=random_state).fit(
            reconstructions
        )
        self.data = QuantileTransformer(n_quantiles=n_quantiles, random_state=random_state).fit(X)

    def __call__(self, outputs):
        """Map decoder outputs (n, n_features), in the data's units, to calibrated values."""
        return self.data.inverse_transform(self.outputs.transform(outputs))
