"""Convolutional autoencoder for images given as flat rows."""

import math

from torch import nn

from ._image import (
    ImageRows,
    check_image_shape,
    check_kernel_size,
    downsampling_stages,
    upsampling_stages,
)
from ._mlp import ACTIVATIONS
from ._train_mode import LazyTrainMode


class ConvAutoencoder(LazyTrainMode, nn.Module):
    """Strided convolutional encoder, a linear code, a mirrored upsampling decoder.

    Each encoder stage is a convolution of stride 2 (height and width
    halve) with ``hidden_layer_sizes[i]`` output channels; a linear layer
    maps the last stage to the code of ``n_components`` values. The decoder
    mirrors it: a linear layer back to the smallest feature map, then per
    stage a nearest-neighbour upsampling and a convolution. The code and the
    output are linear. Rows are flat images of ``image_shape``; sizes that
    do not divide by ``2 ** len(hidden_layer_sizes)`` are padded and cropped
    inside the module.

    Parameters
    ----------
    n_features : int
        Values per row, ``C * H * W``.
    image_shape : tuple of int
        ``(C, H, W)`` of one image.
    hidden_layer_sizes : tuple of int, default=(32, 64)
        Channels of each down-sampling stage.
    n_components : int, default=16
        Size of the code ``z``.
    activation : str, default="relu"
        One of :data:`~sklearn_ae.nn.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    out_channels : int or None, default=None
        Channels of the output image; None gives the input's ``C``. Set by
        the estimators (the number of classes of a segmentation).
    kernel_size : int, default=3
        Odd size of every convolution kernel (an ``architecture_params`` key).

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import ConvAutoencoder
    >>> module = ConvAutoencoder(28 * 28, image_shape=(1, 28, 28), n_components=4)
    >>> module.encode(torch.zeros(3, 784)).shape
    torch.Size([3, 4])
    >>> module(torch.zeros(3, 784)).shape
    torch.Size([3, 784])
    """

    default_hidden_layer_sizes = (32, 64)
    default_batch_size = 32

    def __init__(
        self,
        n_features,
        image_shape,
        hidden_layer_sizes=(32, 64),
        n_components=16,
        activation="relu",
        dropout=0.0,
        out_channels=None,
        kernel_size=3,
    ):
        super().__init__()
        image_shape = check_image_shape(image_shape, n_features)
        kernel_size = check_kernel_size(kernel_size, type(self).__name__)
        widths = tuple(hidden_layer_sizes)
        self.rows = ImageRows(image_shape, multiple=2 ** len(widths))
        channels, height, width = self.rows.padded_shape
        smallest = (widths[-1], height >> len(widths), width >> len(widths))
        stages = [channels, *widths]
        self.encoder = nn.Sequential(
            *downsampling_stages(stages, kernel_size, activation, dropout),
            nn.Flatten(),
            nn.Linear(math.prod(smallest), n_components),
        )
        self.decoder = nn.Sequential(
            nn.Linear(n_components, math.prod(smallest)),
            ACTIVATIONS[activation](),
            nn.Unflatten(1, smallest),
            *upsampling_stages(
                [*stages[:0:-1], out_channels or channels], kernel_size, activation, dropout
            ),
        )

    def encode(self, x):
        """Map rows to codes.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        z : torch.Tensor of shape (n, n_components)
            The codes.
        """
        return self.encoder(self.rows.to_images(x))

    def decode(self, z):
        """Map codes back to rows.

        Parameters
        ----------
        z : torch.Tensor of shape (n, n_components)
            Codes, as returned by :meth:`encode`.

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The decoded rows.
        """
        return self.rows.to_rows(self.decoder(z))

    def forward(self, x):
        """Reconstruct rows: ``decode(encode(x))``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The reconstructions.
        """
        return self.decode(self.encode(x))
