"""The errors of a table's columns, numeric and categorical, on torch tensors."""

import numpy as np
import torch


class TableLayout(torch.nn.Module):
    """One error per table column from a network's values, on torch tensors.

    A numeric column's error is the squared difference of its value; a
    categorical column's is the cross-entropy of its block of class scores
    against the one-hot target: ``-log p(category)``. A target NaN (a
    missing cell) gives NaN, which the losses and scores leave out, as they
    do for numbers. A target block of zeros (a category not seen in fit)
    gets the cross-entropy of the least probable seen category: it is at
    least as surprising as any category the model knows.

    Parameters
    ----------
    starts, sizes : array-like of int
        First value and number of values of each column.
    categorical : array-like of bool
        Which columns are categorical.
    """

    def __init__(self, starts, sizes, categorical):
        super().__init__()
        starts, sizes = np.asarray(starts, dtype=int), np.asarray(sizes, dtype=int)
        categorical = np.asarray(categorical, dtype=bool)
        self.n_columns = len(starts)
        self.n_values = int(starts[-1] + sizes[-1]) if len(starts) else 0
        numeric = np.flatnonzero(~categorical)
        blocks = np.flatnonzero(categorical)
        width = int(sizes[blocks].max()) if blocks.size else 1
        # (n_blocks, width) value indices; padding points at the block's first value.
        offsets = np.minimum(np.arange(width), sizes[blocks, None] - 1)
        self.register_buffer("numeric_columns", torch.as_tensor(numeric))
        self.register_buffer("numeric_values", torch.as_tensor(starts[numeric]))
        self.register_buffer("block_columns", torch.as_tensor(blocks))
        self.register_buffer("block_values", torch.as_tensor(starts[blocks, None] + offsets))
        self.register_buffer("padding", torch.as_tensor(np.arange(width) >= sizes[blocks, None]))

    def forward(self, output, target):
        """Errors of shape ``(n_samples, n_columns)``: NaN where the target is missing."""
        missing = torch.isnan(target)
        # Missing targets are zeroed before the arithmetic and their errors
        # set to NaN after it: a NaN inside would make the gradient NaN.
        target = target.masked_fill(missing, 0.0)
        errors = output.new_empty((output.shape[0], self.n_columns))
        errors[:, self.numeric_columns] = (
            output[:, self.numeric_values] - target[:, self.numeric_values]
        ).square()
        missing_cells = output.new_zeros(errors.shape, dtype=torch.bool)
        missing_cells[:, self.numeric_columns] = missing[:, self.numeric_values]
        if len(self.block_columns):
            scores = output[:, self.block_values].masked_fill(self.padding, -torch.inf)
            log_p = scores.log_softmax(dim=-1).masked_fill(self.padding, 0.0)
            onehot = target[:, self.block_values].masked_fill(self.padding, 0.0)
            cross_entropy = -(onehot * log_p).sum(dim=-1)
            least_likely = -log_p.masked_fill(self.padding, torch.inf).min(dim=-1).values
            unseen = onehot.sum(dim=-1) == 0
            errors[:, self.block_columns] = torch.where(unseen, least_likely, cross_entropy)
            missing_cells[:, self.block_columns] = missing[:, self.block_values[:, 0]]
        return errors.masked_fill(missing_cells, torch.nan)

    def probabilities(self, output):
        """``output`` with each block's class scores turned into probabilities."""
        if not len(self.block_columns):
            return output
        output = output.clone()
        for values, padding in zip(self.block_values, self.padding, strict=True):
            values = values[~padding]
            output[:, values] = output[:, values].softmax(dim=-1)
        return output


def table_layout(n_values, categories):
    """The :class:`TableLayout` of ``n_values`` values whose ``categories`` are blocks.

    ``categories`` lists ``(first value, number of values)`` of each
    categorical column; every other value is a numeric column of its own.

    Examples
    --------
    >>> from sklearn_ae.nn._table_layout import table_layout
    >>> layout = table_layout(5, [(1, 3)])  # a number, a category of 3, a number
    >>> layout.n_columns
    3
    """
    blocks = dict(categories)
    starts, sizes, categorical = [], [], []
    value = 0
    while value < n_values:
        size = blocks.get(value, 1)
        starts.append(value)
        sizes.append(size)
        categorical.append(value in blocks)
        value += size
    return TableLayout(starts, sizes, categorical)
