"""Reconstruction losses."""

import torch
from torch import nn


def observed_row_errors(output, target):
    """Each row's mean squared error over its observed (not NaN) target values.

    A row's error is a mean, not a sum, so that rows with missing values
    stay comparable to complete rows; a row with nothing observed has error 0.

    Parameters
    ----------
    output : torch.Tensor of shape (n, n_features)
        The network's reconstructions.
    target : torch.Tensor of shape (n, n_features)
        What they should be; NaN marks a missing value.

    Returns
    -------
    errors : torch.Tensor of shape (n,)

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn._losses import observed_row_errors
    >>> observed_row_errors(torch.zeros(1, 3), torch.tensor([[1.0, float("nan"), 3.0]]))
    tensor([5.])
    """
    missing = torch.isnan(target)
    # Masked before squaring: a masked square's gradient would be 0 * NaN.
    errors = (output - target).masked_fill(missing, 0.0).square()
    return errors.sum(dim=1) / (~missing).sum(dim=1).clamp(min=1)


class MaskedMSELoss(nn.Module):
    """Mean squared error over the observed entries of the target.

    Missing values (NaN) in the target are left out: each row's error is
    its mean over its observed features (see :func:`observed_row_errors`)
    and the loss is the mean over rows. On complete data it equals
    :class:`torch.nn.MSELoss`. The estimators train with it when their
    training data have missing values.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import MaskedMSELoss
    >>> target = torch.tensor([[1.0, float("nan")], [2.0, 2.0]])
    >>> MaskedMSELoss()(torch.zeros(2, 2), target)  # (1 + 4) / 2
    tensor(2.5000)
    """

    def __init__(self):
        super().__init__()

    def forward(self, output, target):
        """Compute the mean over rows of each row's observed squared error.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_features)
            The network's reconstructions.
        target : torch.Tensor of shape (n, n_features)
            What they should be; NaN marks a missing value.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        return observed_row_errors(output, target).mean()


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
    ignore_nan : bool, default=False
        Leave missing values (NaN) of the target out of each sample's mean
        error (see :class:`MaskedMSELoss`).

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import TrimmedMSELoss
    >>> target = torch.zeros(4, 2)
    >>> output = torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [9.0, 9.0]])
    >>> TrimmedMSELoss(trim_fraction=0.25)(output, target)  # the 9s are left out
    tensor(0.3333)
    """

    def __init__(self, trim_fraction=0.2, ignore_nan=False):
        super().__init__()
        self.trim_fraction = trim_fraction
        self.ignore_nan = ignore_nan

    def forward(self, output, target):
        """Compute the trimmed mean squared error of a batch.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_features)
            The network's reconstructions.
        target : torch.Tensor of shape (n, n_features)
            What they should be (NaN where missing, with ``ignore_nan``).

        Returns
        -------
        loss : torch.Tensor
            A scalar: the mean error of the kept samples.
        """
        if self.ignore_nan:
            errors = observed_row_errors(output, target)
        else:
            errors = (output - target).square().mean(dim=1)
        n_kept = max(1, round(errors.shape[0] * (1 - self.trim_fraction)))
        if n_kept == errors.shape[0]:
            return errors.mean()
        return torch.topk(errors, n_kept, largest=False, sorted=False).values.mean()
