"""Networks with a likelihood: the architecture wrapped in a VAE or a diffusion model."""

import numpy as np
import torch
from sklearn.utils import check_random_state

from .nn import DiffusionModel, VariationalAutoencoder, VQAutoencoder
from .nn._registry import accepts_image_shape, bypasses_code, module_arguments

# A VAE's ELBO averages its expectation over z over this many draws, and
# the diffusion bound is estimated from this many noise levels, with the
# same draws at every call, so that scores are deterministic.
ELBO_DRAWS = 16
BOUND_LEVELS = 50
_SCORE_SEED = 0

# max_iter="auto" for a diffusion model: about this many mini-batches,
# within these epochs.
DIFFUSION_STEP_BUDGET = 10_000
DIFFUSION_EPOCH_RANGE = (1, 2_000)

#: The network class of each generative model.
GENERATIVE_NETWORKS = {"vae": VariationalAutoencoder, "diffusion": DiffusionModel}
#: The codebook model: a VQ autoencoder, then a prior over its codebook indices.
CODEBOOK_MODEL = "vq"
#: Architectures that name the VQ autoencoder's encoder and decoder.
CODEBOOK_ARCHITECTURES = ("mlp", "conv", "vq")


class GenerativeNetworkMixin:
    """Train the architecture inside a VAE or a diffusion model when ``model`` asks.

    The estimator's ``architecture`` becomes the backbone of
    :class:`~sklearn_ae.nn.VariationalAutoencoder` (``model="vae"``) or
    :class:`~sklearn_ae.nn.DiffusionModel` (``model="diffusion"``), and its
    ``architecture_params`` the backbone's own settings. Any other value of
    ``model`` trains the architecture itself. The VAE reads the estimator's
    ``likelihood`` and ``beta`` and the diffusion model its
    ``n_noise_levels``, where the estimator has them (else a Gaussian
    likelihood and ``beta=1``).
    """

    def _generative_model(self):
        """ "vae", "diffusion", "vq" or None (a plain autoencoder)."""
        if self.model in GENERATIVE_NETWORKS or self.model == CODEBOOK_MODEL:
            return self.model
        return None

    def _missing_values_refusal(self):
        model = self._generative_model()
        if model is None:
            return super()._missing_values_refusal()
        return (
            f"model={model!r} does not accept missing values. Fill them first, e.g. "
            "with AEDenoiser(noise='masking', impute=True) in a Pipeline."
        )

    def _resolve_early_stopping(self, n_samples):
        # The diffusion loss is noisy (a random noise level per row), so it
        # trains for its budget unless early stopping is asked for.
        if self._generative_model() == "diffusion" and self.early_stopping == "auto":
            return False
        return super()._resolve_early_stopping(n_samples)

    def _auto_budget(self):
        # A diffusion model learns every noise level: in any estimator it
        # gets AEGenerator's budget, about 10,000 mini-batches.
        if self._generative_model() != "diffusion":
            return super()._auto_budget()
        return DIFFUSION_STEP_BUDGET * self.batch_size_, DIFFUSION_EPOCH_RANGE

    def _stops_on_training_loss(self):
        return self._generative_model() != "diffusion"

    def _averages_weights(self):
        # On digits, averaged weights took the two-sample accuracy of
        # diffusion samples from 0.906 to 0.876 and the bound from 1.13 to
        # 1.26 nats per pixel (benchmarks/bench_generation.py set-up).
        return self._generative_model() == "diffusion"

    def _network_class(self):
        model = self._generative_model()
        if model == CODEBOOK_MODEL:
            return VQAutoencoder
        return GENERATIVE_NETWORKS[model] if model else super()._network_class()

    def _module_class(self):
        model = self._generative_model()
        if model == CODEBOOK_MODEL:
            if self.architecture not in CODEBOOK_ARCHITECTURES:
                raise ValueError(
                    f"{type(self).__name__}(model='vq') trains a VQ autoencoder with an MLP "
                    "encoder ('mlp', for tables) or a convolutional one ('conv', for images "
                    f"with image_shape), not architecture={self.architecture!r}."
                )
            if self.architecture == "conv" and self.image_shape_ is None:
                raise ValueError(
                    "architecture='conv' works on images: pass image_shape=(channels, "
                    "height, width), with one flattened image per row of X, or a 4-D X."
                )
            return VQAutoencoder
        module_class = super()._module_class()
        if model is None:
            return module_class
        if hasattr(module_class, "codebook_indices") or (
            model == "vae" and bypasses_code(module_class)
        ):
            advice = (
                "a VAE needs a network with a continuous code; use 'mlp' for tables or "
                "'conv' for images."
                if model == "vae"
                else "use 'mlp' for tables or 'unet' for images."
            )
            raise ValueError(
                f"{type(self).__name__}(model={model!r}) cannot use "
                f"architecture={self.architecture!r}: {advice}"
            )
        return module_class

    def _hidden_layer_sizes(self, module_class):
        on_images = self.image_shape_ is not None and accepts_image_shape(module_class)
        if (
            self.hidden_layer_sizes is None
            and self._generative_model() == "diffusion"
            and not on_images
        ):
            return DiffusionModel.default_hidden_layer_sizes
        if (
            self.hidden_layer_sizes is None
            and self._generative_model() == CODEBOOK_MODEL
            and self.architecture == "mlp"
        ):
            return VQAutoencoder.default_hidden_layer_sizes  # not the image default
        return super()._hidden_layer_sizes(module_class)

    def _network(self, module_class, shared):
        model = self._generative_model()
        if model is None:
            return super()._network(module_class, shared)
        if model == CODEBOOK_MODEL:
            if self.architecture == "mlp":
                shared = {**shared, "image_shape": None}  # an MLP over the pixels
            return VQAutoencoder, module_arguments(VQAutoencoder, shared, self.architecture_params)
        own = {"backbone": self.architecture, "backbone_params": self.architecture_params}
        if model == "vae":
            own.update(
                likelihood=getattr(self, "likelihood", "gaussian"),
                beta=getattr(self, "beta", 1.0),
                constant_features=self._scaled_constant_features(),
            )
            encoding = self._table_encoding()
            if encoding is not None:
                own.update(categories=encoding.category_blocks())
        else:
            own.update(n_steps=self.n_noise_levels)
        if self._n_classes():
            own.update(n_classes=self._n_classes())
        network_class = GENERATIVE_NETWORKS[model]
        return network_class, module_arguments(network_class, shared, own)

    def _n_classes(self):
        """Classes the network is conditioned on; 0 for none."""
        return 0

    def _scaled_constant_features(self):
        """``{index: value}`` of the features constant in training, scaled like X.

        Known from the recorded training range (``data_min_``, ``data_max_``);
        None when it was not recorded. Values are scaled by the function that
        scales the training data, so they match the training values bit for bit.
        """
        if not hasattr(self, "data_min_"):
            return None
        scaled = self._scaled_tensor(self.data_min_[np.newaxis], torch.device("cpu"))[0]
        constant = np.flatnonzero(self.data_min_ == self.data_max_)
        return {int(j): float(scaled[j]) for j in constant}

    def _record_data_range(self, X):
        """Set ``data_min_`` and ``data_max_``, the range of each feature in X."""
        self.data_min_ = X.min(axis=0).astype(np.float64)
        self.data_max_ = X.max(axis=0).astype(np.float64)

    def _scaled_data_range(self):
        """``(low, high)``: the training range in the scaled space, as net tensors.

        The diffusion model clips its estimate of the clean data to it at
        every reverse step.
        """
        center, scale = self._scaling()
        return tuple(
            self._net_tensor((values - center) / scale)
            for values in (self.data_min_, self.data_max_)
        )

    def _inference_rows(self):
        """Fewer rows per batch: scores run the network once per draw or level.

        Every batch is padded to the same number of rows (for results that
        do not depend on the batch), so on few rows a score would otherwise
        cost ``ELBO_DRAWS`` or ``BOUND_LEVELS`` passes over a large padded batch.
        """
        rows = super()._inference_rows()
        model = self._generative_model()
        if model is None:
            return rows
        passes = {"vae": ELBO_DRAWS, "diffusion": BOUND_LEVELS}.get(model, 1)
        return max(64, rows // passes // 64 * 64)

    def _fixed_noise(self, n_rows, n_columns):
        """Standard normal draws for scores, the same at every call, as net tensors."""
        generator = torch.Generator().manual_seed(_SCORE_SEED)
        return self._net_tensor(torch.randn(n_rows, n_columns, generator=generator))

    def _elbo_noise(self):
        """The standard normal draws of z that every ELBO of the VAE uses."""
        return self._fixed_noise(ELBO_DRAWS, self.net_.module_.n_components)

    def _torch_generator(self, random_state):
        """A torch generator on the net's device, seeded from ``random_state``."""
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        return torch.Generator(torch.device(self.net_.device)).manual_seed(seed)
