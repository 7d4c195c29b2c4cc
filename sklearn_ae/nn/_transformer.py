"""Transformer autoencoder: features (tables) or patches (images) as tokens."""

import math
import warnings

import torch
from torch import nn

from ._checks import check_integer, check_real
from ._image import check_image_shape
from ._mlp import ACTIVATIONS
from ._tokens import FeatureTokens, PatchTokens
from ._train_mode import LazyTrainMode

#: Past this many tokens, fit warns: attention's cost grows with its square.
WARN_TOKENS = 256
#: Past this many tokens the network is refused.
MAX_TOKENS = 1024
#: ``patch_size=None`` picks the smallest patches giving at most this many tokens.
AUTO_PATCH_TOKENS = 64


def _blocks(width, n_blocks, n_heads, activation, dropout):
    """``n_blocks`` pre-norm transformer encoder blocks of one width."""
    layer = nn.TransformerEncoderLayer(
        width,
        n_heads,
        dim_feedforward=2 * width,
        dropout=dropout,
        activation=ACTIVATIONS[activation](),
        batch_first=True,
        norm_first=True,
    )
    # Dropout on the attention weights rules out the fused attention kernel
    # (about 10x slower on CPU); dropout stays on the residual branches.
    layer.self_attn.dropout = 0.0
    # The nested-tensor fast path only serves padded sequences, which never occur here.
    return nn.TransformerEncoder(layer, n_blocks, enable_nested_tensor=False)


