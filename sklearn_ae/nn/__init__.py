"""Torch modules behind the estimators.

These modules know nothing of scikit-learn or skorch: they map tensors to
tensors, so they can be reused in a plain torch loop. Every network follows
the same protocol (see :func:`get_architecture`); the estimators' parameter
``architecture`` picks one by name from :data:`ARCHITECTURES`.
"""

from ._conv import ConvAutoencoder
from ._diffusion import DiffusionModel
from ._image import ImageRows
from ._losses import (
    DiceCrossEntropyLoss,
    MaskedMSELoss,
    PixelCrossEntropyLoss,
    TrimmedMSELoss,
)
from ._mlp import ACTIVATIONS, MLPAutoencoder
from ._prior import CodePrior
from ._quantizer import VectorQuantizer
from ._registry import ARCHITECTURES, get_architecture
from ._transformer import TransformerAutoencoder
from ._unet import UNet
from ._vae import VariationalAutoencoder
from ._vq import VQAutoencoder

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "CodePrior",
    "ConvAutoencoder",
    "DiceCrossEntropyLoss",
    "DiffusionModel",
    "ImageRows",
    "MLPAutoencoder",
    "MaskedMSELoss",
    "PixelCrossEntropyLoss",
    "TransformerAutoencoder",
    "TrimmedMSELoss",
    "UNet",
    "VQAutoencoder",
    "VariationalAutoencoder",
    "VectorQuantizer",
    "get_architecture",
]
