"""Generation: a variational autoencoder or a denoising diffusion model that samples new rows."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    DensityMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAutoencoder
from ._docs import fill_shared_parameters
from ._generative import (
    BOUND_LEVELS,
    DIFFUSION_EPOCH_RANGE,
    DIFFUSION_STEP_BUDGET,
    GENERATIVE_NETWORKS,
    GenerativeNetworkMixin,
)
from .nn._vae import LIKELIHOODS


def _is_vae(estimator):
    return estimator.model == "vae"


@fill_shared_parameters(scaling_default="standard")
class AEGenerator(
    GenerativeNetworkMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    DensityMixin,
    BaseAutoencoder,
):
    """Generate new samples with a variational autoencoder or a diffusion model.

    A density estimator in the style of
    :class:`~sklearn.mixture.GaussianMixture` and
    :class:`~sklearn.neighbors.KernelDensity`: ``fit(X)`` learns the
    distribution of the rows of X, ``sample(n_samples)`` draws new rows in
    the units of X, and ``score_samples(X)`` returns a lower bound on each
    row's log-density (so ``score`` can compare models in a
    ``GridSearchCV``). Two models:

    - ``model="vae"``, a variational autoencoder (Kingma and Welling, 2014):
      a probabilistic encoder q(z | x), a standard normal prior p(z) and a
      decoder p(x | z), trained on the evidence lower bound (ELBO).
      ``transform`` returns the posterior mean of z and
      ``inverse_transform`` decodes a code, as for
      :class:`AETransformer`.
    - ``model="diffusion"``, a denoising diffusion model (DDPM, Ho et al.,
      2020): a network that predicts the noise added to the data at each of
      ``n_noise_levels`` levels; ``sample`` runs the reverse process from
      pure noise in ``n_sampling_steps`` DDIM steps (Song et al., 2021).

    The network inside comes from ``architecture``: "mlp" for tables,
    "conv" (VAE) or "unet" (diffusion) for images with ``image_shape``.

    Parameters
    ----------
    model : {"vae", "diffusion"}, default="vae"
        The generative model.
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        VAE only: the decoder's distribution p(x | z). "gaussian" (a normal
        with one learned scale per feature, at least 0.001 of the feature's
        spread) suits any real data and is the default for that reason;
        "bernoulli" (the continuous Bernoulli, a proper density on [0, 1])
        suits data in [0, 1] such as pixel intensities, and needs
        ``scaling=None``.
    beta : float, default=1.0
        VAE only: weight of the KL term in the training loss (a beta-VAE;
        Higgins et al., 2017). 1 trains on the ELBO itself; below 1 gives
        sharper reconstructions and a less regular latent space.
    n_noise_levels : int, default=1000
        Diffusion only: steps of the forward (noising) process, with the
        cosine schedule of Nichol and Dhariwal (2021).
    n_sampling_steps : int, default=50
        Diffusion only: DDIM steps of the reverse process in ``sample``.
    %(architecture_parameters)s
    n_components : int or None, default=None
        VAE only: size of the latent code z. None picks
        ``round(sqrt(n_features))``, at least 2 and at most ``n_features``.
    hidden_layer_sizes : array-like of int or None, default=None
        Widths of the network's stages. None uses ``(128,)`` for the VAE on
        tables, ``(256, 256)`` for diffusion on tables (its network has no
        bottleneck: the code is as wide as the widest stage), and the
        architecture's default on images: ``(32, 64)`` for "conv" and
        ``(16, 32, 64)`` for "unet".
    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s
    data_min_ : ndarray of shape (`n_features_in_`,)
        Smallest value of each feature in the training data. Diffusion
        sampling clips its estimate of the clean data at every step to the
        training range.
    data_max_ : ndarray of shape (`n_features_in_`,)
        Largest value of each feature in the training data.

    See Also
    --------
    sklearn.mixture.GaussianMixture : A Gaussian mixture density with ``sample``.
    sklearn.neighbors.KernelDensity : Kernel density estimation with ``sample``.
    AETransformer : A deterministic autoencoder for dimensionality reduction.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn_ae import AEGenerator
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = AEGenerator(n_components=4, max_iter=50, random_state=0).fit(X)
    >>> vae.sample(5).shape
    (5, 13)
    >>> vae.score_samples(X[:3]).shape
    (3,)
    >>> vae.transform(X[:3]).shape
    (3, 4)
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "model": [StrOptions(set(GENERATIVE_NETWORKS))],
        "likelihood": [StrOptions(set(LIKELIHOODS))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "n_noise_levels": [Interval(Integral, 2, None, closed="left")],
        "n_sampling_steps": [Interval(Integral, 1, None, closed="left")],
    }

    # Generative models need more training than a reconstruction: about
    # 10,000 mini-batches, within 2,000 epochs (for the VAE too).
    _auto_step_budget = DIFFUSION_STEP_BUDGET
    _auto_epoch_range = DIFFUSION_EPOCH_RANGE

    def __init__(
        self,
        *,
        model="vae",
        likelihood="gaussian",
        beta=1.0,
        n_noise_levels=1000,
        n_sampling_steps=50,
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
        early_stopping="auto",
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
        self.model = model
        self.likelihood = likelihood
        self.beta = beta
        self.n_noise_levels = n_noise_levels
        self.n_sampling_steps = n_sampling_steps

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the distribution of the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : AEGenerator
            The fitted estimator.
        """
        X = self._validate_X(X, reset=not (self.warm_start and hasattr(self, "net_")))
        if self.model == "vae" and self.likelihood == "bernoulli":
            if self.scaling is not None:
                raise ValueError(
                    "likelihood='bernoulli' models X in [0, 1] as it is: set scaling=None."
                )
            if X.min() < 0 or X.max() > 1:
                raise ValueError(
                    "likelihood='bernoulli' needs X in [0, 1], but X holds values in "
                    f"[{X.min():g}, {X.max():g}]. Rescale X (e.g. with MinMaxScaler) or "
                    "use likelihood='gaussian'."
                )
        self._record_data_range(X)
        return self._fit_autoencoder(X)

    # ------------------------------------------------------------------
    # Sampling and densities
    # ------------------------------------------------------------------
    @validate_params(
        {
            "n_samples": [Interval(Integral, 1, None, closed="left")],
            "random_state": ["random_state"],
        },
        prefer_skip_nested_validation=True,
    )
    def sample(self, n_samples=1, random_state=None):
        """Draw new rows from the fitted model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw; they are generated in batches of bounded
            memory.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws. None uses the estimator's ``random_state``, so
            that, as in :meth:`GaussianMixture.sample
            <sklearn.mixture.GaussianMixture.sample>`, an int
            ``random_state`` gives the same rows at every call.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
            New rows in the units of the training data, in float64. VAE rows
            are draws from p(x | z) for z drawn from the prior.
        """
        check_is_fitted(self)
        generator = self._torch_generator(
            self.random_state if random_state is None else random_state
        )
        module = self.net_.module_
        module.eval()
        if self.model == "diffusion":
            x0_range = self._scaled_data_range()
        out = np.empty((n_samples, self.n_features_in_))
        with torch.inference_mode():
            for rows in gen_batches(n_samples, self._inference_rows()):
                n_rows = rows.stop - rows.start
                if self.model == "vae":
                    draws = module.sample(n_rows, generator)
                else:
                    draws = module.sample(
                        n_rows, self.n_sampling_steps, generator, x0_range=x0_range
                    )
                out[rows] = self._unscaled(draws).cpu().numpy()
        return out

    def score_samples(self, X):
        """A lower bound on the log-density of each row: the ELBO.

        For the VAE, the evidence lower bound ``E_q[log p(x | z)] - KL(q(z |
        x) || p(z))``, its expectation averaged over 16 draws of z (the same
        draws for every call). For diffusion, the variational bound of Ho et
        al. (2020) with a Gaussian decoder at the first step, estimated from
        50 noise levels spaced geometrically (each standing for its
        neighbours), with the same noise for every call. Both are densities
        of X in its own units (the scaling's Jacobian is included), so they
        compare with :meth:`GaussianMixture.score_samples
        <sklearn.mixture.GaussianMixture.score_samples>`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score, in batches of bounded memory.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-density bounds in nats, in float64; higher is more typical.
            With ``likelihood="bernoulli"``, rows with values outside [0, 1]
            score ``-inf``.
        """
        X = self._check_fitted_X(X)
        module = self.net_.module_
        if self.model == "vae":
            noise = self._elbo_noise()

            def bound(x):
                return module.elbo(x, noise)

        else:
            steps, weights = module.bound_quadrature(BOUND_LEVELS)
            noise = self._fixed_noise(len(steps), self.n_features_in_)

            def bound(x):
                return module.log_likelihood_bound(x, steps, weights, noise)

        scores = self._collect(bound, X, None, np.float64, lambda _, values: values)
        _, scale = self._scaling()
        scores -= np.log(scale.astype(np.float64)).sum()
        if self.model == "vae" and self.likelihood == "bernoulli":
            scores[np.any((X < 0) | (X > 1), axis=1)] = -np.inf
        return scores

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over X: a lower bound on the mean log-density.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            Mean ELBO per row, in nats (higher is better).
        """
        return float(np.mean(self.score_samples(X)))

    # ------------------------------------------------------------------
    # The latent code (VAE)
    # ------------------------------------------------------------------
    def transform(self, X):
        """The posterior mean of the latent code z of each row (VAE only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, `n_components_`)
            Posterior means, in the dtype of X.
        """
        return self._encode(self._check_fitted_X(X))

    def fit_transform(self, X, y=None):
        """Fit to X, then return the posterior means of its codes (VAE only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        Z : ndarray of shape (n_samples, `n_components_`)
            Posterior means, in the dtype of X.
        """
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Decode latent codes to rows: the mean of p(x | z) (VAE only).

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_components_`)
            Latent codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, `n_features_in_`)
            Decoded rows, in the units of the training data.
        """
        return self._inverse_transform(X)

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# The latent code exists for the VAE only. ``available_if`` is applied after
# the class is made: set_output wraps ``transform`` and ``fit_transform`` when
# the class is created, and that wrapper would hide an ``available_if`` inside.
for _name in ("transform", "fit_transform", "inverse_transform"):
    setattr(AEGenerator, _name, available_if(_is_vae)(getattr(AEGenerator, _name)))
