"""Mini-batch iterator that slices tensors instead of collating rows."""

import math

import torch

from .image import _window_origins


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


class CropBatchIterator:
    """Yield batches of image crops and their pixel labels, augmented in training.

    The segmentation counterpart of :class:`TensorBatchIterator`. The
    dataset holds whole images ``X`` of shape ``(n, C, H, W)`` and their
    labels ``y`` of shape ``(n, H, W)`` as tensors; each batch is cut out
    of them, so no copy of the data set is ever made. With ``shuffle``
    (training) an epoch draws as many crops as tile every image once, each
    from a random image at a random position, and with ``augment`` flips
    each crop and turns it by a random multiple of 90 degrees (square crops;
    others are flipped along each axis). Without ``shuffle`` (validation)
    it yields the crops that tile each image, in order.

    Batches are rows, as every network of the package takes them: the
    crops flattened to ``(batch, C * h * w)`` and their labels to
    ``(batch, h * w)``.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Images ``X`` ``(n, C, H, W)`` and labels ``y`` ``(n, H, W)``, tensors.
    batch_size : int, default=8
        Crops per batch; the last batch may be smaller.
    shuffle : bool, default=False
        Random crops (training) instead of the tiling crops (validation).
        Drawn with torch's random generator, which the estimators seed.
    crop_shape : tuple of (int, int) or None, default=None
        Height and width of the crops; None takes whole images.
    augment : bool, default=False
        Random flips and 90-degree turns of the training crops.
    shard : tuple of (int, int) or None, default=None
        ``(index, count)``: keep every ``count``-th crop of each batch, as
        in :class:`TensorBatchIterator`.

    Examples
    --------
    >>> import torch
    >>> from skorch.dataset import Dataset
    >>> from sklearn_ae._batching import CropBatchIterator
    >>> images, labels = torch.zeros(2, 1, 6, 8), torch.zeros(2, 6, 8, dtype=torch.long)
    >>> batches = CropBatchIterator(Dataset(images, labels), batch_size=3, crop_shape=(4, 4))
    >>> [tuple(Xb.shape) for Xb, _ in batches]
    [(3, 16), (3, 16), (2, 16)]
    """

    def __init__(
        self, dataset, batch_size=8, shuffle=False, crop_shape=None, augment=False, shard=None
    ):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        height, width = self.X.shape[-2:]
        self.crop_shape = (height, width) if crop_shape is None else tuple(crop_shape)
        self.augment = augment
        self.shard = shard
        crop_height, crop_width = self.crop_shape
        self.origins = [
            (row, col)
            for row in _window_origins(height, crop_height, crop_height)
            for col in _window_origins(width, crop_width, crop_width)
        ]

    @property
    def n_crops(self):
        """Crops per epoch: as many as tile every image once."""
        return len(self.X) * len(self.origins)

    def __len__(self):
        return math.ceil(self.n_crops / self.batch_size)

    def __iter__(self):
        n_images, n_crops = len(self.X), self.n_crops
        (height, width), (crop_height, crop_width) = self.X.shape[-2:], self.crop_shape
        if self.shuffle:
            # Every image equally often, at uniform random positions.
            images = torch.randperm(n_crops) % n_images
            rows = torch.randint(height - crop_height + 1, (n_crops,))
            cols = torch.randint(width - crop_width + 1, (n_crops,))
            turns = torch.randint(4 if crop_height == crop_width else 1, (n_crops,))
            flips = torch.randint(2, (n_crops, 2))
        else:
            order = torch.arange(n_crops)
            images = order // len(self.origins)
            origins = torch.tensor(self.origins).reshape(-1, 2)[order % len(self.origins)]
            rows, cols = origins[:, 0], origins[:, 1]
        shard = self.shard or (0, 1)
        for start in range(0, n_crops, self.batch_size):
            stop = min(start + self.batch_size, n_crops)
            first, step = shard if stop - start >= shard[1] else (0, 1)
            X_crops, y_crops = [], []
            for i in range(start + first, stop, step):
                image, row, col = int(images[i]), int(rows[i]), int(cols[i])
                window = (slice(row, row + crop_height), slice(col, col + crop_width))
                X_crop, y_crop = self.X[image][(..., *window)], self.y[image][window]
                if self.shuffle and self.augment:
                    X_crop, y_crop = _turned(X_crop, y_crop, int(turns[i]), flips[i])
                X_crops.append(X_crop)
                y_crops.append(y_crop)
            X_batch = torch.stack(X_crops).reshape(len(X_crops), -1)
            yield X_batch, torch.stack(y_crops).reshape(len(y_crops), -1)


def _turned(image, labels, turns, flips):
    """``image`` (C, h, w) and ``labels`` (h, w) turned by 90 degrees ``turns`` times, flipped."""
    if turns:
        image, labels = image.rot90(turns, (-2, -1)), labels.rot90(turns, (-2, -1))
    axes = [axis for axis, flip in zip((-2, -1), flips.tolist(), strict=True) if flip]
    if axes:
        image, labels = image.flip(axes), labels.flip(axes)
    return image, labels
