"""Feature scaling applied before the network and undone after it."""

import numpy as np
from sklearn.preprocessing import RobustScaler, StandardScaler

SCALERS = {"standard": StandardScaler, "robust": RobustScaler}

# Robust scaling estimates its quantiles on at most this many random rows.
QUANTILE_SUBSAMPLE = 20_000


def row_sample(X, rng):
    """At most ``QUANTILE_SUBSAMPLE`` random rows of X, in their order."""
    if X.shape[0] <= QUANTILE_SUBSAMPLE:
        return X
    return X[np.sort(rng.choice(X.shape[0], QUANTILE_SUBSAMPLE, replace=False))]


def pixels_by_channel(X, image_shape):
    """Rows of flat images as one row per pixel and one column per channel."""
    channels = image_shape[0]
    return X.reshape(X.shape[0], channels, -1).transpose(0, 2, 1).reshape(-1, channels)


def fit_scaler(scaling, X, image_shape, rng):
    """Fit the scaler named by ``scaling`` (or return None).

    Tables get one centre and scale per feature. Images get one per
    channel, pooled over all pixels: per-pixel statistics would blow up
    the near-constant border pixels of, e.g., digits. Quantiles cost far
    more than means, so like ``QuantileTransformer`` (``subsample=10_000``)
    robust scaling is estimated on at most 20,000 random rows, which moves
    it by about 1 % of a standard deviation.
    """
    if scaling is None:
        return None
    sample = row_sample(X, rng) if scaling == "robust" else X
    if image_shape is not None:
        sample = pixels_by_channel(sample, image_shape)
    return SCALERS[scaling]().fit(sample)


def scaling_arrays(scaler, n_features, image_shape):
    """``(center, scale)`` per feature of a fitted scaler, as float32 arrays."""
    center, scale = np.zeros(n_features), np.ones(n_features)
    if isinstance(scaler, StandardScaler):
        center, scale = scaler.mean_, scaler.scale_
    elif isinstance(scaler, RobustScaler):
        center, scale = scaler.center_, scaler.scale_
    if scaler is not None and image_shape is not None:
        pixels = n_features // image_shape[0]
        center, scale = np.repeat(center, pixels), np.repeat(scale, pixels)
    # A spread below float32's smallest normal number is no spread for a
    # float32 network (1 / scale would overflow): treat it as constant.
    scale = np.where(scale < np.finfo(np.float32).tiny, 1.0, scale)
    return center.astype(np.float32), scale.astype(np.float32)
