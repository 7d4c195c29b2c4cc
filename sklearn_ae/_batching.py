"""Mini-batch iterator that slices tensors instead of collating rows."""

import math

import torch


class TensorBatchIterator:
    """Yield ``(X_batch, y_batch)`` slices of a skorch dataset's tensors.

    skorch calls ``iterator(dataset, batch_size=..., shuffle=...)`` once per
    epoch. Unlike ``torch.utils.data.DataLoader``, which fetches and collates
    one row at a time, this iterator indexes whole batches out of tensors
    that were made once in ``fit``; that is what brings skorch's training
    loop close to a hand-written torch loop.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Dataset whose ``X`` and ``y`` are tensors of equal length. When ``y``
        is ``X`` itself (an autoencoder's target), each batch is indexed once.
    batch_size : int, default=256
        Rows per batch; the last batch may be smaller.
    shuffle : bool, default=False
        Draw a new permutation each epoch with torch's random generator.
        The estimators seed it inside :func:`torch.random.fork_rng`, so
        results are reproducible without touching the user's global state.
    corruption : callable or None, default=None
        Applied to each input batch only (the target stays clean), e.g. the
        noise of a denoising autoencoder. Drawn fresh for every batch.
    shard : tuple of (int, int) or None, default=None
        ``(index, count)``: keep every ``count``-th row of each batch,
        starting at ``index``. In data-parallel training each of ``count``
        processes draws the same permutation (the same seed) and takes its
        own share of every batch, so that together they train on the
        batches one process would.

    Examples
    --------
    >>> import torch
    >>> from skorch.dataset import Dataset
    >>> from sklearn_ae._batching import TensorBatchIterator
    >>> X = torch.arange(10.0).reshape(5, 2)
    >>> batches = list(TensorBatchIterator(Dataset(X, X), batch_size=2))
    >>> [len(Xb) for Xb, _ in batches]
    [2, 2, 1]
    """

    def __init__(self, dataset, batch_size=256, shuffle=False, corruption=None, shard=None):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.corruption = corruption
        self.shard = shard

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        n_samples = len(self.X)
        order = torch.randperm(n_samples, device=self.X.device) if self.shuffle else None
        shard = self.shard or (0, 1)
        for start in range(0, n_samples, self.batch_size):
            stop = min(start + self.batch_size, n_samples)
            # A batch with too few rows to share: each process takes them all.
            first, step = shard if stop - start >= shard[1] else (0, 1)
            if order is None:
                rows = slice(start + first, stop, step)
            else:
                rows = order[start + first : stop : step]
            X_batch = self.X[rows]
            if self.y is None:
                y_batch = None
            elif self.y is self.X:
                y_batch = X_batch
            else:
                y_batch = self.y[rows]
            if self.corruption is not None:
                X_batch = self.corruption(X_batch)
            yield X_batch, y_batch
