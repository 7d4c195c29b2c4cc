"""``model="vq"``: sample and score with a codebook autoencoder and a prior over its indices."""

import numpy as np
import torch
from scipy.special import logsumexp
from sklearn.utils import gen_batches

from ._code_prior import UNCONDITIONAL_START, CodePriorFitter
from .nn._vae import _HALF_LOG_2PI, MIN_SCALE

# The prior trains with the estimator's own settings of these.
_PRIOR_TRAINING_PARAMETERS = (
    "batch_size",
    "max_iter",
    "learning_rate_init",
    "alpha",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "tol",
    "random_state",
    "verbose",
    "device",
    "net_params",
)
#: The prior's dropout unless ``prior_params`` sets it: it trains on few sequences.
PRIOR_DROPOUT = 0.2


class CodebookModelMixin:
    """The two stages of the DALL·E / VQGAN recipe, after the VQ autoencoder is fitted.

    The fitted VQ autoencoder (``net_``) gives each row a sequence of
    codebook indices; a causal transformer (``prior_``, a
    :class:`~sklearn_ae._code_prior.CodePriorFitter`) learns their
    distribution, started by the row's class token when ``fit`` had
    labels. The decoder becomes a likelihood p(x | code): a normal around
    the decoded row with one scale per feature, the root mean squared
    reconstruction error of that feature on the training data (its maximum
    likelihood estimate), at least ``MIN_SCALE``.
    """

    def _fit_codebook_prior(self, X, starts):
        """Fit the decoder's scales and the prior on the codes of X (after ``net_``)."""
        errors = self._mean_feature_errors(X)
        self.decoder_scale_ = np.maximum(np.sqrt(errors), MIN_SCALE)
        sequences = np.hstack([starts[:, np.newaxis], self._codebook_indices(X)])
        training = {name: getattr(self, name) for name in _PRIOR_TRAINING_PARAMETERS}
        if self.warm_start and hasattr(self, "prior_"):
            prior = self.prior_.set_params(warm_start=True, **training)
        else:
            settings = dict(self.prior_params or {})
            architecture = {
                "n_positions": self.net_.module_.n_positions,
                "codebook_size": len(self.net_.module_.quantizer.codebook),
                "n_classes": len(getattr(self, "classes_", ())),
                **settings,
            }
            dropout = architecture.pop("dropout", PRIOR_DROPOUT)
            prior = CodePriorFitter(
                scaling=None, architecture_params=architecture, dropout=dropout, **training
            )
        self.prior_ = prior.fit(sequences)

    def _codebook_log_likelihood(self, X):
        """log p(x | code(x)) of each row, in the scaled space, as float64."""
        log_scale = self._net_tensor(np.log(self.decoder_scale_))
        constant = float(log_scale.sum()) + X.shape[1] * _HALF_LOG_2PI

        def log_likelihood(X_batch, output):
            z_scores = (X_batch - output) / log_scale.exp()
            return -0.5 * z_scores.square().sum(dim=1) - constant

        return self._collect("forward", X, None, np.float64, log_likelihood)

    def _codebook_bound(self, X, labels):
        """The ELBO of each row: ``log P(code | class) + log p(x | code)``.

        With a one-hot posterior (the encoder picks one code), the ELBO is
        the joint log-probability of x and its code, a lower bound on log
        p(x). ``labels`` are class indices, or None: then the classes are
        summed out, ``log sum_c pi_c P(code | c)``, or the unconditional
        prior is used.
        """
        codes = self._codebook_indices(X)
        bound = self._codebook_log_likelihood(X)
        if labels is not None or not hasattr(self, "classes_"):
            starts = np.full(len(X), UNCONDITIONAL_START) if labels is None else labels
            return bound + self.prior_.log_prob(np.hstack([starts[:, np.newaxis], codes]))
        by_class = [
            np.log(share) + self.prior_.log_prob(np.hstack([np.full((len(X), 1), c), codes]))
            for c, share in enumerate(self.class_prior_)
        ]
        return bound + logsumexp(by_class, axis=0)

    def _codebook_samples(self, labels, generator, noise):
        """Rows for each start token: indices from the prior, decoded, in the scaled space.

        With ``noise`` the rows are drawn from p(x | code), else they are its means.
        """
        module = self.net_.module_
        codes = self.prior_.sample(
            labels, generator, self.temperature, self.top_k, self.top_p, self.guidance
        )
        scale = self._net_tensor(self.decoder_scale_)
        out = []
        with torch.inference_mode():
            for rows in gen_batches(len(codes), self._inference_rows()):
                means = module.decode_indices(codes[rows])
                if noise:
                    draws = torch.randn(means.shape, generator=generator, device=means.device)
                    means = means + draws * scale
                out.append(means)
        return torch.cat(out)