class TransformerAutoencoder(LazyTrainMode, nn.Module):
    """Self-attention over feature tokens (tables) or patch tokens (images).

    The encoder turns each row into tokens, prepends a learned [CLS]
    token, runs ``len(hidden_layer_sizes)`` transformer blocks and projects
    the [CLS] output to the code of ``n_components`` values. The decoder
    adds a linear image of the code to one learned query per token, runs
    as many blocks again, and projects each output token back to its
    feature (or patch of pixels). Every path from input to output passes
    through the code.

    - **Tables** (``image_shape=None``): one token per feature, ``x_j *
      w_j + b_j`` (FT-Transformer, Gorishniy et al., 2021).
    - **Images**: one token per ``patch_size`` x ``patch_size`` patch plus
      a learned position embedding (ViT, Dosovitskiy et al., 2021).

    With ``mask_ratio > 0`` training replaces that share of the tokens of
    each row with a learned [MASK] token, and the network must still
    reconstruct the whole row (masked autoencoding, He et al., 2022).
    Inference never masks.

    Attention costs grow with the square of the number of tokens: past
    ``WARN_TOKENS`` (256) tokens the constructor warns, past ``MAX_TOKENS``
    (1024) it refuses; use larger patches or ``architecture="mlp"``.

    Parameters
    ----------
    n_features : int
        Values per row.
    n_components : int, default=8
        Size of the code ``z``.
    hidden_layer_sizes : tuple of int, default=(32,)
        One entry per block (in the encoder, and again in the decoder): the
        token width, equal for all blocks.
    activation : str, default="relu"
        Activation of the blocks' feed-forward layers, one of
        :data:`~sklearn_ae.nn.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout on the blocks' residual branches and feed-forward layers
        (not on the attention weights, which would rule out the fused
        attention kernel).
    image_shape : tuple of int or None, default=None
        ``(C, H, W)`` for image rows; None for tables.
    n_heads : int, default=2
        Attention heads per block; must divide the width (an
        ``architecture_params`` key, like the next three).
    patch_size : int or None, default=None
        Patch height and width for images; None picks the smallest size
        giving at most 64 patches.
    mask_ratio : float, default=0.0
        Share of tokens masked in each training row, in [0, 1).
    out_channels : int or None, default=None
        Images only: channels of the output image; None gives the input's.
        Set by the estimators (the number of classes of a segmentation).

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import TransformerAutoencoder
    >>> module = TransformerAutoencoder(5, n_components=2, hidden_layer_sizes=(8,), n_heads=2)
    >>> module.encode(torch.zeros(3, 5)).shape
    torch.Size([3, 2])
    >>> module(torch.zeros(3, 5)).shape
    torch.Size([3, 5])
    """

    default_hidden_layer_sizes = (32,)

    def __init__(
        self,
        n_features,
        n_components=8,
        hidden_layer_sizes=(32,),
        activation="relu",
        dropout=0.0,
        image_shape=None,
        n_heads=2,
        patch_size=None,
        mask_ratio=0.0,
        out_channels=None,
    ):
        super().__init__()
        owner = type(self).__name__
        widths = set(hidden_layer_sizes)
        if len(widths) != 1:
            raise ValueError(
                f"{owner}: hidden_layer_sizes gives the token width of each block, which "
                f"must be the same for all blocks, got {tuple(hidden_layer_sizes)}."
            )
        width = widths.pop()
        n_heads = check_integer(n_heads, "n_heads", owner, minimum=1)
        if width % n_heads:
            raise ValueError(
                f"{owner}: the token width {width} (hidden_layer_sizes) must be a multiple "
                f"of architecture_params['n_heads']={n_heads}."
            )
        self.mask_ratio = check_real(
            mask_ratio, "mask_ratio", owner, low=0, high=1, high_closed=False
        )
        if image_shape is None:
            if out_channels is not None:
                raise ValueError(f"{owner}: out_channels needs image_shape (an image output).")
            if patch_size is not None:
                raise ValueError(
                    f"{owner}: architecture_params['patch_size'] needs image_shape; "
                    "tables have one token per feature."
                )
            self.tokens = FeatureTokens(n_features, width)
        else:
            image_shape = check_image_shape(image_shape, n_features)
            if patch_size is None:
                _, height, width_px = image_shape
                patch_size = math.ceil(math.sqrt(height * width_px / AUTO_PATCH_TOKENS))
            patch_size = check_integer(patch_size, "patch_size", owner, minimum=1)
            self.tokens = PatchTokens(image_shape, width, patch_size, out_channels)
        n_tokens = self.tokens.n_tokens
        unit = "features" if image_shape is None else "patches"
        if n_tokens > MAX_TOKENS:
            raise ValueError(
                f"{owner}: {n_tokens} tokens ({unit}) is more than the {MAX_TOKENS} this "
                "network accepts: attention's time and memory grow with the square of the "
                "number of tokens. "
                + (
                    "Use architecture='mlp', or reduce the features first (e.g. PCA)."
                    if image_shape is None
                    else "Use a larger architecture_params['patch_size'], or architecture='conv'."
                )
            )
        if n_tokens > WARN_TOKENS:
            warnings.warn(
                f"{owner}: {n_tokens} tokens ({unit}); attention's cost grows with the "
                f"square of the number of tokens, so training will be slow past {WARN_TOKENS}.",
                UserWarning,
                stacklevel=2,
            )
        n_blocks = len(hidden_layer_sizes)
        self.cls_token = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.mask_token = nn.Parameter(torch.randn(width) * 0.02)
        self.encoder = _blocks(width, n_blocks, n_heads, activation, dropout)
        self.to_code = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, n_components))
        self.from_code = nn.Linear(n_components, width)
        self.queries = nn.Parameter(torch.randn(n_tokens, width) * 0.02)
        self.decoder = _blocks(width, n_blocks, n_heads, activation, dropout)
        self.out_norm = nn.LayerNorm(width)
        # Activations per row at the widest point, for bounded-memory inference.
        self.inference_values_per_row = (n_tokens + 1) * max(4 * width, n_heads * (n_tokens + 1))

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
        tokens = self.tokens.embed(x)
        if self.training and self.mask_ratio > 0:
            masked = torch.rand(tokens.shape[:2], device=tokens.device) < self.mask_ratio
            tokens = torch.where(masked.unsqueeze(-1), self.mask_token, tokens)
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        encoded = self.encoder(torch.cat([cls, tokens], dim=1))
        return self.to_code(encoded[:, 0])

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
        queries = self.from_code(z).unsqueeze(1) + self.queries
        return self.tokens.unembed(self.out_norm(self.decoder(queries)))

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
