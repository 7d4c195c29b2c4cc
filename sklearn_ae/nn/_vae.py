"""Variational autoencoder built around any network of the module protocol."""

import math

import torch
from torch import nn
from torch.distributions import ContinuousBernoulli

from ._checks import check_integer, check_real
from ._conditioning import ClassColumnMixin
from ._registry import bypasses_code, get_architecture, module_arguments
from ._table_layout import table_layout
from ._train_mode import LazyTrainMode

#: Likelihoods p(x | z) of :class:`VariationalAutoencoder`.
LIKELIHOODS = ("gaussian", "bernoulli")

# The learned Gaussian scale stays above this (in scaled units): a feature
# that the decoder reconstructs exactly (a constant pixel) would otherwise
# drive its scale, and the likelihood, to infinity.
MIN_SCALE = 1e-3

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class VariationalAutoencoder(ClassColumnMixin, LazyTrainMode, nn.Module):
    """A variational autoencoder (Kingma and Welling, 2014) around a backbone network.

    The backbone is any network of the module protocol with a code ("mlp",
    "conv", "transformer" or a user's class), built with a code of
    ``2 * n_components`` values: the encoder's output is the mean and the
    log-variance of the Gaussian posterior q(z | x), and the decoder reads a
    latent z of ``n_components`` values through the first half of its code
    inputs (the second half is held at zero, or, with ``n_classes``, holds
    a learned embedding of the row's class: a conditional VAE, Sohn et al.,
    2015, whose encoder q(z | x) is left free of the class). The prior p(z)
    is a standard normal, and the likelihood p(x | z) is

    - "gaussian": a normal with the decoder output as mean and one learned
      scale per feature (at least ``MIN_SCALE``), for any real data;
    - "bernoulli": the continuous Bernoulli (Loaiza-Ganem and Cunningham,
      2019), a proper density on [0, 1] whose logits the decoder outputs, for
      data in [0, 1] such as pixel intensities.

    With ``categories`` (a table's categorical columns, each a block of
    one-hot values), each block is a categorical distribution whose logits
    the decoder outputs, and the other values keep the Gaussian.

    The training loss is the negative evidence lower bound (ELBO) per
    feature, with the KL term weighted by ``beta`` (Higgins et al., 2017).

    Parameters
    ----------
    n_features : int
        Values per row.
    n_components : int, default=8
        Size of the latent code z.
    hidden_layer_sizes : tuple of int, default=(128,)
        Widths of the backbone's stages.
    activation : str, default="relu"
        One of :data:`~sklearn_ae.nn.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    image_shape : tuple of int or None, default=None
        ``(C, H, W)`` of image rows, for backbones that take it.
    backbone : str or type, default="mlp"
        An architecture name or module class (see
        :func:`~sklearn_ae.nn.get_architecture`) with ``encode`` and ``decode``.
    backbone_params : dict or None, default=None
        The backbone's own arguments (the estimators' ``architecture_params``).
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        The distribution p(x | z).
    beta : float, default=1.0
        Weight of the KL term in the training loss; 1 gives the ELBO.
    constant_features : dict or None, default=None
        ``{feature index: value}`` of the features that were constant in the
        training data (Gaussian likelihood only). Their p(x | z) is pinned
        to a normal at that value with scale ``MIN_SCALE``: a learned scale
        starts at 1 and would take thousands of steps to shrink, so samples
        would scatter a value the data never leave.
    n_classes : int, default=0
        Classes to condition on; 0 for an unconditional model. With classes,
        the rows given to :meth:`forward` end with one more value, the class
        index, and :meth:`elbo` and :meth:`sample` take the class of each row.
    categories : list of (int, int) or None, default=None
        ``(first value, number of values)`` of each categorical column of a
        table, whose values are one-hot indicators (Gaussian likelihood
        only). The decoder's outputs for them are the categories' logits.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import VariationalAutoencoder
    >>> vae = VariationalAutoencoder(5, n_components=2, hidden_layer_sizes=(8,))
    >>> vae.encode(torch.zeros(3, 5)).shape
    torch.Size([3, 2])
    >>> vae.elbo(torch.zeros(3, 5), torch.zeros(1, 2)).shape
    torch.Size([3])
    """

    default_hidden_layer_sizes = (128,)

    def __init__(
        self,
        n_features,
        n_components=8,
        hidden_layer_sizes=(128,),
        activation="relu",
        dropout=0.0,
        image_shape=None,
        backbone="mlp",
        backbone_params=None,
        likelihood="gaussian",
        beta=1.0,
        constant_features=None,
        n_classes=0,
        categories=None,
    ):
        super().__init__()
        owner = type(self).__name__
        self.n_classes = check_integer(n_classes, "n_classes", owner, minimum=0)
        self.n_features = n_features
        backbone_class = get_architecture(backbone)
        if bypasses_code(backbone_class) or hasattr(backbone_class, "codebook_indices"):
            raise ValueError(
                f"{owner} needs a backbone with a continuous code, not "
                f"{backbone_class.__name__}: use 'mlp' (tables), 'conv' (images) or "
                "'transformer'."
            )
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"{owner}: likelihood must be one of {LIKELIHOODS}, got {likelihood!r}."
            )
        self.beta = check_real(beta, "beta", owner, low=0, high=float("inf"))
        self.likelihood = likelihood
        self.n_components = n_components
        shared = {
            "n_features": n_features,
            "n_components": 2 * n_components,
            "hidden_layer_sizes": hidden_layer_sizes,
            "activation": activation,
            "dropout": dropout,
            "image_shape": image_shape,
        }
        self.backbone = backbone_class(**module_arguments(backbone_class, shared, backbone_params))
        if self.n_classes:
            self.class_embedding = nn.Embedding(self.n_classes, n_components)
        if likelihood == "gaussian":
            self.log_scale = nn.Parameter(torch.zeros(n_features))
        constant = torch.zeros(n_features, dtype=torch.bool)
        constant_values = torch.zeros(n_features)
        for index, value in (constant_features or {}).items():
            constant[int(index)], constant_values[int(index)] = True, float(value)
        # Made from a constructor argument, so not part of the saved weights.
        self.register_buffer("_constant", constant, persistent=False)
        self.register_buffer("_constant_values", constant_values, persistent=False)
        self._pins_features = likelihood == "gaussian" and bool(constant.any())
        self.table = None
        if categories:
            if likelihood != "gaussian":
                raise ValueError(f"{owner}: categories need likelihood='gaussian'.")
            self.table = table_layout(n_features, categories)
            numeric = torch.ones(n_features, dtype=torch.bool)
            for start, size in categories:
                numeric[start : start + size] = False
            self.register_buffer("_numeric", numeric, persistent=False)
        self._kl = None
        self._logits = None

    # ------------------------------------------------------------------
    # The protocol: encode, decode, forward, loss
    # ------------------------------------------------------------------
    def posterior(self, x):
        """Compute the mean and log-variance of the posterior q(z | x).

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        mean : torch.Tensor of shape (n, n_components)
            Posterior means.
        log_var : torch.Tensor of shape (n, n_components)
            Posterior log-variances, clamped to [-30, 20].
        """
        mean, log_var = self.backbone.encode(x).chunk(2, dim=1)
        return mean, log_var.clamp(-30.0, 20.0)

    def encode(self, x):
        """Map rows to the posterior mean of their code z.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        z : torch.Tensor of shape (n, n_components)
            The posterior means.
        """
        return self.posterior(x)[0]

    def _condition(self, z, labels):
        """The second half of the decoder's input: the class embedding, or zeros."""
        if not self.n_classes:
            return torch.zeros_like(z)
        if labels is None:
            raise ValueError(f"{type(self).__name__} has classes: give the class of each row.")
        return self.class_embedding(labels.long())

    def _decoder_output(self, z, labels=None):
        """Mean (gaussian) or logits (bernoulli) of p(x | z)."""
        output = self.backbone.decode(torch.cat([z, self._condition(z, labels)], dim=1))
        if self._pins_features:
            output = torch.where(self._constant, self._constant_values, output)
        return output

    def _mean(self, output):
        """The mean of p(x | z) from the decoder output for z."""
        if self.likelihood == "gaussian":
            return output
        return ContinuousBernoulli(logits=output, validate_args=False).mean

    def decode(self, z, labels=None):
        """Map codes to the mean of p(x | z).

        Parameters
        ----------
        z : torch.Tensor of shape (n, n_components)
            Latent codes.
        labels : torch.Tensor of shape (n,), int, or None, default=None
            Class index of each row, for a model with classes.

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The means of p(x | z).
        """
        return self._mean(self._decoder_output(z, labels))

    def forward(self, x):
        """Reconstruct rows: the mean of p(x | z) for a z drawn from q(z | x).

        In training z is drawn with the reparameterisation trick; in
        evaluation it is the posterior mean. The KL term of each row is kept
        for :meth:`loss`.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features) or (n, n_features + 1)
            Rows of the (scaled) data, followed by their class index when
            the model has classes.

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The reconstructions.
        """
        x, labels = self.split_labels(x)
        mean, log_var = self.posterior(x)
        z = mean
        if self.training:
            z = mean + torch.randn_like(mean) * (0.5 * log_var).exp()
        self._kl = _kl_to_standard_normal(mean, log_var)
        output = self._decoder_output(z, labels)
        if self.likelihood == "bernoulli":
            self._logits = output  # the mean does not give them back
        return self._mean(output)

    def loss(self, output, target):
        """Compute the negative ELBO per feature (KL weighted by ``beta``), averaged over rows.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_features)
            What :meth:`forward` returned for the batch.
        target : torch.Tensor of shape (n, n_features) or (n, n_features + 1)
            The batch itself (with its class indices, which are left out).

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        target, _ = self.split_labels(target)
        output = output if self.likelihood == "gaussian" else self._logits
        nll = -self._log_likelihood(output, target)
        kl, self._kl, self._logits = self._kl, None, None
        return (nll + self.beta * kl).mean() / target.shape[1]

    # ------------------------------------------------------------------
    # Densities and samples
    # ------------------------------------------------------------------
    def scale(self):
        """Return the Gaussian likelihood's scale of each feature.

        Returns
        -------
        scale : torch.Tensor of shape (n_features,)
            The learned scales, at least ``MIN_SCALE``.
        """
        scale = self.log_scale.exp().clamp_min(MIN_SCALE)
        return scale.masked_fill(self._constant, MIN_SCALE)

    def _log_likelihood(self, output, x):
        """log p(x | z) of each row, from the decoder output for z."""
        if self.likelihood == "gaussian":
            log_scale = self.scale().log()
            z_scores = (x - output) / log_scale.exp()
            values = 0.5 * z_scores.square() + log_scale + _HALF_LOG_2PI
            if self.table is None:
                return -values.sum(dim=1)
            # Categories: minus their cross-entropy, log p(category | z).
            cross_entropy = self.table(output, x)[:, self.table.block_columns]
            return -(values[:, self._numeric].sum(dim=1) + cross_entropy.sum(dim=1))
        distribution = ContinuousBernoulli(logits=output, validate_args=False)
        return distribution.log_prob(x.clamp(0.0, 1.0)).sum(dim=1)

    def elbo_terms(self, x, noise, labels=None):
        """Expected log-likelihood and KL term of each row's ELBO.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.
        noise : torch.Tensor of shape (n_draws, n_components)
            Standard normal draws shared by all rows: the expectation over
            q(z | x) is their average, the same for a row whatever batch it
            is in.
        labels : torch.Tensor of shape (n,), int, or None, default=None
            Class index of each row, for a model with classes.

        Returns
        -------
        log_likelihood : torch.Tensor of shape (n,)
            The expected log-likelihood of each row.
        kl : torch.Tensor of shape (n,)
            The KL divergence of each row's posterior from the prior.
        """
        mean, log_var = self.posterior(x)
        std = (0.5 * log_var).exp()
        log_likelihood = torch.zeros(x.shape[0], device=x.device)
        for draw in noise:
            output = self._decoder_output(mean + std * draw, labels)
            log_likelihood += self._log_likelihood(output, x)
        return log_likelihood / len(noise), _kl_to_standard_normal(mean, log_var)

    def elbo(self, x, noise, labels=None):
        """Compute the evidence lower bound of each row.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.
        noise : torch.Tensor of shape (n_draws, n_components)
            Standard normal draws of z shared by all rows (see :meth:`elbo_terms`).
        labels : torch.Tensor of shape (n,), int, or None, default=None
            Class index of each row (the ELBO of log p(x | class)), for a
            model with classes.

        Returns
        -------
        elbo : torch.Tensor of shape (n,)
            The ELBO of each row, in nats.
        """
        log_likelihood, kl = self.elbo_terms(x, noise, labels)
        return log_likelihood - kl

    def sample(self, n_samples, generator=None, *, noise=True, labels=None):
        """Draw rows from the model: z from the prior, then x from p(x | z).

        Parameters
        ----------
        n_samples : int
            Number of rows.
        generator : torch.Generator or None, default=None
            Source of the random draws.
        noise : bool, default=True
            False returns the means of p(x | z) instead of draws from it.
        labels : torch.Tensor of shape (n_samples,), int, or None, default=None
            Class of each row to draw, for a model with classes.

        Returns
        -------
        x : torch.Tensor of shape (n_samples, n_features)
            The rows, in the scaled space.
        """
        device = next(self.parameters()).device
        z = torch.randn(n_samples, self.n_components, generator=generator, device=device)
        output = self._decoder_output(z, labels)
        if not noise:
            return self._mean(output)
        if self.likelihood == "gaussian":
            draws = torch.randn(output.shape, generator=generator, device=device)
            if self.table is not None:
                # Gumbel noise on the logits: the highest value of each block
                # is then a draw from its categorical distribution.
                uniform = torch.rand(output.shape, generator=generator, device=device)
                gumbel = -torch.log(-torch.log(uniform.clamp(1e-12, 1 - 1e-7)))
                return torch.where(self._numeric, output + draws * self.scale(), output + gumbel)
            return output + draws * self.scale()
        uniform = torch.rand(output.shape, generator=generator, device=device)
        distribution = ContinuousBernoulli(logits=output, validate_args=False)
        return distribution.icdf(uniform.clamp(1e-6, 1 - 1e-6))


def _kl_to_standard_normal(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) of each row."""
    return 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(dim=1)
