"""Whole images through a network trained on crops: the overlap-tile strategy."""

import math

import numpy as np
import torch

from .image import _window_origins

# A batch of tiles holds about this many activations (256 MB of float32),
# whatever the size or number of the images, and at most this many tiles.
TILE_BATCH_ELEMENTS = 2**26
MAX_TILES_PER_BATCH = 64


def axis_layout(size, crop, margin, max_tile=None):
    """Tiles along one axis: ``(tile, pad_before, pad_after, origins)``.

    The image is mirrored by ``margin`` pixels at both ends (the U-Net
    paper's overlap-tile strategy), then cut into tiles that overlap by
    ``2 * margin``; of each tile only the centre is kept, so every kept
    pixel saw ``margin`` pixels of context on each side. A network of fixed
    input size (``max_tile=None``) takes tiles of the training ``crop``; a
    fully convolutional one takes as few tiles as ``max_tile`` allows, of
    equal size.

    Examples
    --------
    >>> from sklearn_ae._tiling import axis_layout
    >>> axis_layout(512, 128, 32)  # tiles of the crop, their centres 64 apart
    (128, 32, 32, [0, 64, 128, 192, 256, 320, 384, 448])
    >>> axis_layout(512, 128, 32, max_tile=1024)  # the whole image in one tile
    (576, 32, 32, [0])
    """
    if max_tile is None:
        tile = crop
    else:
        n_tiles = math.ceil(size / max(1, max(max_tile, crop) - 2 * margin))
        tile = math.ceil(size / n_tiles) + 2 * margin
    length = max(size + 2 * margin, tile)
    origins = _window_origins(length, tile, tile - 2 * margin)
    return tile, margin, length - size - margin, origins


class TiledInference:
    """Class probabilities of whole images, computed tile by tile.

    Needs the fitted ``net_``, ``crop_shape_``, ``classes_``, the
    ``test_time_augmentation`` parameter and the scaling of
    :class:`~sklearn_ae._inference.InferenceMixin`.
    Tiles are scaled, run through the network in batches of a fixed number
    of tiles (the last one padded), and the centre of each tile's softmax is
    written into its image: memory is bounded by the batch and the
    requested output, and each image's result does not depend on the other
    images in X.
    """

    def _tile_margins(self):
        """Pixels of context kept around each tile's centre: a quarter of the crop."""
        return tuple(side // 4 for side in self.crop_shape_)

    def _tile_layouts(self, image_shape):
        """Per axis, the layout of :func:`axis_layout`, and the tiles per batch."""
        module = self.net_.module_
        # What the network states, else twice its widest layer at full resolution.
        per_pixel = getattr(module, "inference_values_per_pixel", None)
        if per_pixel is None:
            per_pixel = 2 * max(p.shape[0] for p in module.parameters())
        budget = int(TILE_BATCH_ELEMENTS // per_pixel)
        max_tile = math.isqrt(budget) if hasattr(module, "forward_images") else None
        sizes = image_shape[1:]
        layouts = [
            axis_layout(size, crop, margin, max_tile)
            for size, crop, margin in zip(
                sizes, self.crop_shape_, self._tile_margins(), strict=True
            )
        ]
        tile_pixels = layouts[0][0] * layouts[1][0]
        return layouts, int(np.clip(budget // tile_pixels, 1, MAX_TILES_PER_BATCH))

    def _class_probabilities(self, X, image_shape):
        """Yield ``(rows, probabilities)``: float32 arrays ``(n_rows, n_classes, H, W)``.

        ``X`` holds validated rows of images of ``image_shape`` ``(C, H, W)``.
        """
        module = self.net_.module_
        module.eval()
        device = torch.device(self.net_.device)
        channels, height, width = image_shape
        n_classes = len(self.classes_)
        (rows_layout, cols_layout), tiles_per_batch = self._tile_layouts(image_shape)
        (tile_h, top, bottom, tile_rows), (tile_w, left, right, tile_cols) = (
            rows_layout,
            cols_layout,
        )
        tiles_per_image = len(tile_rows) * len(tile_cols)
        images_per_chunk = max(1, tiles_per_batch // tiles_per_image)
        # The scaling is per channel: the value of each channel's first pixel.
        center, scale = (v.reshape(channels, -1)[:, 0, None, None] for v in self._scaling())
        margin_h, margin_w = self._tile_margins()
        tiles = np.zeros((tiles_per_batch, channels, tile_h, tile_w), dtype=np.float32)
        grid = [(r, c) for r in tile_rows for c in tile_cols]
        for start in range(0, X.shape[0], images_per_chunk):
            rows = slice(start, min(start + images_per_chunk, X.shape[0]))
            images = (X[rows].reshape(-1, channels, height, width) - center) / scale
            images = np.nan_to_num(images.astype(np.float32, copy=False), nan=0.0)
            padded = np.pad(images, ((0, 0), (0, 0), (top, bottom), (left, right)), "symmetric")
            out = np.empty((len(images), n_classes, height, width), dtype=np.float32)
            jobs = [(i, r, c) for i in range(len(images)) for r, c in grid]
            for first in range(0, len(jobs), tiles_per_batch):
                batch = jobs[first : first + tiles_per_batch]
                for k, (i, r, c) in enumerate(batch):
                    tiles[k] = padded[i, :, r : r + tile_h, c : c + tile_w]
                probabilities = _run_tiles(
                    module, tiles, device, self.test_time_augmentation
                ).numpy()
                for k, (i, r, c) in enumerate(batch):
                    # The tile's centre, in image coordinates.
                    r0, c0 = r, c
                    r1 = min(r + tile_h - 2 * margin_h, height)
                    c1 = min(c + tile_w - 2 * margin_w, width)
                    out[i, :, r0:r1, c0:c1] = probabilities[
                        k, :, margin_h : margin_h + r1 - r0, margin_w : margin_w + c1 - c0
                    ]
            yield rows, out


def _run_tiles(module, tiles, device, turns):
    """Softmax of the network's class scores for a batch of tiles, on the CPU.

    With ``turns``, the mean of the softmax over the eight flips and turns of
    the tiles by multiples of 90 degrees (four for tiles that are not
    square: the flips along each axis), each turned back.
    """
    with torch.inference_mode():
        batch = torch.from_numpy(tiles).to(device)
        if not turns:
            return _softmax(module, batch).cpu()
        square = batch.shape[-1] == batch.shape[-2]
        total = 0
        for quarter_turns in range(4) if square else (0, 2):
            for flip in (False, True):
                turned = batch.rot90(quarter_turns, (-2, -1))
                turned = turned.flip(-1) if flip else turned
                probabilities = _softmax(module, turned.contiguous())
                probabilities = probabilities.flip(-1) if flip else probabilities
                total = total + probabilities.rot90(-quarter_turns, (-2, -1))
        return (total / (8 if square else 4)).cpu()


def _softmax(module, batch):
    """The network's class probabilities for tiles ``(n, C, h, w)``."""
    if hasattr(module, "forward_images"):
        scores = module.forward_images(batch)
    else:
        n, _, tile_h, tile_w = batch.shape
        scores = module(batch.reshape(n, -1)).reshape(n, -1, tile_h, tile_w)
    return scores.float().softmax(dim=1)
