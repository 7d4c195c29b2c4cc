"""U-Net: a convolutional encoder-decoder with skip connections at every scale."""

import torch
from torch import nn

from ._image import (
    ImageRows,
    check_image_shape,
    check_kernel_size,
    conv_block,
    upsample_block,
)
from ._train_mode import LazyTrainMode


class UNet(LazyTrainMode, nn.Module):
    """U-Net (Ronneberger et al., 2015) for images given as flat rows.

    Stage ``i`` applies two convolutions with ``hidden_layer_sizes[i]``
    channels; between stages the encoder halves the height and width
    (average pooling) and the decoder doubles them again (nearest-neighbour
    upsampling and a convolution), then concatenates the encoder's feature
    map of the same scale (the skip connection) before its two
    convolutions. With ``residual=True`` the network predicts the change to
    its input (the output is ``x + unet(x)``), which for denoising means it
    predicts the noise, as in DnCNN (Zhang et al., 2017).

    The skip connections carry the input around the bottleneck, so a U-Net
    has no code: it defines ``forward`` only and sets
    ``bypasses_code = True``. It suits jobs whose output is an image
    (denoising), not dimensionality reduction or scoring by reconstruction.

    Parameters
    ----------
    n_features : int
        Values per row, ``C * H * W``.
    image_shape : tuple of int
        ``(C, H, W)`` of one image.
    hidden_layer_sizes : tuple of int, default=(16, 32, 64)
        Channels of each stage, from full resolution down; there are
        ``len(hidden_layer_sizes) - 1`` down-samplings.
    activation : str, default="relu"
        One of :data:`~sklearn_ae.nn.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    kernel_size : int, default=3
        Odd size of every convolution kernel (an ``architecture_params`` key).
    residual : bool, default=True
        Add the input to the output (an ``architecture_params`` key).

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import UNet
    >>> module = UNet(3 * 5 * 7, image_shape=(3, 5, 7), hidden_layer_sizes=(4, 8))
    >>> module(torch.zeros(2, 105)).shape
    torch.Size([2, 105])
    """

    bypasses_code = True
    default_hidden_layer_sizes = (16, 32, 64)
    default_batch_size = 32

    def __init__(
        self,
        n_features,
        image_shape,
        hidden_layer_sizes=(16, 32, 64),
        activation="relu",
        dropout=0.0,
        kernel_size=3,
        residual=True,
    ):
        super().__init__()
        image_shape = check_image_shape(image_shape, n_features)
        kernel_size = check_kernel_size(kernel_size, type(self).__name__)
        if not isinstance(residual, bool):
            raise ValueError(
                f"UNet: architecture_params['residual'] must be True or False, got {residual!r}."
            )
        self.residual = residual
        widths = tuple(hidden_layer_sizes)
        self.rows = ImageRows(image_shape, multiple=2 ** (len(widths) - 1))
        channels = image_shape[0]
        block = {"kernel_size": kernel_size, "activation": activation, "dropout": dropout}
        self.down = nn.ModuleList(
            conv_block(n_in, n_out, **block, n_convs=2)
            for n_in, n_out in zip((channels, *widths), widths, strict=False)
        )
        self.pool = nn.AvgPool2d(2)
        self.up = nn.ModuleList(
            upsample_block(n_in, n_out, **block)
            for n_in, n_out in zip(widths[:0:-1], widths[-2::-1], strict=True)
        )
        self.merge = nn.ModuleList(
            conv_block(2 * width, width, **block, n_convs=2) for width in widths[-2::-1]
        )
        self.head = nn.Conv2d(widths[0], channels, 1)

    def forward(self, x):
        """Map rows of images to rows of images of the same shape.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Flattened images, ``n_features = C * H * W``.

        Returns
        -------
        output : torch.Tensor of shape (n, n_features)
            The output images, flattened.
        """
        images = self.rows.to_images(x)
        skips = []
        h = images
        for i, stage in enumerate(self.down):
            if i > 0:
                h = self.pool(h)
            h = stage(h)
            skips.append(h)
        for up, merge, skip in zip(self.up, self.merge, skips[-2::-1], strict=True):
            h = merge(torch.cat([up(h), skip], dim=1))
        out = self.head(h)
        if self.residual:
            out = out + images
        return self.rows.to_rows(out)
