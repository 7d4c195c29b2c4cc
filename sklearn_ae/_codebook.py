"""Codebook indices and usage, for networks with a learned codebook ("vq")."""

import numpy as np
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .nn import get_architecture


def _has_codebook(estimator):
    """Whether the estimator's network quantises its code with a codebook."""
    if hasattr(estimator, "net_"):
        return hasattr(estimator.net_.module_, "codebook_indices")
    try:
        return hasattr(get_architecture(estimator.architecture), "codebook_indices")
    except (TypeError, ValueError):
        return False


class CodebookMixin:
    """``codebook_indices`` and the fitted codebook usage, for "vq" networks."""

    @available_if(_has_codebook)
    def codebook_indices(self, X):
        """The codebook entry chosen at each position of each row's code.

        Only for networks with a codebook (``architecture="vq"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        indices : ndarray of shape (n_samples, n_positions), dtype int64
            Index into the codebook of each code vector: of each group of
            the code (tables) or each spatial position (images), in order.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AETransformer
        >>> X = np.random.RandomState(0).normal(size=(60, 6))
        >>> ae = AETransformer(architecture="vq", n_components=4, max_iter=2,
        ...                    architecture_params={"n_groups": 2, "codebook_size": 8},
        ...                    random_state=0).fit(X)
        >>> ae.codebook_indices(X[:3]).shape
        (3, 2)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._codebook_indices(X)

    def _codebook_indices(self, X):
        n_positions = self.net_.module_.n_positions
        return self._collect("codebook_indices", X, n_positions, np.int64, lambda _, i: i)

    def _record_codebook_usage(self, X):
        """Set ``codebook_perplexity_`` and ``codebook_usage_`` from X's codes."""
        if not _has_codebook(self):
            return
        codebook_size = len(self.net_.module_.quantizer.codebook)
        counts = np.bincount(self._codebook_indices(X).ravel(), minlength=codebook_size)
        shares = counts[counts > 0] / counts.sum()
        self.codebook_perplexity_ = float(np.exp(-(shares * np.log(shares)).sum()))
        self.codebook_usage_ = float((counts > 0).mean())
        if self.verbose:
            print(
                f"codebook: {self.codebook_usage_:.0%} of {codebook_size} entries used, "
                f"perplexity {self.codebook_perplexity_:.1f}"
            )
