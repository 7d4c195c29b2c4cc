"""Input corruption for denoising autoencoders."""

import torch

NOISE_TYPES = ("gaussian", "masking")


def corrupt(X, noise, noise_level, columns=None, fill=None):
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
    columns : torch.Tensor of int or None, default=None
        The table column of each value: masking then masks whole columns,
        e.g. all the indicators of a category at once. None: each value is
        a column.
    fill : torch.Tensor or None, default=None
        The value that stands for a masked one, per value; None gives 0.

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
        if columns is None:
            kept = torch.rand_like(X) >= noise_level
        else:
            n_columns = int(columns.max()) + 1
            kept = (torch.rand((X.shape[0], n_columns), device=X.device) >= noise_level)[
                :, columns.to(X.device)
            ]
        if fill is None:
            return X * kept
        return torch.where(kept, X, fill.to(X.device))
    raise ValueError(f"noise must be one of {NOISE_TYPES}, got {noise!r}.")
