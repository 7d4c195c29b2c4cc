"""Torch modules behind the estimators.

These modules know nothing of scikit-learn or skorch: they map tensors to
tensors, so they can be reused in a plain torch loop.
"""

from ._losses import TrimmedMSELoss
from ._mlp import ACTIVATIONS, MLPAutoencoder

__all__ = ["ACTIVATIONS", "MLPAutoencoder", "TrimmedMSELoss"]
