"""An autoregressive prior over codebook indices: the second stage of a VQ-VAE."""

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_integer, check_real
from ._diffusion import P_UNCONDITIONAL
from ._train_mode import LazyTrainMode
from ._transformer import _blocks


class CodePrior(LazyTrainMode, nn.Module):
    """A causal transformer that predicts each codebook index from those before it.

    A row's code is a sequence of ``n_positions`` codebook indices (the
    positions of the latent grid in raster order, or the groups of a table's
    code). The sequence starts with a start token: the row's class in a
    class-conditional prior (as a class or text token starts DALL·E's
    sequences), or the token ``n_classes`` that stands for no class. In
    training, ``P_UNCONDITIONAL`` of a conditional prior's sequences lose
    their class, so that one network also models the codes without it, which
    classifier-free guidance needs (Ho and Salimans, 2022).
    Each index is embedded, a learned position embedding is added, and
    ``n_blocks`` pre-norm transformer blocks with causal attention predict
    the next index (van den Oord et al., 2017; Esser et al., 2021).

    Sequences are integer tensors ``(n, 1 + n_positions)``: the start
    token's index, then the codebook indices. The training target is the
    sequence itself.

    Parameters
    ----------
    n_positions : int
        Codebook indices per row.
    codebook_size : int
        Number of codebook entries.
    n_classes : int, default=0
        Classes of a class-conditional prior; 0 for an unconditional one,
        whose sequences all start with token 0.
    width : int, default=64
        Width of the token embeddings and blocks.
    n_blocks : int, default=2
        Transformer blocks.
    n_heads : int, default=4
        Attention heads per block; must divide ``width``.
    dropout : float, default=0.2
        Dropout on the blocks' residual branches and on the embeddings.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import CodePrior
    >>> prior = CodePrior(n_positions=4, codebook_size=8, width=16, n_heads=2)
    >>> sequences = torch.zeros(3, 5, dtype=torch.long)
    >>> prior.log_prob(sequences).shape
    torch.Size([3])
    >>> prior.sample(torch.zeros(3, dtype=torch.long)).shape
    torch.Size([3, 4])
    """

    def __init__(
        self,
        n_positions,
        codebook_size,
        n_classes=0,
        width=64,
        n_blocks=2,
        n_heads=4,
        dropout=0.2,
    ):
        super().__init__()
        owner = type(self).__name__
        self.n_positions = check_integer(n_positions, "n_positions", owner, minimum=1)
        self.codebook_size = check_integer(codebook_size, "codebook_size", owner, minimum=2)
        self.n_classes = check_integer(n_classes, "n_classes", owner, minimum=0)
        width = check_integer(width, "width", owner, minimum=1)
        n_blocks = check_integer(n_blocks, "n_blocks", owner, minimum=1)
        n_heads = check_integer(n_heads, "n_heads", owner, minimum=1)
        dropout = check_real(dropout, "dropout", owner, low=0, high=1, high_closed=False)
        if width % n_heads:
            raise ValueError(f"{owner}: n_heads={n_heads} must divide width={width}.")
        self.start = nn.Embedding(self.n_classes + 1, width)
        self.tokens = nn.Embedding(self.codebook_size, width)
        self.position = nn.Parameter(torch.randn(self.n_positions, width) * 0.02)
        self.embedding_dropout = nn.Dropout(dropout)
        self.blocks = _blocks(width, n_blocks, n_heads, "gelu", dropout)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, self.codebook_size)
        causal = nn.Transformer.generate_square_subsequent_mask(self.n_positions)
        self.register_buffer("causal_mask", causal, persistent=False)

    def logits(self, prefixes):
        """Score the next index after every prefix of each sequence.

        Parameters
        ----------
        prefixes : torch.Tensor of shape (n, length), int
            Start token, then the first ``length - 1`` codebook indices
            (``1 <= length <= n_positions``).

        Returns
        -------
        logits : torch.Tensor of shape (n, length, codebook_size)
            Unnormalised log-probabilities of the index at each position
            given the indices before it.
        """
        prefixes = prefixes.long()
        length = prefixes.shape[1]
        h = torch.cat([self.start(prefixes[:, :1]), self.tokens(prefixes[:, 1:])], dim=1)
        h = self.embedding_dropout(h + self.position[:length])
        mask = self.causal_mask[:length, :length]
        h = self.blocks(h, mask=mask, is_causal=True)
        return self.head(self.norm(h))

    def forward(self, sequences):
        """Predict every codebook index of the sequences from those before it.

        Parameters
        ----------
        sequences : torch.Tensor of shape (n, 1 + n_positions), int
            Start token, then the codebook indices.

        Returns
        -------
        logits : torch.Tensor of shape (n, n_positions, codebook_size)
            Scores of each index given the sequence before it.
        """
        prefixes = sequences[:, :-1].long()
        if self.training and self.n_classes:
            dropped = torch.rand(len(prefixes), device=prefixes.device) < P_UNCONDITIONAL
            starts = prefixes[:, 0].masked_fill(dropped, self.n_classes)
            prefixes = torch.cat([starts[:, None], prefixes[:, 1:]], dim=1)
        return self.logits(prefixes)

    def loss(self, logits, sequences):
        """Cross-entropy of the codebook indices, in nats per index.

        Parameters
        ----------
        logits : torch.Tensor of shape (n, n_positions, codebook_size)
            What :meth:`forward` returned for the batch.
        sequences : torch.Tensor of shape (n, 1 + n_positions), int
            The batch itself.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        targets = sequences[:, 1:].long()
        return F.cross_entropy(logits.reshape(-1, self.codebook_size), targets.reshape(-1))

    def log_prob(self, sequences):
        """Log-probability of each sequence's codebook indices given its start token.

        Parameters
        ----------
        sequences : torch.Tensor of shape (n, 1 + n_positions)
            Start token, then the codebook indices (integers, or floats
            holding integers).

        Returns
        -------
        log_prob : torch.Tensor of shape (n,)
            Sum over positions of log p(index | start, indices before), in nats.
        """
        sequences = sequences.long()
        log_probs = self.forward(sequences).log_softmax(dim=-1)
        return log_probs.gather(2, sequences[:, 1:, None]).squeeze(2).sum(dim=1)

    def sample(self, starts, generator=None, temperature=1.0, top_k=None, top_p=None, guidance=0.0):
        """Draw codebook indices one position at a time.

        Parameters
        ----------
        starts : torch.Tensor of shape (n,), int
            The start token of each sequence (its class, or 0).
        generator : torch.Generator or None, default=None
            Source of the random draws.
        temperature : float, default=1.0
            Divides the logits: below 1 favours likely indices.
        top_k : int or None, default=None
            Draw only among the ``top_k`` most likely indices at each position.
        top_p : float or None, default=None
            Draw only among the most likely indices whose probabilities add
            up to ``top_p`` (nucleus sampling, Holtzman et al., 2020).
        guidance : float, default=0.0
            Classifier-free guidance strength w for a conditional prior: the
            logits are ``(1 + w) logits(class) - w logits(no class)``.

        Returns
        -------
        indices : torch.Tensor of shape (n, n_positions), dtype int64
            The drawn codebook indices.
        """
        sequences = starts.long().reshape(-1, 1)
        guided = bool(guidance) and self.n_classes > 0
        for _ in range(self.n_positions):
            if guided:
                unconditional = sequences.clone()
                unconditional[:, 0] = self.n_classes
                both = self.logits(torch.cat([sequences, unconditional]))[:, -1]
                conditional, unconditional = both.chunk(2)
                logits = unconditional + (1 + guidance) * (conditional - unconditional)
            else:
                logits = self.logits(sequences)[:, -1]
            logits = logits / temperature
            probabilities = _truncated(logits.softmax(dim=-1), top_k, top_p)
            drawn = torch.multinomial(probabilities, 1, generator=generator)
            sequences = torch.cat([sequences, drawn], dim=1)
        return sequences[:, 1:]


def _truncated(probabilities, top_k, top_p):
    """Probabilities with all but the top-k / top-p indices set to zero (not renormalised)."""
    if top_k is not None and top_k < probabilities.shape[1]:
        threshold = probabilities.topk(top_k, dim=1).values[:, -1:]
        probabilities = probabilities.masked_fill(probabilities < threshold, 0.0)
    if top_p is not None and top_p < 1:
        ordered, order = probabilities.sort(dim=1, descending=True)
        # Keep each index whose more likely predecessors hold less than top_p.
        before = ordered.cumsum(dim=1) - ordered
        ordered = ordered.masked_fill(before >= top_p * ordered.sum(dim=1, keepdim=True), 0.0)
        probabilities = torch.zeros_like(probabilities).scatter(1, order, ordered)
    return probabilities
