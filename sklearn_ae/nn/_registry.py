"""Architecture names, the module protocol, and how a module is built.

Every network follows one small protocol, so that each estimator can train
any of them:

- the constructor takes ``n_features`` and any of the shared arguments
  ``n_components``, ``hidden_layer_sizes``, ``activation``, ``dropout`` and
  ``image_shape`` it needs (the estimator passes only those its signature
  names), plus its own keyword arguments, given by the estimator's
  ``architecture_params``;
- ``encode(x) -> z`` maps rows ``(n, n_features)`` to codes
  ``(n, n_components)``, ``decode(z)`` maps codes back to rows, and
  ``forward(x)`` reconstructs rows;
- a network whose output does not pass through its code (a U-Net's skip
  connections go around it) sets the class attribute ``bypasses_code =
  True`` and needs only ``forward``;
- a network with loss terms of its own (a codebook's commitment loss)
  computes them in its training forward pass and returns their sum from
  ``auxiliary_loss()``; they are added to the reconstruction loss;
- a network whose code is not ``n_components`` wide sets ``code_size``;
- a network that can output images with other channels than its input
  (one score per class, for segmentation) takes ``out_channels``; one that
  maps images of any size (fully convolutional) defines
  ``forward_images(images) -> images`` on ``(n, C, H, W)`` tensors;
- ``default_hidden_layer_sizes`` and ``default_batch_size`` (optional class
  attributes) are used when the estimator's ``hidden_layer_sizes`` is None
  and its ``batch_size`` is "auto"; ``default_image_hidden_layer_sizes``
  replaces the first on images, for a network that takes both.
"""

import inspect

from torch import nn

from ._conv import ConvAutoencoder
from ._mlp import MLPAutoencoder
from ._transformer import TransformerAutoencoder
from ._unet import UNet
from ._vq import VQAutoencoder

#: Names accepted by the estimators' ``architecture`` parameter.
ARCHITECTURES = {
    "mlp": MLPAutoencoder,
    "conv": ConvAutoencoder,
    "unet": UNet,
    "transformer": TransformerAutoencoder,
    "vq": VQAutoencoder,
}

#: Arguments the estimators set from their own parameters.
SHARED_ARGUMENTS = (
    "n_features",
    "n_components",
    "hidden_layer_sizes",
    "activation",
    "dropout",
    "image_shape",
    "out_channels",
)


def get_architecture(architecture, *, needs_code=True):
    """The module class for an architecture name or a user's class.

    Parameters
    ----------
    architecture : str or type
        A key of :data:`ARCHITECTURES`, or a subclass of
        :class:`torch.nn.Module` that follows the module protocol.
    needs_code : bool, default=True
        Whether a user's class must define ``encode`` and ``decode`` (unless
        it sets ``bypasses_code = True``). A job that only runs ``forward``
        (segmentation) passes False.

    Returns
    -------
    module_class : type
        The module class to build.

    Raises
    ------
    ValueError
        For an unknown name.
    TypeError
        For a class that is not an ``nn.Module``, or that lacks ``encode`` /
        ``decode`` when ``needs_code`` (unless it sets ``bypasses_code = True``).

    Examples
    --------
    >>> from sklearn_ae.nn import get_architecture
    >>> get_architecture("conv").__name__
    'ConvAutoencoder'
    """
    if isinstance(architecture, str):
        try:
            return ARCHITECTURES[architecture]
        except KeyError:
            raise ValueError(
                f"Unknown architecture {architecture!r}; use one of "
                f"{sorted(ARCHITECTURES)} or an nn.Module class."
            ) from None
    if not (isinstance(architecture, type) and issubclass(architecture, nn.Module)):
        raise TypeError(
            f"architecture must be one of {sorted(ARCHITECTURES)} or a subclass of "
            f"torch.nn.Module, got {architecture!r}."
        )
    if needs_code and not bypasses_code(architecture):
        missing = [m for m in ("encode", "decode") if not callable(getattr(architecture, m, None))]
        if missing:
            raise TypeError(
                f"{architecture.__name__} lacks {' and '.join(missing)}: an architecture "
                "module must define encode(x) -> z and decode(z) -> x_hat (or set the "
                "class attribute bypasses_code = True if its output does not pass "
                "through a code, like a U-Net's)."
            )
    return architecture


def bypasses_code(module_class):
    """Whether the network's output goes around its code (no encode / decode)."""
    return bool(getattr(module_class, "bypasses_code", False))


def needs_image_shape(module_class):
    """Whether the module's constructor requires ``image_shape``."""
    parameter = inspect.signature(module_class).parameters.get("image_shape")
    return parameter is not None and parameter.default is inspect.Parameter.empty


def accepts_image_shape(module_class):
    """Whether the module's constructor takes ``image_shape`` (works on images)."""
    return "image_shape" in inspect.signature(module_class).parameters


def module_arguments(module_class, shared, architecture_params):
    """Constructor arguments for ``module_class``.

    ``shared`` holds the estimator's values of :data:`SHARED_ARGUMENTS`;
    those the constructor does not name are left out. ``architecture_params``
    are the module's own arguments; a key the constructor does not take, or
    one of the shared arguments, is refused with a message listing what the
    module accepts.
    """
    parameters = inspect.signature(module_class).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    own = sorted(
        name
        for name, p in parameters.items()
        if name not in SHARED_ARGUMENTS
        and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    )
    params = dict(architecture_params or {})
    clashing = sorted(set(params) & set(SHARED_ARGUMENTS))
    if clashing:
        raise ValueError(
            f"architecture_params may not set {clashing}: the estimator sets them from "
            "its own parameters and the data."
        )
    unknown = sorted(set(params) - set(own))
    if unknown and not takes_any:
        raise ValueError(
            f"architecture_params {unknown} are not parameters of "
            f"{module_class.__name__}; it accepts {own or 'none'}."
        )
    arguments = {k: v for k, v in shared.items() if k in parameters or takes_any}
    return {**arguments, **params}
