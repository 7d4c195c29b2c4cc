"""Autoencoders as scikit-learn estimators."""

from ._denoiser import AEDenoiser
from ._generator import AEGenerator
from ._outlier import AEOutlierDetector
from ._segmenter import AESegmenter
from ._transformer import AETransformer

__version__ = "0.1.0.dev0"

__all__ = [
    "AEDenoiser",
    "AEGenerator",
    "AEOutlierDetector",
    "AESegmenter",
    "AETransformer",
    "__version__",
]
