"""Reconstruction losses."""

import torch
from torch import nn


def observed_row_errors(output, target, layout=None):
    """Each row's mean squared error over its observed (not NaN) target values.

    A row's error is a mean, not a sum, so that rows with missing values
    stay comparable to complete rows; a row with nothing observed has error 0.
    With a ``layout`` (the columns of a table with categorical columns), the
    mean is over the table's columns: squared errors of the numbers,
    cross-entropies of the categories.

    Parameters
    ----------
    output : torch.Tensor of shape (n, n_features)
        The network's reconstructions.
    target : torch.Tensor of shape (n, n_features)
        What they should be; NaN marks a missing value.
    layout : TableLayout or None, default=None
        How the values group into a table's columns.

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
    if layout is not None:
        errors = layout(output, target)
        missing = torch.isnan(errors)
        errors = errors.masked_fill(missing, 0.0)
        return errors.sum(dim=1) / (~missing).sum(dim=1).clamp(min=1)
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
    training data have missing values or categorical columns.

    Parameters
    ----------
    layout : TableLayout or None, default=None
        The columns of a table with categorical columns: each categorical
        column's error is the cross-entropy of its block of class scores.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import MaskedMSELoss
    >>> target = torch.tensor([[1.0, float("nan")], [2.0, 2.0]])
    >>> MaskedMSELoss()(torch.zeros(2, 2), target)  # (1 + 4) / 2
    tensor(2.5000)
    """

    def __init__(self, layout=None):
        super().__init__()
        self.layout = layout

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
        return observed_row_errors(output, target, self.layout).mean()


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
    layout : TableLayout or None, default=None
        The columns of a table with categorical columns (see
        :class:`MaskedMSELoss`); missing values are then always left out.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import TrimmedMSELoss
    >>> target = torch.zeros(4, 2)
    >>> output = torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [9.0, 9.0]])
    >>> TrimmedMSELoss(trim_fraction=0.25)(output, target)  # the 9s are left out
    tensor(0.3333)
    """

    def __init__(self, trim_fraction=0.2, ignore_nan=False, layout=None):
        super().__init__()
        self.trim_fraction = trim_fraction
        self.ignore_nan = ignore_nan
        self.layout = layout

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
        if self.ignore_nan or self.layout is not None:
            errors = observed_row_errors(output, target, self.layout)
        else:
            errors = (output - target).square().mean(dim=1)
        n_kept = max(1, round(errors.shape[0] * (1 - self.trim_fraction)))
        if n_kept == errors.shape[0]:
            return errors.mean()
        return torch.topk(errors, n_kept, largest=False, sorted=False).values.mean()


class PixelCrossEntropyLoss(nn.Module):
    """Cross-entropy of each pixel's class scores, averaged over labelled pixels.

    The network's output rows hold one score map per class, flattened:
    ``(n, n_classes * n_pixels)``; the target holds one class index per
    pixel, ``(n, n_pixels)``, with ``-1`` for a pixel left out of the loss
    (unannotated, or outside the field of view). As in
    :class:`torch.nn.CrossEntropyLoss`, class weights scale each pixel's
    loss and the mean is taken over the weights of the labelled pixels; a
    batch without labelled pixels has loss 0 instead of NaN.

    Parameters
    ----------
    weight : array-like of shape (n_classes,) or None, default=None
        Weight of each class; None weighs them equally.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import PixelCrossEntropyLoss
    >>> scores = torch.zeros(1, 2 * 3)  # two classes, three pixels, equal scores
    >>> PixelCrossEntropyLoss()(scores, torch.tensor([[0, 1, -1]]))  # log(2)
    tensor(0.6931)
    """

    def __init__(self, weight=None):
        super().__init__()
        weight = None if weight is None else torch.as_tensor(weight, dtype=torch.float32)
        self.register_buffer("weight", weight)

    def forward(self, output, target):
        """Compute the weighted mean cross-entropy over the labelled pixels.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_classes * n_pixels)
            Class scores (logits), one map per class, flattened.
        target : torch.Tensor of shape (n, n_pixels)
            Class index of each pixel, -1 where it is left out.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        n, n_pixels = target.shape
        scores = output.reshape(n, -1, n_pixels)
        losses = nn.functional.cross_entropy(
            scores, target, weight=self.weight, ignore_index=-1, reduction="none"
        )
        labelled = target >= 0
        if self.weight is None:
            total_weight = labelled.sum()
        else:
            total_weight = self.weight[target.clamp(min=0)].masked_fill(~labelled, 0.0).sum()
        return losses.sum() / total_weight.clamp(min=1e-12)


class DiceCrossEntropyLoss(PixelCrossEntropyLoss):
    """Pixel cross-entropy plus the soft Dice loss of the classes.

    The Dice loss is one minus the mean over classes of the soft Dice
    coefficient, ``2 |P ∩ Y| / (|P| + |Y|)`` with the predicted
    probabilities P and the one-hot labels Y summed over the labelled pixels
    of the batch (Milletari et al., 2016). It weighs every class alike
    whatever its share of pixels, and rewards the overlap of each class's
    region with the truth: the measure a thin class such as a membrane is
    judged by. The cross-entropy keeps each pixel's probabilities
    calibrated. Pixels labelled -1 are left out of both.

    Parameters
    ----------
    weight : array-like of shape (n_classes,) or None, default=None
        Weight of each class in the cross-entropy; None weighs them equally.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import DiceCrossEntropyLoss
    >>> scores = torch.tensor([[9.0, -9.0, -9.0, 9.0]])  # two pixels, sure of 0 then 1
    >>> loss = DiceCrossEntropyLoss()(scores, torch.tensor([[0, 1]]))
    >>> round(float(loss), 2)
    0.0
    """

    def forward(self, output, target):
        """Compute the cross-entropy plus the Dice loss over the labelled pixels.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_classes * n_pixels)
            Class scores (logits), one map per class, flattened.
        target : torch.Tensor of shape (n, n_pixels)
            Class index of each pixel, -1 where it is left out.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        cross_entropy = super().forward(output, target)
        n, n_pixels = target.shape
        probabilities = output.reshape(n, -1, n_pixels).softmax(dim=1)
        labelled = (target >= 0).unsqueeze(1)
        onehot = nn.functional.one_hot(target.clamp(min=0), probabilities.shape[1])
        onehot = onehot.permute(0, 2, 1) * labelled
        probabilities = probabilities * labelled
        overlap = (probabilities * onehot).sum(dim=(0, 2))
        total = probabilities.sum(dim=(0, 2)) + onehot.sum(dim=(0, 2))
        # One pixel of smoothing: a class absent from the batch and from the
        # prediction counts as a perfect match, not 0 / 0.
        dice = (2 * overlap + 1) / (total + 1)
        return cross_entropy + (1 - dice).mean()
