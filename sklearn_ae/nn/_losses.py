"""Reconstruction losses."""

import torch
from torch import nn


class TrimmedMSELoss(nn.Module):
    """Mean squared error over the best-reconstructed samples of a batch.

    Each sample's error is its mean squared error over features; the
    ``trim_fraction`` of the batch with the largest errors is left out of
    the mean (trimmed least squares). When the training data contain
    outliers, the network is then not pushed to reconstruct them, so they
    keep large errors. With ``trim_fraction=0`` it is :class:`torch.nn.MSELoss`.

    Parameters
    ----------
    trim_fraction : float, default=0.2
        Share of each batch, in [0, 1), left out of the loss. At least one
        sample is always kept.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import TrimmedMSELoss
    >>> target = torch.zeros(4, 2)
    >>> output = torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [9.0, 9.0]])
    >>> TrimmedMSELoss(trim_fraction=0.25)(output, target)  # the 9s are left out
    tensor(0.3333)
    """

    def __init__(self, trim_fraction=0.2):
        super().__init__()
        self.trim_fraction = trim_fraction

    def forward(self, output, target):
        """Compute the trimmed mean squared error of a batch.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_features)
            The network's reconstructions.
        target : torch.Tensor of shape (n, n_features)
            What they should be.

        Returns
        -------
        loss : torch.Tensor
            A scalar: the mean error of the kept samples.
        """
        errors = (output - target).square().mean(dim=1)
        n_kept = max(1, round(errors.shape[0] * (1 - self.trim_fraction)))
        if n_kept == errors.shape[0]:
            return errors.mean()
        return torch.topk(errors, n_kept, largest=False, sorted=False).values.mean()
