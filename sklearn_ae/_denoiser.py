"""Denoising with an autoencoder: (x + noise) -> x."""

from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils import check_array, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseAutoencoder
from ._docs import fill_shared_parameters
from ._generative import GenerativeNetworkMixin
from ._noise import NOISE_TYPES, corrupt
from ._table import CATEGORICAL_FEATURES_CONSTRAINT

# transform(impute=True) copies observed values back this many rows at a time.
_IMPUTE_ROWS = 4096

# noise_level="auto" with masking noise (trains the imputer of impute=True),
# and with impute=True what max_iter="auto" and batch_size="auto" give
# (benchmarks/bench_missing_values.py).
MASKING_NOISE_LEVEL = 0.3
IMPUTE_STEP_BUDGET = 30_000
IMPUTE_EPOCH_RANGE = (1, 2_000)
IMPUTE_BATCH_SIZE = 64


@fill_shared_parameters(scaling_default="standard")
class AEDenoiser(GenerativeNetworkMixin, OneToOneFeatureMixin, TransformerMixin, BaseAutoencoder):
    """Remove noise from samples with a denoising autoencoder.

    ``fit(X)`` trains the network to map corrupted copies of X back to X,
    with fresh noise drawn for every mini-batch of every epoch (Vincent et
    al., 2008). ``fit(X_noisy, y=X_clean)`` trains on given pairs instead.
    ``transform`` returns the denoised data, with the shape and feature
    names of its input.

    Parameters
    ----------
    noise : {"gaussian", "masking"}, default="gaussian"
        Corruption used by ``fit(X)``: "gaussian" adds normal noise of
        standard deviation ``noise_level``; "masking" sets each value to the
        feature's centre with probability ``noise_level``. Both act in the
        scaled space, so ``noise_level`` is relative to each feature's
        spread, or for images (``image_shape`` given) to the spread of the
        pixels of each channel: with the default standard scaling, gaussian
        noise of ``sigma`` pixel units is ``noise_level = sigma /
        X.std()`` for a one-channel image. Ignored when ``y`` is given to
        ``fit``.
    noise_level : float or "auto", default="auto"
        Standard deviation (gaussian) or masking probability (masking, below
        1). "auto" is 1.0 for gaussian noise (and for ``model="diffusion"``)
        and 0.3 for masking, the rate that trained the imputer of
        ``impute=True`` well (below KNNImputer's error on 6 of 8 tables,
        ``benchmarks/bench_missing_values.py``). Strong gaussian noise, as
        large as the data's spread, suits the common case where X itself is
        noisy and no clean version exists: the network then learns the
        structure shared by the samples, not their noise (compare
        Noisier2Noise, Moran et al., 2020). In scikit-learn's
        kernel PCA denoising setting (digits in [0, 1] with noise of std
        0.25, trained on 1,000 noisy images only,
        ``benchmarks/bench_digits.py``) the test error was 0.050, 0.038,
        0.028 and 0.031 for levels 0.2, 0.5, 1.0 and 1.5 ("mlp", no
        ``image_shape``). When X is clean, a level close to the noise
        expected at ``transform`` time is the better choice.
    impute : bool, default=False
        What ``transform`` returns for X with missing values (NaN). False:
        the network's output for every entry (denoised). True: X with its
        missing entries filled by the network and its observed entries
        unchanged, like scikit-learn's imputers, so that the denoiser can
        take the place of :class:`~sklearn.impute.SimpleImputer` or
        :class:`~sklearn.impute.IterativeImputer` in a Pipeline. Missing
        values are seen as their feature's centre and left out of the loss
        whatever ``impute`` is; masking noise (``noise="masking"``, at its
        "auto" rate of 0.3) teaches the network to fill values it does not
        see (as in MIDA, Gondara and Wang, 2018). With ``impute=True``,
        ``max_iter="auto"`` trains for about 30,000 mini-batches (at most
        2,000 epochs) and ``batch_size="auto"`` is 64, without stopping on
        the noisy training loss. On scikit-learn's bundled
        tables with 10 % or 30 % of values missing, the filled values had a
        mean RMSE of 0.659 standard deviations, against IterativeImputer's
        0.703 and KNNImputer's 0.723, and were below KNNImputer's on 6 of 8
        tables and rates (not on digits and wine with 30 % missing;
        ``benchmarks/bench_missing_values.py``).
    model : {"autoencoder", "diffusion"}, default="autoencoder"
        "autoencoder" trains the network to map corrupted rows to clean ones.
        "diffusion" trains a denoising diffusion model on clean X (see
        :class:`AEGenerator`) and denoises by starting its reverse process at
        the noise level of the data, given by ``noise_level`` (Gaussian
        noise only): ``transform`` then removes noise of that level, and one
        fitted model serves every level (``set_params(noise_level=...)``).
        It must learn every noise level, so ``max_iter="auto"`` gives it
        the budget of :class:`AEGenerator`: about 10,000 mini-batches,
        within 2,000 epochs, and it trains for all of them.
    n_noise_levels : int, default=1000
        ``model="diffusion"`` only: steps of the forward (noising) process.
    n_sampling_steps : int, default=1
        ``model="diffusion"`` only: reverse steps from the data's noise level
        to clean data. One step returns the network's estimate of the clean
        data ``E[x | x_noisy]``, which minimises the expected squared error;
        more steps (DDIM spacing, with DDPM noise drawn from
        ``random_state``) give sharper, less smooth outputs.
    %(table_parameters)s
    %(architecture_parameters)s
    n_components : int or None, default=None
        Size of the code z. None uses ``n_features``: the corruption already
        keeps the network from learning the identity, so no bottleneck is
        needed. On load_digits (1,200 training rows, gaussian noise of half a
        standard deviation, noisy error 4.70) the held-out error of the
        denoised rows was 3.54 with a code of 64 and 3.97 with 32 (one
        hidden layer of 128, 100 epochs); a ``(64, 32)`` network with a code
        of 8 made it worse than the noise (7.80).
    hidden_layer_sizes : array-like of int or None, default=None
        Widths of the encoder's stages (layer units for "mlp", channels per
        stage for "conv" and "unet", one equal token width per attention
        block for "transformer"); the decoder mirrors them. None uses the
        architecture's default: ``(128,)`` for "mlp" and for "vq" on tables,
        ``(32, 64)`` for "conv" and for "vq" on images, ``(16, 32, 64)`` for
        "unet", ``(32,)`` for "transformer". For "mlp", one wide layer
        denoised digits better than two tapering ones (held-out error 3.2
        vs 3.4 for noise of error 4.7, 200 epochs).
    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s

    See Also
    --------
    AETransformer : The same autoencoder used for dimensionality reduction.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AEDenoiser
    >>> X, _ = load_digits(return_X_y=True)
    >>> noise = np.random.RandomState(0).normal(size=X.shape)
    >>> X_noisy = X + 0.5 * X.std(axis=0) * noise
    >>> denoiser = AEDenoiser(noise_level=0.5, max_iter=30, random_state=0).fit(X)
    >>> X_denoised = denoiser.transform(X_noisy)
    >>> bool(np.mean((X_denoised - X) ** 2) < np.mean((X_noisy - X) ** 2))
    True
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "noise": [StrOptions(set(NOISE_TYPES))],
        "noise_level": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "impute": ["boolean"],
        "model": [StrOptions({"autoencoder", "diffusion"})],
        "n_noise_levels": [Interval(Integral, 2, None, closed="left")],
        "n_sampling_steps": [Interval(Integral, 1, None, closed="left")],
        "categorical_features": CATEGORICAL_FEATURES_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        noise="gaussian",
        noise_level="auto",
        impute=False,
        model="autoencoder",
        n_noise_levels=1000,
        n_sampling_steps=1,
        categorical_features="from_dtype",
        architecture="mlp",
        image_shape=None,
        architecture_params=None,
        n_components=None,
        hidden_layer_sizes=None,
        activation="relu",
        dropout=0.0,
        scaling="standard",
        batch_size="auto",
        max_iter="auto",
        learning_rate_init=1e-3,
        alpha=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="cpu",
        net_params=None,
    ):
        super().__init__(
            architecture=architecture,
            image_shape=image_shape,
            architecture_params=architecture_params,
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            scaling=scaling,
            batch_size=batch_size,
            max_iter=max_iter,
            learning_rate_init=learning_rate_init,
            alpha=alpha,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
            net_params=net_params,
        )
        self.noise = noise
        self.noise_level = noise_level
        self.impute = impute
        self.model = model
        self.n_noise_levels = n_noise_levels
        self.n_sampling_steps = n_sampling_steps
        self.categorical_features = categorical_features

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the denoising autoencoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Clean training data when ``y`` is None (noise is added during
            training), else the noisy inputs.
        y : array-like of shape (n_samples, n_features) or None, default=None
            Clean targets matching ``X`` row by row. None, or a 1-D y (such
            as the class labels a ``Pipeline`` passes to every step), trains
            on X with synthetic noise, so the denoiser can precede a
            classifier.

        Returns
        -------
        self : AEDenoiser
            The fitted estimator.
        """
        X = self._validate_X(X, reset=not (self.warm_start and hasattr(self, "net_")))
        if self.model == "diffusion":
            if self.noise != "gaussian":
                raise ValueError(
                    f"model='diffusion' removes Gaussian noise; noise={self.noise!r} needs "
                    "model='autoencoder'."
                )
            # The diffusion model learns the clean data: the targets if given.
            clean = self._validate_target(X, y) if _is_clean_target(y) else X
            self._record_data_range(clean)
            return self._fit_autoencoder(clean)
        if _is_clean_target(y):
            return self._fit_autoencoder(X, target=self._validate_target(X, y))
        noise_level = self._noise_level()
        if self.noise == "masking" and noise_level >= 1:
            raise ValueError(
                f"noise='masking' needs a masking probability below 1, got noise_level="
                f"{noise_level}: every value would be masked. Use e.g. noise_level=0.3."
            )
        corruption = None
        if noise_level > 0:
            corruption = partial(
                corrupt, noise=self.noise, noise_level=noise_level, **self._table_noise()
            )
        return self._fit_autoencoder(X, corruption=corruption)

    def _table_noise(self):
        """Masking of a table's whole columns, a category's at its frequencies."""
        encoding = self._table_encoding()
        if encoding is None:
            return {}
        return {
            "columns": torch.as_tensor(encoding.value_columns()),
            "fill": self._missing_fill(),
        }

    def _categorical_refusal(self):
        if self.model == "diffusion":
            return (
                "model='diffusion' does not take categorical columns; use "
                "model='autoencoder' (the default)."
            )
        return None

    @staticmethod
    def _default_n_components(n_features):
        return n_features

    def _noise_level(self):
        """``noise_level``, with "auto" resolved for the noise and the model."""
        if self.noise_level != "auto":
            return self.noise_level
        if self.noise == "masking" and self.model != "diffusion":
            return MASKING_NOISE_LEVEL
        return 1.0

    def _imputes(self):
        return self.impute and self._generative_model() is None

    def _auto_budget(self):
        # Filling values asks for precise conditional means: an imputer
        # trains for about 30,000 mini-batches (on one split of digits with
        # 10 % missing, 14,500 gave RMSE 0.515 and 56,000 gave 0.490).
        if self._imputes():
            return IMPUTE_STEP_BUDGET * self.batch_size_, IMPUTE_EPOCH_RANGE
        return super()._auto_budget()

    def _auto_batch_size(self, module_class):
        if self._imputes():
            return IMPUTE_BATCH_SIZE
        return super()._auto_batch_size(module_class)

    def _stops_on_training_loss(self):
        # The loss under masking noise is too noisy to stop on: an imputer
        # trains for its budget unless early_stopping holds out data.
        return not self._imputes() and super()._stops_on_training_loss()

    def _validate_target(self, X, y):
        if self._table_encoding() is not None:
            if not hasattr(y, "columns"):
                raise ValueError(
                    "y must be the clean version of the table X: a DataFrame with its columns."
                )
            y = self.table_encoding_.encode(y[list(self.feature_names_in_)])
        with self._explained_missing_values_error("y"):
            y = check_array(
                y, dtype=X.dtype, input_name="y", ensure_all_finite=self._ensure_all_finite()
            )
        if y.shape != X.shape:
            raise ValueError(
                "y must be the clean version of X, with the same shape "
                f"{X.shape}; got y with shape {y.shape}."
            )
        return y

    def transform(self, X):
        """Denoise X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Noisy samples, possibly with missing values (NaN).

        Returns
        -------
        X_denoised : ndarray or DataFrame of shape (n_samples, n_features)
            The network output, in the units and dtype of X; with
            ``impute=True``, X with only its missing values filled by it.
            For a table with categorical columns, a DataFrame with its
            columns and dtypes, each category the most probable one.
        """
        index = getattr(X, "index", None)
        X = self._check_fitted_X(X)
        X_denoised = self._denoise(X)
        if self.impute:
            for rows in gen_batches(X.shape[0], _IMPUTE_ROWS):
                observed = ~np.isnan(X[rows])
                np.copyto(X_denoised[rows], X[rows], where=observed)
        return self._as_table(X_denoised, index=index)

    def _denoise(self, X):
        """The network's output for X, or the diffusion model's reverse process."""
        if self.model != "diffusion":
            return self._reconstruct(X)
        module = self.net_.module_
        generator = self._torch_generator(self.random_state)
        x0_range = self._scaled_data_range()

        def denoise(x):
            return module.denoise(
                x, self._noise_level(), self.n_sampling_steps, generator, x0_range=x0_range
            )

        return self._collect(
            denoise, X, self._n_values(), X.dtype, lambda _, out: self._unscaled(out)
        )

    def score(self, X, y=None):
        """Negative mean squared error of the denoised X (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Noisy samples.
        y : array-like of shape (n_samples, n_features) or None, default=None
            Clean samples. None (or a 1-D y, as in ``fit``) compares the
            output with X itself.

        Returns
        -------
        score : float
            Measured in the scaled space, like the training loss, over the
            entries where the target (y, else X) is observed; a category's
            error is its cross-entropy.
        """
        X = self._check_fitted_X(X)
        target = self._validate_target(X, y) if _is_clean_target(y) else X
        return -float(np.nanmean(self._output_errors(self._denoise(X), target)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _is_clean_target(y):
    """A 2-D y holds clean samples; None or 1-D labels are ignored."""
    return y is not None and np.asarray(y).ndim != 1
