"""Exceptions raised by sklearn-ae."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(ValueError, ArithmeticError):
    """Raised when the training loss becomes NaN or infinite.

    The estimator is left unfitted. Typical causes are a learning rate that
    is too high or inputs on very different scales.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AETransformer
    >>> from sklearn_ae.exceptions import TrainingDivergedError
    >>> X = np.random.RandomState(0).normal(size=(50, 4)) * 1e20
    >>> try:
    ...     AETransformer(scaling=None, learning_rate_init=10.0, max_iter=3).fit(X)
    ... except TrainingDivergedError as exc:
    ...     print("diverged")
    diverged
    """
