"""Denoising diffusion model built around any network of the module protocol."""

import inspect
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_integer
from ._conditioning import ClassColumnMixin
from ._image import check_image_shape
from ._registry import accepts_image_shape, get_architecture, module_arguments
from ._train_mode import LazyTrainMode

# Tables: the noise level enters the network as this many sinusoidal features.
TIME_FEATURES = 16

# With classes, this share of the training rows is shown without its class,
# so that one network models p(x) too (classifier-free guidance).
P_UNCONDITIONAL = 0.1

# Offset of the cosine schedule (Nichol and Dhariwal, 2021).
_COSINE_OFFSET = 0.008


def cosine_alpha_bar(n_steps):
    """Share of signal variance left after each step, ``alpha_bar[t]``, t = 1..T.

    The cosine schedule of Nichol and Dhariwal (2021), in float64, with
    each step's beta at most 0.999.
    """
    t = np.arange(n_steps + 1) / n_steps
    f = np.cos((t + _COSINE_OFFSET) / (1 + _COSINE_OFFSET) * math.pi / 2) ** 2
    betas = np.clip(1 - f[1:] / f[:-1], 0, 0.999)
    return np.cumprod(1 - betas)


class DiffusionModel(ClassColumnMixin, LazyTrainMode, nn.Module):
    """A denoising diffusion model (DDPM, Ho et al., 2020) around a backbone network.

    The forward process adds Gaussian noise in ``n_steps`` steps with the
    cosine schedule, ``x_t = sqrt(alpha_bar_t) x + sqrt(1 - alpha_bar_t)
    eps``; the backbone learns to predict ``eps`` from ``x_t`` and the step
    ``t``. The backbone sees the step as extra inputs: on tables
    ``TIME_FEATURES`` sinusoidal features of ``t`` appended to each row (the
    same as adding a learned time embedding to the first layer, as in
    TabDDPM), on images one more channel holding the noise's standard
    deviation (as in FFDNet). It is built without a bottleneck: a code as
    wide as its widest stage.

    Sampling and denoising run the reverse process with DDIM steps (Song et
    al., 2021): a few dozen steps instead of ``n_steps``.

    Parameters
    ----------
    n_features : int
        Values per row.
    hidden_layer_sizes : tuple of int, default=(256, 256)
        Widths of the backbone's stages.
    activation : str, default="relu"
        One of :data:`~sklearn_ae.nn.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    image_shape : tuple of int or None, default=None
        ``(C, H, W)`` of image rows; None for tables.
    backbone : str or type, default="mlp"
        An architecture name or module class, e.g. "mlp" for tables and
        "unet" for images (built with ``residual=False``: it predicts the
        noise, not the image).
    backbone_params : dict or None, default=None
        The backbone's own arguments (the estimators' ``architecture_params``).
    n_steps : int, default=1000
        Number of noise levels of the forward process.
    n_classes : int, default=0
        Classes to condition on; 0 for an unconditional model. With classes,
        the rows given to :meth:`forward` end with one more value, the class
        index, and the backbone also sees the class one-hot (as
        ``n_classes`` more inputs on tables, or channels on images). In
        training, ``P_UNCONDITIONAL`` of the rows lose their class, so that
        the same network also models the data without it, which
        classifier-free guidance needs (Ho and Salimans, 2022).

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import DiffusionModel
    >>> model = DiffusionModel(5, hidden_layer_sizes=(16,), n_steps=100)
    >>> model.sample(3, n_sampling_steps=10).shape
    torch.Size([3, 5])
    """

    bypasses_code = True
    code_size = None
    default_hidden_layer_sizes = (256, 256)

    def __init__(
        self,
        n_features,
        hidden_layer_sizes=(256, 256),
        activation="relu",
        dropout=0.0,
        image_shape=None,
        backbone="mlp",
        backbone_params=None,
        n_steps=1000,
        n_classes=0,
    ):
        super().__init__()
        owner = type(self).__name__
        self.n_steps = check_integer(n_steps, "n_noise_levels", owner, minimum=2)
        self.n_classes = check_integer(n_classes, "n_classes", owner, minimum=0)
        self.n_features = n_features
        backbone_class = get_architecture(backbone)
        backbone_params = dict(backbone_params or {})
        shared = {
            "n_components": max(hidden_layer_sizes),
            "hidden_layer_sizes": hidden_layer_sizes,
            "activation": activation,
            "dropout": dropout,
        }
        self.image_shape = None
        if image_shape is not None and accepts_image_shape(backbone_class):
            channels, height, width = check_image_shape(image_shape, n_features)
            self.image_shape = (channels, height, width)
            shared["image_shape"] = (channels + 1 + self.n_classes, height, width)
            shared["n_features"] = n_features + (1 + self.n_classes) * height * width
            if "residual" in inspect.signature(backbone_class).parameters:
                backbone_params.setdefault("residual", False)
        else:
            shared["n_features"] = n_features + TIME_FEATURES + self.n_classes
        self.backbone = backbone_class(**module_arguments(backbone_class, shared, backbone_params))
        alpha_bar = torch.as_tensor(cosine_alpha_bar(self.n_steps), dtype=torch.float32)
        self.register_buffer("alpha_bar", alpha_bar, persistent=False)
        # Fourier features of t / n_steps in [0, 1): the lowest frequency
        # is monotone over the steps, the highest resolves about 1/256 of them.
        frequencies = math.pi * 2.0 ** torch.arange(TIME_FEATURES // 2) / self.n_steps
        self.register_buffer("frequencies", frequencies, persistent=False)
        self._velocity = None

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def predict_velocity(self, x_t, t, labels=None):
        """Predict the velocity ``v`` of noised rows: the backbone's output.

        Parameters
        ----------
        x_t : torch.Tensor of shape (n, n_features)
            Noised rows.
        t : torch.Tensor of shape (n,), dtype int64
            The step (0-based) of each row.
        labels : torch.Tensor of shape (n,), int, or None, default=None
            Class index of each row, ``n_classes`` for none; None for none.

        Returns
        -------
        v : torch.Tensor of shape (n, n_features)
            The predicted velocities.
        """
        if self.image_shape is None:
            angles = t[:, None].float() * self.frequencies
            inputs = [x_t, angles.sin(), angles.cos()]
        else:
            _, height, width = self.image_shape
            noise_std = (1 - self.alpha_bar[t]).sqrt()
            inputs = [x_t, noise_std[:, None].expand(-1, height * width)]
        if self.n_classes:
            if labels is None:
                labels = torch.full_like(t, self.n_classes)
            one_hot = F.one_hot(labels.long(), self.n_classes + 1)[:, : self.n_classes]
            if self.image_shape is not None:  # one constant plane per class
                one_hot = one_hot.repeat_interleave(height * width, dim=1)
            inputs.append(one_hot.to(x_t.dtype))
        return self.backbone(torch.cat(inputs, dim=1))[:, : self.n_features]

    def predict_noise(self, x_t, t, labels=None, guidance=0.0):
        """Estimate the noise in noised rows, from the predicted velocity.

        ``eps = sqrt(alpha_bar) v + sqrt(1 - alpha_bar) x_t``: at pure noise
        the input itself, whatever the backbone outputs.

        Parameters
        ----------
        x_t : torch.Tensor of shape (n, n_features)
            Noised rows.
        t : torch.Tensor of shape (n,), dtype int64
            The step (0-based) of each row.
        labels : torch.Tensor of shape (n,), int, or None, default=None
            Class index of each row, ``n_classes`` for none; None for none.
        guidance : float, default=0.0
            Classifier-free guidance strength w: the estimate is ``(1 + w)
            eps(x, class) - w eps(x)`` (Ho and Salimans, 2022); 0 gives the
            conditional estimate alone.

        Returns
        -------
        eps : torch.Tensor of shape (n, n_features)
            The estimated noise.
        """
        if guidance and labels is not None:
            null = torch.full_like(labels, self.n_classes)
            conditional, unconditional = self.predict_velocity(
                x_t.repeat(2, 1), t.repeat(2), torch.cat([labels, null])
            ).chunk(2)
            velocity = unconditional + (1 + guidance) * (conditional - unconditional)
        else:
            velocity = self.predict_velocity(x_t, t, labels)
        alpha_bar = self.alpha_bar[t][:, None]
        return alpha_bar.sqrt() * velocity + (1 - alpha_bar).sqrt() * x_t

    def forward(self, x):
        """Noise each row at a random step and predict its velocity.

        The target velocity ``v = sqrt(alpha_bar) eps - sqrt(1 - alpha_bar)
        x`` (Salimans and Ho, 2022) is kept for :meth:`loss`. Predicting
        ``v`` rather than the noise ``eps`` keeps the target of order one at
        every noise level.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features) or (n, n_features + 1)
            Rows of the (scaled) data, followed by their class index when
            the model has classes.

        Returns
        -------
        v : torch.Tensor of shape (n, n_features)
            The predicted velocities.
        """
        x, labels = self.split_labels(x)
        if labels is not None and self.training:
            dropped = torch.rand(labels.shape, device=x.device) < P_UNCONDITIONAL
            labels = labels.masked_fill(dropped, self.n_classes)
        t = torch.randint(0, self.n_steps, (x.shape[0],), device=x.device)
        noise = torch.randn_like(x)
        alpha_bar = self.alpha_bar[t][:, None]
        x_t = alpha_bar.sqrt() * x + (1 - alpha_bar).sqrt() * noise
        self._velocity = alpha_bar.sqrt() * noise - (1 - alpha_bar).sqrt() * x
        return self.predict_velocity(x_t, t, labels)

    def loss(self, output, target):
        """Compute the mean squared error of the predicted velocity.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_features)
            What :meth:`forward` returned for the batch.
        target : torch.Tensor of shape (n, n_features)
            The batch itself (the target velocity was kept by :meth:`forward`).

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        velocity, self._velocity = self._velocity, None
        return (output - velocity).square().mean()

    # ------------------------------------------------------------------
    # The reverse process
    # ------------------------------------------------------------------
    def reverse(
        self,
        x,
        start,
        n_sampling_steps,
        generator=None,
        eta=1.0,
        x0_range=None,
        labels=None,
        guidance=0.0,
    ):
        """Run the reverse process from noised rows to the data.

        With one step the result is the network's estimate of the clean
        data, ``E[x_0 | x_t]``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows noised to step ``start``.
        start : int
            The step (0-based) of ``x``.
        n_sampling_steps : int
            Number of DDIM updates, evenly spaced from ``start`` down to 0.
        generator : torch.Generator or None, default=None
            Source of the random draws.
        eta : float, default=1.0
            0 gives deterministic DDIM updates, 1 adds DDPM's noise.
        x0_range : tuple of two torch.Tensor of shape (n_features,) or None, default=None
            Lower and upper bounds to clip each step's estimate of the data to.
        labels : torch.Tensor of shape (n,), int, or None, default=None
            Class index of each row, for a model with classes.
        guidance : float, default=0.0
            Classifier-free guidance strength (see :meth:`predict_noise`).

        Returns
        -------
        x0 : torch.Tensor of shape (n, n_features)
            The estimate of the clean rows.
        """
        steps = torch.linspace(start, 0, n_sampling_steps).round().long().unique_consecutive()
        for i, t in enumerate(steps.tolist()):
            alpha_bar = self.alpha_bar[t]
            steps_now = torch.full((x.shape[0],), t, device=x.device)
            noise = self.predict_noise(x, steps_now, labels, guidance)
            x0 = (x - (1 - alpha_bar).sqrt() * noise) / alpha_bar.sqrt()
            if x0_range is not None:
                x0 = torch.maximum(torch.minimum(x0, x0_range[1]), x0_range[0])
            if i == len(steps) - 1:
                return x0
            alpha_bar_next = self.alpha_bar[steps[i + 1]]
            sigma = (
                eta
                * ((1 - alpha_bar_next) / (1 - alpha_bar) * (1 - alpha_bar / alpha_bar_next)).sqrt()
            )
            # The noise implied by the clipped x0 keeps the update consistent.
            noise = (x - alpha_bar.sqrt() * x0) / (1 - alpha_bar).sqrt()
            # Clamped: float32 rounding can make the variance left a hair negative.
            kept = (1 - alpha_bar_next - sigma**2).clamp_min(0)
            x = alpha_bar_next.sqrt() * x0 + kept.sqrt() * noise
            if eta > 0:
                x = x + sigma * torch.randn(x.shape, generator=generator, device=x.device)
        return x

    def sample(
        self,
        n_samples,
        n_sampling_steps=50,
        generator=None,
        eta=1.0,
        x0_range=None,
        labels=None,
        guidance=0.0,
    ):
        """Draw rows from the model, starting from pure noise.

        Parameters
        ----------
        n_samples : int
            Number of rows.
        n_sampling_steps : int, default=50
            Number of DDIM updates.
        generator : torch.Generator or None, default=None
            Source of the random draws.
        eta : float, default=1.0
            0 gives deterministic DDIM updates, 1 adds DDPM's noise.
        x0_range : tuple of two torch.Tensor of shape (n_features,) or None, default=None
            Lower and upper bounds to clip each step's estimate of the data to.
        labels : torch.Tensor of shape (n_samples,), int, or None, default=None
            Class of each row to draw, for a model with classes.
        guidance : float, default=0.0
            Classifier-free guidance strength (see :meth:`predict_noise`).

        Returns
        -------
        x : torch.Tensor of shape (n_samples, n_features)
            The rows, in the scaled space.
        """
        device = self.alpha_bar.device
        x = torch.randn(n_samples, self.n_features, generator=generator, device=device)
        return self.reverse(
            x, self.n_steps - 1, n_sampling_steps, generator, eta, x0_range, labels, guidance
        )

    def step_for_noise(self, noise_std):
        """Find the step whose noise matches data with Gaussian noise of ``noise_std``.

        Data ``y = x + noise_std * eps`` scaled by ``sqrt(alpha_bar)`` is
        ``x_t`` for ``alpha_bar = 1 / (1 + noise_std**2)``.

        Parameters
        ----------
        noise_std : float
            Standard deviation of the noise, in the scaled space.

        Returns
        -------
        t : int
            The step (0-based).
        """
        target = 1.0 / (1.0 + noise_std**2)
        return int(torch.argmin((self.alpha_bar - target).abs()))

    def denoise(self, y, noise_std, n_sampling_steps, generator=None, eta=1.0, x0_range=None):
        """Remove Gaussian noise of standard deviation ``noise_std`` from rows.

        Parameters
        ----------
        y : torch.Tensor of shape (n, n_features)
            Noisy rows, in the scaled space.
        noise_std : float
            Standard deviation of their noise.
        n_sampling_steps : int
            Number of reverse steps; one gives ``E[x | y]``.
        generator : torch.Generator or None, default=None
            Source of the random draws.
        eta : float, default=1.0
            0 gives deterministic DDIM updates, 1 adds DDPM's noise.
        x0_range : tuple of two torch.Tensor of shape (n_features,) or None, default=None
            Lower and upper bounds to clip each step's estimate of the data to.

        Returns
        -------
        x : torch.Tensor of shape (n, n_features)
            The denoised rows.
        """
        t = self.step_for_noise(noise_std)
        x_t = self.alpha_bar[t].sqrt() * y
        return self.reverse(x_t, t, n_sampling_steps, generator, eta, x0_range)

    # ------------------------------------------------------------------
    # The variational bound
    # ------------------------------------------------------------------
    def bound_quadrature(self, n_points):
        """Choose the steps and weights that estimate the sum over steps of the bound.

        The bound's term at step t is ``w_t * E||eps - eps_hat_t||^2``; the
        sum over all ``n_steps`` steps is estimated from ``n_points`` steps
        spaced geometrically (the weights are largest at small t), each
        standing for the steps nearest to it.

        Parameters
        ----------
        n_points : int
            Number of steps to evaluate (fewer when they coincide).

        Returns
        -------
        steps : ndarray of int
            The steps (0-based), spaced geometrically.
        stratum_weights : ndarray of float
            The summed weights of the steps each one stands for.
        """
        alpha_bar = cosine_alpha_bar(self.n_steps)
        previous = np.concatenate([[1.0], alpha_bar[:-1]])
        alpha = alpha_bar / previous
        beta = 1 - alpha
        weights = np.empty(self.n_steps)
        weights[0] = 1 / (2 * alpha[0])
        weights[1:] = beta[1:] / (2 * alpha[1:] * (1 - previous[1:]))
        steps = np.unique(np.round(np.geomspace(1, self.n_steps, n_points)).astype(int) - 1)
        edges = np.concatenate([[0], (steps[:-1] + steps[1:]) // 2 + 1, [self.n_steps]])
        stratum_weights = np.add.reduceat(weights, edges[:-1])
        return steps, stratum_weights

    def log_likelihood_bound(self, x, steps, stratum_weights, noise, labels=None):
        """Estimate the variational lower bound on log p(x) of each row.

        The decoder at step 1 is a Gaussian of variance ``beta_1``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.
        steps : ndarray of int
            Steps from :meth:`bound_quadrature`.
        stratum_weights : ndarray of float
            Their weights, from :meth:`bound_quadrature`.
        noise : torch.Tensor of shape (len(steps), n_features)
            One standard normal row per step, shared by all rows so that a
            row's bound does not depend on its batch.
        labels : torch.Tensor of shape (n,), int, or None, default=None
            Class index of each row (a bound on log p(x | class)), for a
            model with classes; None bounds log p(x) with the model without
            class.

        Returns
        -------
        bound : torch.Tensor of shape (n,)
            The bound of each row, in nats.
        """
        alpha_bar = self.alpha_bar
        beta_1 = 1 - alpha_bar[0]
        terms = torch.zeros(x.shape[0], device=x.device)
        for t, weight, eps in zip(steps.tolist(), stratum_weights.tolist(), noise, strict=True):
            x_t = alpha_bar[t].sqrt() * x + (1 - alpha_bar[t]).sqrt() * eps
            steps_now = torch.full((x.shape[0],), t, device=x.device)
            predicted = self.predict_noise(x_t, steps_now, labels)
            terms += weight * (predicted - eps).square().sum(dim=1)
        last = alpha_bar[-1]
        prior = 0.5 * (last * x.square() + (1 - last) - 1 - (1 - last).log()).sum(dim=1)
        decoder_constant = 0.5 * x.shape[1] * (2 * math.pi * beta_1).log()
        return -(terms + prior + decoder_constant)
