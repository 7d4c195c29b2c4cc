"""U-Net: a convolutional encoder-decoder with skip connections at every scale."""

import torch
from torch import nn

from ._image import (
    ImageRows,
    check_image_shape,
    check_kernel_size,
    check_norm,
    conv_block,
    pad_to_multiple,
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
    convolutions. A 1x1 convolution maps the last feature map to the
    output's channels: the input's channels to denoise an image, one score
    per class to segment it (``out_channels``). With ``residual=True`` the
    network predicts the change to its input (the output is ``x +
    unet(x)``), which for denoising means it predicts the noise, as in
    DnCNN (Zhang et al., 2017).

    The skip connections carry the input around the bottleneck, so a U-Net
    has no code: it defines ``forward`` only and sets
    ``bypasses_code = True``. It suits jobs whose output is an image
    (denoising, segmentation), not dimensionality reduction or scoring by
    reconstruction. It is fully convolutional: :meth:`forward_images` maps
    images of any height and width, which is how a segmenter trained on
    crops predicts whole images.

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
    out_channels : int or None, default=None
        Channels of the output image; None gives the input's ``C``. Set by
        the estimators (the number of classes of a segmentation).
    kernel_size : int, default=3
        Odd size of every convolution kernel (an ``architecture_params`` key).
    residual : bool, default=True
        Add the input to the output (an ``architecture_params`` key); only
        possible when the output has the input's channels.
    norm : {None, "group"}, default=None
        Normalisation after each hidden convolution (an
        ``architecture_params`` key): None, or "group" for group
        normalisation (Wu and He, 2018), which computes the same function in
        training and prediction.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import UNet
    >>> module = UNet(3 * 5 * 7, image_shape=(3, 5, 7), hidden_layer_sizes=(4, 8))
    >>> module(torch.zeros(2, 105)).shape
    torch.Size([2, 105])
    >>> segmenter = UNet(3 * 5 * 7, image_shape=(3, 5, 7), hidden_layer_sizes=(4, 8),
    ...                  out_channels=2, residual=False, norm="group")
    >>> segmenter.forward_images(torch.zeros(2, 3, 9, 11)).shape
    torch.Size([2, 2, 9, 11])
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
        out_channels=None,
        kernel_size=3,
        residual=True,
        norm=None,
    ):
        super().__init__()
        owner = type(self).__name__
        image_shape = check_image_shape(image_shape, n_features)
        kernel_size = check_kernel_size(kernel_size, owner)
        norm = check_norm(norm, owner)
        if not isinstance(residual, bool):
            raise ValueError(
                f"{owner}: architecture_params['residual'] must be True or False, got {residual!r}."
            )
        channels = image_shape[0]
        out_channels = channels if out_channels is None else int(out_channels)
        if residual and out_channels != channels:
            raise ValueError(
                f"{owner}: residual=True adds the input to the output, which needs as many "
                f"output channels as input channels ({channels}), not {out_channels}; "
                "pass architecture_params={'residual': False}."
            )
        self.residual = residual
        widths = tuple(hidden_layer_sizes)
        self.multiple = 2 ** (len(widths) - 1)
        self.rows = ImageRows(image_shape, multiple=self.multiple)
        self.out_channels = out_channels
        block = {"kernel_size": kernel_size, "activation": activation, "dropout": dropout}
        self.down = nn.ModuleList(
            conv_block(n_in, n_out, **block, n_convs=2, norm=norm)
            for n_in, n_out in zip((channels, *widths), widths, strict=False)
        )
        self.pool = nn.AvgPool2d(2)
        self.up = nn.ModuleList(
            upsample_block(n_in, n_out, **block, norm=norm)
            for n_in, n_out in zip(widths[:0:-1], widths[-2::-1], strict=True)
        )
        self.merge = nn.ModuleList(
            conv_block(2 * width, width, **block, n_convs=2, norm=norm) for width in widths[-2::-1]
        )
        self.head = nn.Conv2d(widths[0], out_channels, 1)
        # Activations held per input pixel in inference, at most: the skip
        # connections of every stage (a quarter of the pixels per stage
        # down) and a few working copies of the widest, for bounded-memory
        # inference on tiles of any size.
        self.inference_values_per_pixel = 6 * sum(w / 4**i for i, w in enumerate(widths))

    def forward(self, x):
        """Map rows of images to rows of output images of the same size.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Flattened images, ``n_features = C * H * W``.

        Returns
        -------
        output : torch.Tensor of shape (n, out_channels * H * W)
            The output images, flattened.
        """
        return self.rows.to_rows(self._forward_padded(self.rows.to_images(x)))

    def forward_images(self, images):
        """Map images of any height and width to output images of that size.

        Parameters
        ----------
        images : torch.Tensor of shape (n, C, H, W)
            The images; ``H`` and ``W`` need not be those of ``image_shape``.

        Returns
        -------
        output : torch.Tensor of shape (n, out_channels, H, W)
            The output images.
        """
        height, width = images.shape[-2:]
        return self._forward_padded(pad_to_multiple(images, self.multiple))[..., :height, :width]

    def _forward_padded(self, images):
        """The network on images whose height and width divide by ``multiple``."""
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
        return out
