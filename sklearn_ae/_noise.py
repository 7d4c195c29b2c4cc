"""Input corruption for denoising autoencoders."""

import torch

NOISE_TYPES = ("gaussian", "masking")


def corrupt(X, noise, noise_level):
    """Return a corrupted copy of the batch ``X``; ``X`` itself is unchanged.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        A batch of scaled inputs.
    noise : {"gaussian", "masking"}
        "gaussian" adds ``noise_level * N(0, 1)`` to every value; "masking"
        sets each value to 0 (the feature's centre after scaling) with
        probability ``noise_level``, like dropout on the input.
    noise_level : float
        Standard deviation (gaussian) or masking probability (masking).

    Returns
    -------
    X_corrupted : torch.Tensor of the same shape as X

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae._noise import corrupt
    >>> corrupt(torch.ones(2, 3), "masking", 1.0)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    """
    if noise == "gaussian":
        return X + noise_level * torch.randn_like(X)
    if noise == "masking":
        return X * (torch.rand_like(X) >= noise_level)
    raise ValueError(f"noise must be one of {NOISE_TYPES}, got {noise!r}.")
