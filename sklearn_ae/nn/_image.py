"""Shared pieces of the image networks: shapes, padding, convolution stages."""

import math
from itertools import pairwise
from numbers import Integral

import torch.nn.functional as F
from torch import nn

from ._mlp import activation_layers


def check_image_shape(image_shape, n_features):
    """``image_shape`` as a tuple ``(C, H, W)`` of positive ints matching ``n_features``.

    As in :func:`numpy.reshape`, one entry may be -1: it is inferred from
    ``n_features`` (e.g. ``(1, 1, -1)``: each row is one line of pixels).

    Raises
    ------
    ValueError
        If the shape is not three positive integers (one may be -1), or if
        ``C * H * W`` is not ``n_features``.

    Examples
    --------
    >>> from sklearn_ae.nn._image import check_image_shape
    >>> check_image_shape((3, -1, 4), 36)
    (3, 3, 4)
    """
    shape = tuple(image_shape) if not isinstance(image_shape, str) else (image_shape,)
    valid = len(shape) == 3 and all(isinstance(s, Integral) and (s > 0 or s == -1) for s in shape)
    if not valid or shape.count(-1) > 1:
        raise ValueError(
            f"image_shape must be three positive integers (channels, height, width), "
            f"one of which may be -1, got {image_shape!r}."
        )
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
        known = -math.prod(shape)
        if n_features % known:
            raise ValueError(
                f"image_shape={shape} cannot hold the {n_features} features of each row: "
                f"{n_features} is not a multiple of {known}."
            )
        shape = tuple(n_features // known if s == -1 else s for s in shape)
    channels, height, width = shape
    if channels * height * width != n_features:
        raise ValueError(
            f"image_shape={shape} describes {channels * height * width} values per "
            f"image, but X has {n_features} features per row."
        )
    return shape


def pad_to_multiple(images, multiple):
    """Pad images ``(n, C, H, W)`` at the bottom and right to a multiple of ``multiple``.

    The edge pixels are repeated. Returns the padded images; crop the
    network's output back with ``[..., :H, :W]``.
    """
    height, width = images.shape[-2:]
    padding = (0, -width % multiple, 0, -height % multiple)
    if not any(padding):
        return images
    # Replicate padding needs a 3-D or 4-D input and works for any size.
    return F.pad(images, padding, mode="replicate")


class ImageRows(nn.Module):
    """Turn flat rows into padded images and back.

    Each stage of an image network halves the height and width, so they
    must divide by ``multiple`` (2 to the number of stages). Images of any
    other size are padded on the bottom and right by repeating the edge
    pixels, and the network's output is cropped back to the original size:
    8x8 images with three stages, 28x28 or 5x1 images all work.

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)`` of one image.
    multiple : int
        Padded height and width are multiples of this.
    """

    def __init__(self, image_shape, multiple):
        super().__init__()
        self.image_shape = tuple(image_shape)
        channels, height, width = self.image_shape
        self.padded_shape = (
            channels,
            -(-height // multiple) * multiple,
            -(-width // multiple) * multiple,
        )
        self.padding = (0, self.padded_shape[2] - width, 0, self.padded_shape[1] - height)

    def to_images(self, x):
        """Fold rows into images, padded to the network's multiple.

        Parameters
        ----------
        x : torch.Tensor of shape (n, C * H * W)
            Flattened images.

        Returns
        -------
        images : torch.Tensor of shape (n, C, H', W')
            The images, edge pixels repeated to the padded size.
        """
        images = x.reshape(x.shape[0], *self.image_shape)
        if any(self.padding):
            # Replicate padding needs a 3-D or 4-D input and works for any size.
            images = F.pad(images, self.padding, mode="replicate")
        return images

    def to_rows(self, images):
        """Crop padded images and flatten them back to rows.

        Parameters
        ----------
        images : torch.Tensor of shape (n, C, H', W')
            Padded images, as from :meth:`to_images`.

        Returns
        -------
        x : torch.Tensor of shape (n, C * H * W)
            The flattened images, padding removed.
        """
        _, height, width = self.image_shape
        return images[:, :, :height, :width].reshape(images.shape[0], -1)


#: Values of the image networks' ``norm`` setting.
NORMS = (None, "group")


def check_norm(norm, owner):
    """``norm`` if it names a normalisation the image networks have."""
    if norm not in NORMS:
        raise ValueError(
            f"{owner}: architecture_params['norm'] must be None or 'group', got {norm!r}."
        )
    return norm


def group_norm(channels):
    """Group normalisation in groups of at least 4 channels, at most 8 groups.

    Unlike batch normalisation it has no running statistics, so a network
    computes the same function in training and in prediction.
    """
    most = min(8, max(1, channels // 4))
    groups = max(g for g in range(1, most + 1) if channels % g == 0)
    return nn.GroupNorm(groups, channels)


def conv_block(n_in, n_out, kernel_size, activation, dropout, *, stride=1, n_convs=1, norm=None):
    """``n_convs`` convolutions, each followed by the normalisation (if any),
    the activation and dropout."""
    layers = []
    for i in range(n_convs):
        layers.append(
            nn.Conv2d(
                n_in if i == 0 else n_out,
                n_out,
                kernel_size,
                stride=stride if i == 0 else 1,
                padding=kernel_size // 2,
            )
        )
        if norm == "group":
            layers.append(group_norm(n_out))
        layers += activation_layers(activation, dropout)
    return nn.Sequential(*layers)


def upsample_block(n_in, n_out, kernel_size, activation, dropout, *, last=False, norm=None):
    """Double height and width (nearest neighbour), then one convolution.

    Nearest upsampling followed by a convolution avoids the checkerboard
    artefacts of transposed convolutions (Odena et al., 2016).
    """
    layers = [
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(n_in, n_out, kernel_size, padding=kernel_size // 2),
    ]
    if not last:
        if norm == "group":
            layers.append(group_norm(n_out))
        layers += activation_layers(activation, dropout)
    return nn.Sequential(*layers)


def downsampling_stages(channels, kernel_size, activation, dropout):
    """Stride-2 convolutions through ``channels`` (input channels first)."""
    return [
        conv_block(n_in, n_out, kernel_size, activation, dropout, stride=2)
        for n_in, n_out in pairwise(channels)
    ]


def upsampling_stages(channels, kernel_size, activation, dropout):
    """Upsampling stages through ``channels``; the last one has no activation."""
    return [
        upsample_block(n_in, n_out, kernel_size, activation, dropout, last=i == len(channels) - 2)
        for i, (n_in, n_out) in enumerate(pairwise(channels))
    ]


def check_kernel_size(kernel_size, owner):
    """Odd, positive kernel sizes keep the image size at stride 1."""
    if not isinstance(kernel_size, Integral) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(
            f"{owner}: architecture_params['kernel_size'] must be an odd positive "
            f"integer, got {kernel_size!r}."
        )
    return int(kernel_size)
