"""A learned codebook: vector quantisation with EMA updates and restarts."""

import torch
import torch.nn.functional as F
from torch import nn


class VectorQuantizer(nn.Module):
    """Replace each vector by its nearest codebook entry (VQ-VAE).

    Gradients pass straight through the quantisation to the encoder (van
    den Oord et al., 2017). The codebook is not trained by the optimizer:
    each entry moves to the exponential moving average of the vectors
    assigned to it, and a commitment loss pulls the encoder's outputs
    toward their entries. Two later practices keep the codebook in use:
    entries start as random vectors of the first training batch, and an
    entry whose average assignment count falls below ``restart_threshold``
    is restarted at a random vector of the current batch (as in Jukebox,
    Dhariwal et al., 2020).

    Parameters
    ----------
    codebook_size : int
        Number of entries.
    dim : int
        Size of each entry (and of each quantised vector).
    commitment : float, default=0.25
        Weight of the commitment loss ``||z - sg(q)||^2``.
    decay : float, default=0.99
        Decay of the moving averages.
    restart_threshold : float, default=1.0
        Entries assigned fewer vectors than this per batch, on (moving)
        average, are restarted.

    Attributes
    ----------
    loss : torch.Tensor
        Commitment loss of the last training batch.
    """

    def __init__(self, codebook_size, dim, commitment=0.25, decay=0.99, restart_threshold=1.0):
        super().__init__()
        self.commitment = commitment
        self.decay = decay
        self.restart_threshold = restart_threshold
        self.register_buffer("codebook", torch.zeros(codebook_size, dim))
        self.register_buffer("cluster_size", torch.zeros(codebook_size))
        self.register_buffer("vector_sum", torch.zeros(codebook_size, dim))
        self.register_buffer("initialized", torch.tensor(False))
        self.loss = torch.tensor(0.0)

    def nearest(self, z):
        """Find the nearest codebook entry of each vector.

        Parameters
        ----------
        z : torch.Tensor of shape (n, dim)
            Vectors to quantise.

        Returns
        -------
        indices : torch.Tensor of shape (n,), dtype int64
            Index of the nearest entry of each vector.
        """
        distances = (
            z.square().sum(1, keepdim=True)
            - 2 * z @ self.codebook.T
            + self.codebook.square().sum(1)
        )
        return distances.argmin(1)

    def forward(self, z):
        """Quantise vectors: replace each with its nearest codebook entry.

        In training, the commitment loss is stored in ``loss`` and the
        codebook follows moving averages of the vectors each entry wins.

        Parameters
        ----------
        z : torch.Tensor of shape (n, dim)
            Vectors to quantise.

        Returns
        -------
        quantized : torch.Tensor of shape (n, dim)
            The entries, with straight-through gradients to ``z``.
        indices : torch.Tensor of shape (n,), dtype int64
            Index of each vector's entry.
        """
        if self.training and not self.initialized:
            self._initialize(z.detach())
        indices = self.nearest(z.detach())
        quantized = self.codebook[indices]
        if self.training:
            self.loss = self.commitment * F.mse_loss(z, quantized)
            self._update(z.detach(), indices)
        # Straight-through: the forward value is q, the gradient goes to z.
        return z + (quantized - z).detach(), indices

    @torch.no_grad()
    def _initialize(self, z):
        self.codebook.copy_(z[self._random_rows(z, len(self.codebook))])
        self.vector_sum.copy_(self.codebook)
        self.cluster_size.fill_(1.0)
        self.initialized.fill_(True)

    @torch.no_grad()
    def _update(self, z, indices):
        size = len(self.codebook)
        counts = torch.bincount(indices, minlength=size).to(z.dtype)
        sums = torch.zeros_like(self.vector_sum).index_add_(0, indices, z)
        self.cluster_size.lerp_(counts, 1 - self.decay)
        self.vector_sum.lerp_(sums, 1 - self.decay)
        # Laplace smoothing keeps rarely used entries from dividing by ~0.
        total = self.cluster_size.sum()
        smoothed = (self.cluster_size + 1e-5) / (total + size * 1e-5) * total
        self.codebook.copy_(self.vector_sum / smoothed.unsqueeze(1))
        dead = self.cluster_size < self.restart_threshold
        n_dead = int(dead.sum())
        if n_dead:
            restart = z[self._random_rows(z, n_dead)]
            self.codebook[dead] = restart
            self.vector_sum[dead] = restart * self.restart_threshold
            self.cluster_size[dead] = self.restart_threshold

    @staticmethod
    def _random_rows(z, n):
        """``n`` random row indices of ``z`` (distinct when there are enough rows)."""
        if len(z) >= n:
            return torch.randperm(len(z), device=z.device)[:n]
        return torch.randint(len(z), (n,), device=z.device)
