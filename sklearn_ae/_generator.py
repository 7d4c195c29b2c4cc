"""Generation: a VAE, a diffusion model or a codebook model that samples new rows."""

from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import logsumexp
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    DensityMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from ._base import BaseAutoencoder
from ._calibration import OutputCalibration
from ._code_prior import UNCONDITIONAL_START
from ._codebook_model import CodebookModelMixin
from ._docs import fill_shared_parameters
from ._generative import (
    BOUND_LEVELS,
    CODEBOOK_MODEL,
    DIFFUSION_EPOCH_RANGE,
    DIFFUSION_STEP_BUDGET,
    GENERATIVE_NETWORKS,
    GenerativeNetworkMixin,
)
from ._table import CATEGORICAL_FEATURES_CONSTRAINT
from .nn._vae import LIKELIHOODS


def _has_code(estimator):
    """Whether the model has a latent code to transform to (the VAE and the codebook)."""
    return estimator.model in ("vae", CODEBOOK_MODEL)


@fill_shared_parameters(scaling_default="standard")
class AEGenerator(
    CodebookModelMixin,
    GenerativeNetworkMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    DensityMixin,
    BaseAutoencoder,
):
    """Generate new samples with a VAE, a diffusion model or a codebook model.

    A density estimator in the style of
    :class:`~sklearn.mixture.GaussianMixture` and
    :class:`~sklearn.neighbors.KernelDensity`: ``fit(X)`` learns the
    distribution of the rows of X, ``sample(n_samples)`` draws new rows in
    the units of X, and ``score_samples(X)`` returns a lower bound on each
    row's log-density (so ``score`` can compare models in a
    ``GridSearchCV``). ``fit(X, y)`` with class labels makes the model
    conditional: ``sample(n_samples, y=label)`` draws rows of that class.
    Three models:

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
      With classes it follows classifier-free guidance (Ho and Salimans,
      2022).
    - ``model="vq"``, the recipe of VQ-VAE, VQGAN and DALL·E (van den Oord
      et al., 2017; Esser et al., 2021; Ramesh et al., 2021): a
      vector-quantised autoencoder turns each row into a short sequence of
      codebook indices, then a causal transformer learns their
      distribution; ``sample`` draws indices one at a time and decodes
      them, and ``codebook_indices`` gives a row's indices.

    The network inside comes from ``architecture``: "mlp" for tables,
    "conv" (VAE, codebook) or "unet" (diffusion) for images with
    ``image_shape``. The user guide compares the models on digits and a
    table (:ref:`generation`).

    Parameters
    ----------
    model : {"vae", "diffusion", "vq"}, default="vae"
        The generative model. "vae" fits fast and gives a latent space;
        "diffusion" gives the samples hardest to tell from real data, at
        the highest cost; "vq" gives discrete codes and sampling controls
        (``temperature``, ``top_k``, ``top_p``).
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
    guidance : float, default=1.0
        Diffusion and codebook models fitted with classes: classifier-free
        guidance strength w, used by ``sample(n, y=...)``: the network's
        prediction for the class is pushed away from its prediction without
        a class, ``(1 + w) pred(class) - w pred(none)``. 0 samples from the
        conditional model itself; higher values give samples more typical
        of their class and less varied.
    temperature : float, default=1.0
        Codebook model only: divides the prior's logits when drawing
        indices. Below 1 favours likely codes (cleaner, less varied samples).
    top_k : int or None, default=None
        Codebook model only: draw each index among the ``top_k`` most
        likely ones. None draws among all.
    top_p : float or None, default=None
        Codebook model only: draw each index among the most likely ones
        whose probabilities add up to ``top_p`` (nucleus sampling). None
        draws among all.
    prior_params : dict or None, default=None
        Codebook model only: the prior transformer's size, keys ``width``
        (64), ``n_blocks`` (2), ``n_heads`` (4) and ``dropout`` (0.2). It
        trains with the estimator's training parameters (``batch_size``,
        ``max_iter``, early stopping...), on 64 sequences per batch when
        ``batch_size="auto"``.
    decoder_sampling : {"calibrated", "mean", "draw"}, default="calibrated"
        VAE and codebook model: what ``sample`` returns for a drawn code.
        "draw" draws from the decoder's likelihood p(x | z), the model that
        ``score_samples`` bounds; "mean" returns its mean, which is blurred
        on sharp data; "calibrated" maps each feature of the mean through a
        monotone map that gives the training reconstructions the training
        data's distribution (quantile matching). "calibrated" made samples
        much harder to tell from real digits than the other two.
    %(table_parameters)s
    %(architecture_parameters)s
    n_components : int or None, default=None
        VAE: size of the latent code z. Codebook model: size of the code on
        tables (one codebook entry per value unless ``architecture_params``
        sets ``n_groups``), size of each position's vector on images. None
        picks ``round(sqrt(n_features))``, at least 2 and at most
        ``n_features``.
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
    classes_ : ndarray of shape (n_classes,)
        The class labels, when ``fit`` was given y.
    class_prior_ : ndarray of shape (n_classes,)
        Share of each class in the training data: ``sample`` without y
        draws classes in these proportions.
    prior_ : estimator
        Codebook model only: the fitted prior over codebook indices, with
        its own ``n_iter_``, ``loss_curve_`` and ``validation_loss_curve_``.
    decoder_scale_ : ndarray of shape (`n_features_in_`,)
        Codebook model only: the scale of each feature in the decoder's
        Gaussian likelihood, in the scaled space: the root mean squared
        reconstruction error of the feature on the training data.
    output_calibration_ : object
        VAE and codebook model: the monotone map of each feature used by
        ``decoder_sampling="calibrated"``.

    See Also
    --------
    sklearn.mixture.GaussianMixture : A Gaussian mixture density with ``sample``.
    sklearn.neighbors.KernelDensity : Kernel density estimation with ``sample``.
    AETransformer : A deterministic autoencoder for dimensionality reduction.

    References
    ----------
    .. [1] D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes",
       ICLR 2014.
    .. [2] K. Sohn, H. Lee and X. Yan, "Learning Structured Output
       Representation using Deep Conditional Generative Models", NeurIPS 2015.
    .. [3] J. Ho, A. Jain and P. Abbeel, "Denoising Diffusion Probabilistic
       Models", NeurIPS 2020.
    .. [4] J. Ho and T. Salimans, "Classifier-Free Diffusion Guidance",
       NeurIPS 2021 Workshop on Deep Generative Models, 2022.
    .. [5] A. van den Oord, O. Vinyals and K. Kavukcuoglu, "Neural Discrete
       Representation Learning", NeurIPS 2017.
    .. [6] P. Esser, R. Rombach and B. Ommer, "Taming Transformers for
       High-Resolution Image Synthesis", CVPR 2021.
    .. [7] A. Ramesh et al., "Zero-Shot Text-to-Image Generation", ICML 2021.

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

    Sampling by class:

    >>> X, y = load_wine(return_X_y=True)
    >>> vae = AEGenerator(max_iter=50, random_state=0).fit(X, y)
    >>> vae.classes_
    array([0, 1, 2])
    >>> vae.sample(4, y=2).shape
    (4, 13)
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "model": [StrOptions({*GENERATIVE_NETWORKS, CODEBOOK_MODEL})],
        "categorical_features": CATEGORICAL_FEATURES_CONSTRAINT,
        "likelihood": [StrOptions(set(LIKELIHOODS))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "n_noise_levels": [Interval(Integral, 2, None, closed="left")],
        "n_sampling_steps": [Interval(Integral, 1, None, closed="left")],
        "guidance": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "top_k": [Interval(Integral, 1, None, closed="left"), None],
        "top_p": [Interval(Real, 0, 1, closed="right"), None],
        "prior_params": [dict, None],
        "decoder_sampling": [StrOptions({"calibrated", "mean", "draw"})],
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
        guidance=1.0,
        temperature=1.0,
        top_k=None,
        top_p=None,
        prior_params=None,
        decoder_sampling="calibrated",
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
        self.guidance = guidance
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p
        self.prior_params = prior_params
        self.decoder_sampling = decoder_sampling
        self.categorical_features = categorical_features

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the distribution of the rows of X, or of each class's rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or None, default=None
            Class labels (any hashable values, as for a classifier). With
            them the model is conditional: :meth:`sample` draws rows of the
            classes it is given and :meth:`score_samples` can score rows
            given their class. None learns the distribution of all rows.

        Returns
        -------
        self : AEGenerator
            The fitted estimator.
        """
        continuing = self.warm_start and hasattr(self, "net_")
        X = self._validate_X(X, reset=not continuing)
        labels = self._fit_labels(y, len(X), continuing)
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
        self._training_labels = labels
        try:
            self._fit_autoencoder(X)
        finally:
            del self._training_labels
        with self._unfitted_on_failure():
            if self.model == CODEBOOK_MODEL:
                starts = np.full(len(X), UNCONDITIONAL_START) if labels is None else labels
                self._fit_codebook_prior(X, starts)
            if _has_code(self):
                numeric = self._numeric_values()
                self.output_calibration_ = OutputCalibration(
                    self._training_reconstructions(X, labels)[:, numeric],
                    X[:, numeric],
                    self.random_state,
                )
        return self

    def _training_reconstructions(self, X, labels):
        """Decoder means for the codes of X (a conditional VAE's for each row's class)."""
        if not self._n_classes():
            return self._reconstruct(X)
        module = self.net_.module_

        def reconstruct(x, batch_labels):
            return self._unscaled(module.decode(module.encode(x), batch_labels))

        return self._collect_labelled(reconstruct, X, labels, X.shape[1])

    def _fit_labels(self, y, n_samples, continuing):
        """Set ``classes_`` and ``class_prior_`` from y; return its class indices (or None)."""
        if y is None:
            if continuing and hasattr(self, "classes_"):
                raise ValueError(
                    "This AEGenerator was fitted with class labels: give y to continue "
                    "training it (warm_start=True)."
                )
            for name in ("classes_", "class_prior_"):
                self.__dict__.pop(name, None)
            return None
        y = column_or_1d(y, warn=True)
        check_consistent_length(np.empty(n_samples), y)
        check_classification_targets(y)
        classes, labels = np.unique(y, return_inverse=True)
        if continuing and not np.array_equal(classes, getattr(self, "classes_", None)):
            raise ValueError(
                "warm_start=True continues training on the classes of the first fit "
                f"({getattr(self, 'classes_', 'none')}), but y holds {classes}."
            )
        self.classes_ = classes
        self.class_prior_ = np.bincount(labels) / n_samples
        return labels

    def _n_classes(self):
        # The codebook's autoencoder learns all rows; its prior takes the class.
        if self.model == CODEBOOK_MODEL:
            return 0
        return len(getattr(self, "classes_", ()))

    def _training_tensors(self, X, target, device, input_missing):
        X_t, y_t = super()._training_tensors(X, target, device, input_missing)
        if self._n_classes():
            # The class index rides along as a last column (see the networks' forward).
            labels = torch.as_tensor(self._training_labels, dtype=X_t.dtype, device=device)
            X_t = y_t = torch.cat([X_t, labels[:, None]], dim=1)
        return X_t, y_t

    def _class_indices(self, y, n_samples, name="y"):
        """Class indices of the labels y (one label, or one per row), checked."""
        if not hasattr(self, "classes_"):
            raise ValueError(
                f"{name} was given, but this AEGenerator was fitted without class labels: "
                "fit it with fit(X, y) to draw or score rows by class."
            )
        y = np.asarray(y)
        y = np.full(n_samples, y[()], dtype=y.dtype) if y.ndim == 0 else column_or_1d(y)
        if len(y) != n_samples:
            raise ValueError(f"{name} holds {len(y)} labels for {n_samples} rows.")
        classes = self.classes_.tolist()
        index = {label: i for i, label in enumerate(classes)}
        unknown = sorted({label for label in y.tolist() if label not in index}, key=str)
        if unknown:
            raise ValueError(
                f"{name} holds labels that were not in the training classes {classes}: {unknown}."
            )
        return np.array([index[label] for label in y.tolist()], dtype=np.int64)

    # ------------------------------------------------------------------
    # Sampling and densities
    # ------------------------------------------------------------------
    @validate_params(
        {
            "n_samples": [Interval(Integral, 1, None, closed="left")],
            "y": ["array-like", Integral, Real, str, None],
            "random_state": ["random_state"],
        },
        prefer_skip_nested_validation=True,
    )
    def sample(self, n_samples=1, y=None, random_state=None):
        """Draw new rows from the fitted model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw; they are generated in batches of bounded
            memory.
        y : label, array-like of shape (n_samples,) or None, default=None
            The class of the rows to draw (one label for all, or one per
            row), for a model fitted with class labels. None draws each
            row's class at random in the training proportions
            (``class_prior_``), or, without classes, from the whole data.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws. None uses the estimator's ``random_state``, so
            that, as in :meth:`GaussianMixture.sample
            <sklearn.mixture.GaussianMixture.sample>`, an int
            ``random_state`` gives the same rows at every call.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            New rows in the units of the training data, in float64. VAE and
            codebook rows decode a code z drawn from the prior, as
            ``decoder_sampling`` says (by default the calibrated decoder
            mean). For a table with categorical columns, a DataFrame with
            its columns and dtypes; the VAE draws each category from the
            decoder's probabilities, the diffusion model takes the largest
            of its indicators.
        """
        check_is_fitted(self)
        random_state = self.random_state if random_state is None else random_state
        generator = self._torch_generator(random_state)
        if y is not None:
            labels = self._class_indices(y, n_samples)
        elif hasattr(self, "classes_"):
            rng = np.random.RandomState(int(torch.randint(2**31 - 1, (1,), generator=generator)))
            labels = rng.choice(len(self.classes_), n_samples, p=self.class_prior_)
        else:
            labels = None
        if self.model == CODEBOOK_MODEL:
            starts = np.full(n_samples, UNCONDITIONAL_START) if labels is None else labels
            draws = self._codebook_samples(starts, generator, self.decoder_sampling == "draw")
            return self._calibrated(self._unscaled(draws).cpu().numpy().astype(np.float64))
        module = self.net_.module_
        module.eval()
        device = torch.device(self.net_.device)
        if labels is not None:
            labels = torch.as_tensor(labels, device=device)
        if self.model == "diffusion":
            x0_range = self._scaled_data_range()
        out = np.empty((n_samples, self._n_values()))
        with torch.inference_mode():
            for rows in gen_batches(n_samples, self._inference_rows()):
                n_rows = rows.stop - rows.start
                batch_labels = None if labels is None else labels[rows]
                if self.model == "vae":
                    noise = self.decoder_sampling == "draw"
                    draws = module.sample(n_rows, generator, noise=noise, labels=batch_labels)
                else:
                    draws = module.sample(
                        n_rows,
                        self.n_sampling_steps,
                        generator,
                        x0_range=x0_range,
                        labels=batch_labels,
                        guidance=self.guidance,
                    )
                out[rows] = self._unscaled(draws).cpu().numpy()
        out = self._calibrated(out) if self.model == "vae" else out
        return self._sampled_table(out, generator)

    def _calibrated(self, means):
        """Decoder means mapped to the training marginals, if ``decoder_sampling`` asks.

        Only numbers: a table's categories are drawn from their probabilities.
        """
        if self.decoder_sampling != "calibrated":
            return means
        numeric = self._numeric_values()
        means[:, numeric] = self.output_calibration_(means[:, numeric])
        return means

    def _numeric_values(self):
        """Mask of the values that are numbers (not a table's category indicators)."""
        encoding = self._table_encoding()
        if encoding is None:
            return np.ones(self.n_features_in_, dtype=bool)
        return ~encoding.indicator_mask()

    def _sampled_table(self, values, generator):
        """Samples as the training table; categories drawn from the decoder's probabilities.

        The diffusion model and drawn decoder outputs (``decoder_sampling="draw"``,
        Gumbel noise on the logits) already hold a draw: their most probable
        category is taken.
        """
        if self._table_encoding() is None:
            return values
        drawn = self.model == "diffusion" or self.decoder_sampling == "draw"
        seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
        return self._as_table(values, draw=None if drawn else np.random.default_rng(seed))

    def _categorical_refusal(self):
        if self.model == CODEBOOK_MODEL:
            return (
                "model='vq' does not take categorical columns yet; use model='vae' or "
                "model='diffusion'."
            )
        if self.model == "vae" and self.likelihood != "gaussian":
            return "categorical columns need likelihood='gaussian'."
        return None

    def score_samples(self, X, y=None):
        """A lower bound on the log-density of each row: the ELBO.

        For the VAE, the evidence lower bound ``E_q[log p(x | z)] - KL(q(z |
        x) || p(z))``, its expectation averaged over 16 draws of z (the same
        draws for every call). For diffusion, the variational bound of Ho et
        al. (2020) with a Gaussian decoder at the first step, estimated from
        50 noise levels spaced geometrically (each standing for its
        neighbours), with the same noise for every call. For the codebook
        model, ``log P(code) + log p(x | code)`` for the code the encoder
        picks (the ELBO of a one-hot posterior). All are densities of X in
        its own units (the scaling's Jacobian is included), so they compare
        with :meth:`GaussianMixture.score_samples
        <sklearn.mixture.GaussianMixture.score_samples>`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score, in batches of bounded memory.
        y : label, array-like of shape (n_samples,) or None, default=None
            For a model fitted with class labels, the class of each row (or
            one for all): the bound is then on log p(x | class). None bounds
            log p(x), summing the classes out: ``log sum_c pi_c p(x | c)``
            from the bounds of every class (one pass per class).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-density bounds in nats, in float64; higher is more typical.
            With ``likelihood="bernoulli"``, rows with values outside [0, 1]
            score ``-inf``.
        """
        X = self._check_fitted_X(X)
        labels = None if y is None else self._class_indices(y, len(X))
        if self.model == CODEBOOK_MODEL:
            scores = self._codebook_bound(X, labels)
        elif labels is not None or not self._n_classes():
            scores = self._network_bound(X, labels)
        else:
            by_class = [
                np.log(share) + self._network_bound(X, np.full(len(X), c))
                for c, share in enumerate(self.class_prior_)
            ]
            scores = logsumexp(by_class, axis=0)
        _, scale = self._scaling()
        scores -= np.log(scale.astype(np.float64)).sum()
        if self.model == "vae" and self.likelihood == "bernoulli":
            scores[np.any((X < 0) | (X > 1), axis=1)] = -np.inf
        return scores

    def _network_bound(self, X, labels):
        """The VAE's or diffusion model's bound of each row, in the scaled space."""
        module = self.net_.module_
        if self.model == "vae":
            noise = self._elbo_noise()

            def bound(x, batch_labels):
                return module.elbo(x, noise, batch_labels)

        else:
            steps, weights = module.bound_quadrature(BOUND_LEVELS)
            noise = self._fixed_noise(len(steps), self._n_values())

            def bound(x, batch_labels):
                return module.log_likelihood_bound(x, steps, weights, noise, batch_labels)

        if labels is None:
            return self._collect(
                lambda x: bound(x, None), X, None, np.float64, lambda _, values: values
            )
        return self._collect_labelled(bound, X, labels, None)

    def _collect_labelled(self, function, X, labels, n_columns):
        """Like ``_collect``, for ``function(X_batch, labels_batch)`` of the scaled rows."""
        labels = torch.as_tensor(labels)
        out = np.empty((len(X), n_columns) if n_columns else len(X))
        for rows, X_batch, _ in self._run_module(lambda x: None, X):
            n_rows = rows.stop - rows.start
            batch_labels = torch.zeros(X_batch.shape[0], dtype=torch.long)
            batch_labels[:n_rows] = labels[rows]
            values = function(X_batch, batch_labels.to(X_batch.device))
            out[rows] = values[:n_rows].cpu().numpy()
        return out

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over X: a lower bound on the mean log-density.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,) or None, default=None
            For a model fitted with class labels, the class of each row (the
            mean bound on log p(x | class), as ``GridSearchCV`` passes it);
            ignored by a model fitted without them.

        Returns
        -------
        score : float
            Mean ELBO per row, in nats (higher is better).
        """
        y = y if hasattr(self, "classes_") else None
        return float(np.mean(self.score_samples(X, y)))

    # ------------------------------------------------------------------
    # The latent code (VAE and codebook model)
    # ------------------------------------------------------------------
    def transform(self, X):
        """The latent code of each row (VAE and codebook model only).

        The VAE's posterior mean of z, or the codebook model's quantised
        code (its codebook entries, concatenated; ``codebook_indices`` gives
        their indices).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, `n_components_`)
            The codes, in the dtype of X.
        """
        return self._encode(self._check_fitted_X(X))

    def fit_transform(self, X, y=None):
        """Fit to X (and y), then return the latent codes of X (VAE and codebook model only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or None, default=None
            Class labels, as in :meth:`fit`.

        Returns
        -------
        Z : ndarray of shape (n_samples, `n_components_`)
            The codes, in the dtype of X.
        """
        return self.fit(X, y).transform(X)

    def inverse_transform(self, X):
        """Decode latent codes to rows: the mean of p(x | z) (VAE and codebook model only).

        A VAE fitted with class labels decodes a code differently for each
        class, so it has no ``inverse_transform``: draw rows of a class with
        :meth:`sample` instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_components_`)
            Latent codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            Decoded rows, in the units of the training data (for a table
            with categorical columns, a DataFrame with its most probable
            categories).
        """
        if self._n_classes() and self.model == "vae":
            raise ValueError(
                "This VAE was fitted with class labels, so decoding a code needs its "
                "class; draw rows of a class with sample(n_samples, y=...) instead."
            )
        return self._as_table(self._inverse_transform(X))

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# The latent code exists for the VAE and the codebook model only.
# ``available_if`` is applied after the class is made: set_output wraps
# ``transform`` and ``fit_transform`` when the class is created, and that
# wrapper would hide an ``available_if`` inside.
for _name in ("transform", "fit_transform", "inverse_transform"):
    setattr(AEGenerator, _name, available_if(_has_code)(getattr(AEGenerator, _name)))
