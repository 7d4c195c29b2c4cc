"""Rows to tokens and back, for the transformer autoencoder.

A tokenizer turns a batch of rows ``(n, n_features)`` into tokens
``(n, n_tokens, width)`` (``embed``) and a batch of output tokens back into
rows (``unembed``).
"""

import math

import torch
from torch import nn

from ._image import ImageRows


class FeatureTokens(nn.Module):
    """One token per feature: ``x_j * w_j + b_j`` (FT-Transformer).

    Each feature has its own embedding vector and bias (Gorishniy et al.,
    2021), so the tokens also tell the features apart: no position
    embedding is needed. Unembedding projects token ``j`` back to feature
    ``j`` with its own output vector.

    Parameters
    ----------
    n_features : int
        Features per row, one token each.
    width : int
        Size of each token.
    """

    def __init__(self, n_features, width):
        super().__init__()
        self.n_tokens = n_features
        bound = 1 / math.sqrt(width)
        self.weight = nn.Parameter(torch.empty(n_features, width).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_features, width).uniform_(-bound, bound))
        self.out_weight = nn.Parameter(torch.empty(n_features, width).uniform_(-bound, bound))
        self.out_bias = nn.Parameter(torch.zeros(n_features))

    def embed(self, x):
        """Rows (n, n_features) to tokens (n, n_features, width)."""
        return x.unsqueeze(-1) * self.weight + self.bias

    def unembed(self, tokens):
        """Tokens (n, n_features, width) to rows (n, n_features)."""
        return (tokens * self.out_weight).sum(-1) + self.out_bias


class PatchTokens(nn.Module):
    """One token per square patch of an image, with a learned position (ViT).

    Images whose height or width does not divide by ``patch_size`` are
    padded (edge pixels repeated) and the output is cropped back.

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)`` of one image.
    width : int
        Size of each token.
    patch_size : int
        Height and width of each patch.
    out_channels : int or None, default=None
        Channels of the output image; None gives the input's.
    """

    def __init__(self, image_shape, width, patch_size, out_channels=None):
        super().__init__()
        self.rows = ImageRows(image_shape, multiple=patch_size)
        self.patch_size = patch_size
        channels, height, width_px = self.rows.padded_shape
        self.out_channels = out_channels or channels
        self.grid = (height // patch_size, width_px // patch_size)
        self.n_tokens = self.grid[0] * self.grid[1]
        patch_size_2 = patch_size * patch_size
        self.embedding = nn.Linear(channels * patch_size_2, width)
        self.position = nn.Parameter(torch.randn(self.n_tokens, width) * 0.02)
        self.unembedding = nn.Linear(width, self.out_channels * patch_size_2)

    def embed(self, x):
        """Rows (n, C*H*W) to tokens (n, n_patches, width)."""
        images = self.rows.to_images(x)
        n, channels = images.shape[:2]
        (rows, cols), p = self.grid, self.patch_size
        patches = images.reshape(n, channels, rows, p, cols, p).permute(0, 2, 4, 1, 3, 5)
        return self.embedding(patches.reshape(n, rows * cols, -1)) + self.position

    def unembed(self, tokens):
        """Tokens (n, n_patches, width) to rows (n, out_channels*H*W)."""
        n = tokens.shape[0]
        channels = self.out_channels
        (rows, cols), p = self.grid, self.patch_size
        patches = self.unembedding(tokens).reshape(n, rows, cols, channels, p, p)
        images = patches.permute(0, 3, 1, 4, 2, 5).reshape(n, channels, rows * p, cols * p)
        return self.rows.to_rows(images)
