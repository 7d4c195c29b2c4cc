"""Whole images through networks trained on small patches."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["extract_patches", "reconstruct_from_patches", "transform_image"]


def _window_origins(size, window, stride):
    """Window origins along one axis: every ``stride``, and the last one flush.

    Examples
    --------
    >>> from sklearn_ae.image import _window_origins
    >>> _window_origins(10, 4, 3)
    [0, 3, 6]
    >>> _window_origins(10, 4, 4)
    [0, 4, 6]
    """
    if window > size:
        raise ValueError(f"A patch of size {window} does not fit in an image of size {size}.")
    origins = list(range(0, size - window + 1, stride))
    if origins[-1] != size - window:
        origins.append(size - window)
    return origins


def _starts(size, patch, stride):
    return np.asarray(_window_origins(size, patch, stride))


def _as_chw(image):
    image = np.asarray(image)
    if image.ndim == 2:
        return image[None], True
    if image.ndim == 3:
        return image, False
    raise ValueError(
        f"image must be 2-D (height, width) or 3-D (channels, height, width), "
        f"got an array of shape {image.shape}."
    )


def extract_patches(image, patch_size, stride):
    """Overlapping patches of an image as flat rows.

    Patches start every ``stride`` pixels along each axis, and the last
    patch of each axis touches the image border, so every pixel is covered.
    Unlike :func:`sklearn.feature_extraction.image.extract_patches_2d`,
    which takes every patch (stride 1), the number of rows stays small for
    large images.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (C, H, W)
        The image.
    patch_size : int or tuple of int
        Height and width of each patch.
    stride : int
        Distance in pixels between neighbouring patches.

    Returns
    -------
    patches : ndarray of shape (n_patches, C * ph * pw)
        One flattened patch (C, ph, pw) per row, in the image's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae.image import extract_patches
    >>> extract_patches(np.zeros((10, 12)), 4, stride=4).shape
    (9, 16)
    """
    chw, _ = _as_chw(image)
    ph, pw = (patch_size, patch_size) if np.isscalar(patch_size) else patch_size
    rows, cols = _starts(chw.shape[1], ph, stride), _starts(chw.shape[2], pw, stride)
    windows = sliding_window_view(chw, (ph, pw), axis=(1, 2))  # (C, H', W', ph, pw), no copy
    patches = windows[:, rows[:, None], cols[None, :]]  # (C, n_rows, n_cols, ph, pw)
    return np.ascontiguousarray(patches.transpose(1, 2, 0, 3, 4)).reshape(len(rows) * len(cols), -1)


def reconstruct_from_patches(patches, image_shape, patch_size, stride):
    """Average overlapping patches back into an image (inverse of :func:`extract_patches`).

    Parameters
    ----------
    patches : ndarray of shape (n_patches, C * ph * pw)
        Patches in the order :func:`extract_patches` gives them.
    image_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)`` of the image.
    patch_size : int or tuple of int
        Height and width of each patch.
    stride : int
        The stride the patches were extracted with.

    Returns
    -------
    image : ndarray of shape image_shape
        Each pixel is the mean of the patches that cover it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae.image import extract_patches, reconstruct_from_patches
    >>> image = np.arange(30.0).reshape(5, 6)
    >>> patches = extract_patches(image, 3, stride=2)
    >>> np.allclose(reconstruct_from_patches(patches, image.shape, 3, stride=2), image)
    True
    """
    squeeze = len(image_shape) == 2
    channels, height, width = (1, *image_shape) if squeeze else image_shape
    ph, pw = (patch_size, patch_size) if np.isscalar(patch_size) else patch_size
    rows, cols = _starts(height, ph, stride), _starts(width, pw, stride)
    patches = np.asarray(patches).reshape(len(rows), len(cols), channels, ph, pw)
    total = np.zeros((channels, height, width), dtype=np.float64)
    count = np.zeros((height, width), dtype=np.float64)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            total[:, r : r + ph, c : c + pw] += patches[i, j]
            count[r : r + ph, c : c + pw] += 1
    image = (total / count).astype(patches.dtype, copy=False)
    return image[0] if squeeze else image


def transform_image(estimator, image, stride=None):
    """Apply a fitted image estimator to an image larger than its ``image_shape_``.

    The image is cut into overlapping patches of the estimator's
    ``image_shape_``, each patch goes through ``estimator.transform`` (for
    :class:`~sklearn_ae.AEDenoiser`: denoised), and the outputs are averaged
    where they overlap, which also smooths the seams between patches. This
    is how scikit-learn's "image denoising using dictionary learning"
    example works, with a stride to keep the number of patches small.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator with ``image_shape_`` and a ``transform`` whose
        output has the input's shape, e.g. an ``AEDenoiser`` fitted with
        ``image_shape=(C, ph, pw)``.
    image : ndarray of shape (H, W) or (C, H, W)
        The image, in the units the estimator was trained on.
    stride : int or None, default=None
        Distance between patches; None uses a quarter of the patch height
        (each pixel is then covered by about 16 patches). Smaller strides
        average more patches: slower, slightly better.

    Returns
    -------
    output : ndarray of the image's shape
        The transformed image.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AEDenoiser
    >>> from sklearn_ae.image import extract_patches, transform_image
    >>> image = np.random.RandomState(0).uniform(size=(20, 24))
    >>> patches = extract_patches(image, 8, stride=2)
    >>> denoiser = AEDenoiser(architecture="unet", image_shape=(1, 8, 8),
    ...                       hidden_layer_sizes=(4, 8), max_iter=1).fit(patches)
    >>> transform_image(denoiser, image).shape
    (20, 24)
    """
    shape = getattr(estimator, "image_shape_", None)
    if shape is None:
        raise ValueError(
            "transform_image needs an estimator fitted on images (with image_shape); "
            f"{type(estimator).__name__} has no image_shape_."
        )
    chw, squeeze = _as_chw(image)
    if chw.shape[0] != shape[0]:
        raise ValueError(
            f"The image has {chw.shape[0]} channel(s), the estimator expects {shape[0]}."
        )
    patch_size = shape[1:]
    stride = max(1, patch_size[0] // 4) if stride is None else stride
    patches = extract_patches(chw, patch_size, stride)
    output = reconstruct_from_patches(estimator.transform(patches), chw.shape, patch_size, stride)
    return output[0] if squeeze else output
