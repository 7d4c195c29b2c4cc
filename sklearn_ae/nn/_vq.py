"""Vector-quantised autoencoder: the code is made of codebook entries."""

from torch import nn

from ._checks import check_integer, check_real
from ._image import (
    ImageRows,
    check_image_shape,
    check_kernel_size,
    downsampling_stages,
    upsampling_stages,
)
from ._mlp import MLPAutoencoder, activation_layers
from ._quantizer import VectorQuantizer
from ._train_mode import LazyTrainMode


class VQAutoencoder(LazyTrainMode, nn.Module):
    """An autoencoder whose code is a sequence of learned codebook entries.

    The encoder's output is cut into vectors, each replaced by its nearest
    entry of one shared codebook of ``codebook_size`` vectors (see
    :class:`~sklearn_ae.nn.VectorQuantizer`: straight-through gradients,
    commitment loss, entries updated by moving averages, unused entries
    restarted). The code is the sequence of entries, and each row can be
    written as their integer indices (:meth:`codebook_indices`).

    - **Tables** (``image_shape=None``): an MLP encoder and decoder as in
      :class:`~sklearn_ae.nn.MLPAutoencoder`; the code of ``n_components``
      values is cut into ``n_groups`` groups of ``n_components / n_groups``
      values.
    - **Images**: strided convolutions as in
      :class:`~sklearn_ae.nn.ConvAutoencoder`, then a 1x1 convolution to
      ``n_components`` channels; each spatial position of the smallest
      feature map is one vector (VQ-VAE, van den Oord et al., 2017). The
      code then has ``n_components`` values per position, so its size
      ``code_size`` is ``n_components * positions``.

    Parameters
    ----------
    n_features : int
        Values per row.
    n_components : int, default=8
        Tables: size of the code. Images: size of each position's vector.
    hidden_layer_sizes : tuple of int, default=(128,)
        Widths of the MLP's hidden layers, or channels of each down-sampling
        stage for images (the estimators' default there is (32, 64)).
    activation : str, default="relu"
        One of :data:`~sklearn_ae.nn.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    image_shape : tuple of int or None, default=None
        ``(C, H, W)`` for image rows; None for tables.
    codebook_size : int, default=64
        Number of codebook entries (an ``architecture_params`` key, like
        the following).
    n_groups : int or None, default=None
        Tables only: vectors per code; must divide ``n_components``. None
        means one vector per code value (scalar entries).
    commitment : float, default=0.25
        Weight of the commitment loss added to the training loss.
    decay : float, default=0.99
        Decay of the codebook's moving averages, in [0, 1).
    restart_threshold : float, default=1.0
        Entries chosen by fewer vectors per batch (moving average) are
        restarted at random encoder outputs.
    kernel_size : int, default=3
        Images only: odd size of every convolution kernel.

    Attributes
    ----------
    code_size : int
        Values in the code of one row.
    n_positions : int
        Codebook entries per row.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import VQAutoencoder
    >>> module = VQAutoencoder(5, n_components=4, hidden_layer_sizes=(8,), n_groups=2)
    >>> module.encode(torch.zeros(3, 5)).shape
    torch.Size([3, 4])
    >>> module.codebook_indices(torch.zeros(3, 5)).shape
    torch.Size([3, 2])
    """

    default_hidden_layer_sizes = (128,)
    default_image_hidden_layer_sizes = (32, 64)

    def __init__(
        self,
        n_features,
        n_components=8,
        hidden_layer_sizes=(128,),
        activation="relu",
        dropout=0.0,
        image_shape=None,
        codebook_size=64,
        n_groups=None,
        commitment=0.25,
        decay=0.99,
        restart_threshold=1.0,
        kernel_size=3,
    ):
        super().__init__()
        owner = type(self).__name__
        codebook_size = check_integer(codebook_size, "codebook_size", owner, minimum=2)
        commitment = check_real(commitment, "commitment", owner, low=0, high=float("inf"))
        decay = check_real(decay, "decay", owner, low=0, high=1, high_closed=False)
        restart_threshold = check_real(
            restart_threshold, "restart_threshold", owner, low=0, high=float("inf")
        )
        kernel_size = check_kernel_size(kernel_size, owner)
        self.image_shape = (
            None if image_shape is None else check_image_shape(image_shape, n_features)
        )
        if self.image_shape is None:
            n_groups = n_components if n_groups is None else n_groups
            n_groups = check_integer(n_groups, "n_groups", owner, minimum=1)
            if n_components % n_groups:
                raise ValueError(
                    f"{owner}: architecture_params['n_groups']={n_groups} must divide "
                    f"n_components={n_components}."
                )
            self.backbone = MLPAutoencoder(
                n_features, hidden_layer_sizes, n_components, activation, dropout
            )
            self.n_positions, dim = n_groups, n_components // n_groups
        else:
            if n_groups is not None:
                raise ValueError(
                    f"{owner}: architecture_params['n_groups'] is for tables; on images "
                    "each spatial position of the smallest feature map is one vector."
                )
            self._build_image_networks(
                hidden_layer_sizes, n_components, activation, dropout, kernel_size
            )
            dim = n_components
        self.code_size = self.n_positions * dim
        self.quantizer = VectorQuantizer(codebook_size, dim, commitment, decay, restart_threshold)

    def _build_image_networks(self, widths, n_components, activation, dropout, kernel_size):
        widths = tuple(widths)
        self.rows = ImageRows(self.image_shape, multiple=2 ** len(widths))
        channels, height, width = self.rows.padded_shape
        self.grid = (n_components, height >> len(widths), width >> len(widths))
        self.n_positions = self.grid[1] * self.grid[2]
        stages = [channels, *widths]
        self.encoder = nn.Sequential(
            *downsampling_stages(stages, kernel_size, activation, dropout),
            nn.Conv2d(widths[-1], n_components, 1),
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(n_components, widths[-1], 1),
            *activation_layers(activation, dropout),
            *upsampling_stages(stages[::-1], kernel_size, activation, dropout),
        )

    def _vectors(self, x):
        """Encoder outputs as one vector per row and position, (n * positions, dim)."""
        if self.image_shape is None:
            return self.backbone.encode(x).reshape(-1, self.code_size // self.n_positions)
        maps = self.encoder(self.rows.to_images(x))  # (n, dim, h, w)
        return maps.permute(0, 2, 3, 1).reshape(-1, maps.shape[1])

    def _code(self, vectors, n):
        """Quantised vectors back to codes of shape (n, code_size)."""
        if self.image_shape is None:
            return vectors.reshape(n, self.code_size)
        dim, height, width = self.grid
        return vectors.reshape(n, height, width, dim).permute(0, 3, 1, 2).reshape(n, -1)

    def encode(self, x):
        """Map rows to quantised codes.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        z : torch.Tensor of shape (n, code_size)
            The codes, made of codebook entries.
        """
        quantized, _ = self.quantizer(self._vectors(x))
        return self._code(quantized, x.shape[0])

    def codebook_indices(self, x):
        """Find the codebook entry chosen at each position of each row's code.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        indices : torch.Tensor of shape (n, n_positions), dtype int64
            Index into the codebook of each code vector.
        """
        return self.quantizer.nearest(self._vectors(x)).reshape(x.shape[0], self.n_positions)

    def decode(self, z):
        """Map codes back to rows.

        Parameters
        ----------
        z : torch.Tensor of shape (n, code_size)
            Codes, as returned by :meth:`encode`.

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The decoded rows.
        """
        if self.image_shape is None:
            return self.backbone.decode(z)
        maps = z.reshape(z.shape[0], *self.grid)
        return self.rows.to_rows(self.decoder(maps))

    def decode_indices(self, indices):
        """Map codebook indices to rows: look up the entries, then decode.

        Parameters
        ----------
        indices : torch.Tensor of shape (n, n_positions), int
            Index into the codebook at each position, as returned by
            :meth:`codebook_indices` (or drawn from a prior over them).

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The decoded rows.
        """
        vectors = self.quantizer.codebook[indices.long().reshape(-1)]
        return self.decode(self._code(vectors, indices.shape[0]))

    def forward(self, x):
        """Reconstruct rows from their quantised codes.

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

    def auxiliary_loss(self):
        """Return the commitment loss of the last training batch, then forget it.

        Returns
        -------
        loss : torch.Tensor or None
            A scalar, or None when no training batch ran since the last call.
        """
        loss, self.quantizer.loss = self.quantizer.loss, None
        return loss
