"""Small data sets that ship with scikit-learn or this package, shaped for the estimators."""

from importlib.resources import files

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.utils import Bunch, check_random_state


def load_breast_cancer_outliers(*, n_outliers=21, random_state=0, as_frame=False, return_X_y=False):
    """Breast cancer data as an outlier-detection task.

    All 357 benign tumours of scikit-learn's Wisconsin diagnostic breast
    cancer data plus ``n_outliers`` malignant ones drawn at random: the
    construction of the WBC set of the ODDS library (Rayana, 2016), which
    keeps 21 malignant samples (5.6 %). It needs no download, so the demo,
    the examples and the command line work offline.

    Parameters
    ----------
    n_outliers : int, default=21
        Number of malignant samples kept (at most 212).
    random_state : int, RandomState instance or None, default=0
        Which malignant samples are kept.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame and ``target`` as a Series.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``data`` of shape (357 + n_outliers, 30), ``target`` with 1 for an
        outlier (malignant) and 0 for an inlier, ``feature_names``, ``DESCR``.

    Examples
    --------
    >>> from sklearn_ae.datasets import load_breast_cancer_outliers
    >>> X, y = load_breast_cancer_outliers(return_X_y=True)
    >>> X.shape, int(y.sum())
    ((378, 30), 21)
    """
    cancer = load_breast_cancer(as_frame=as_frame)
    malignant = np.flatnonzero(np.asarray(cancer.target) == 0)
    benign = np.flatnonzero(np.asarray(cancer.target) == 1)
    if not 0 <= n_outliers <= malignant.size:
        raise ValueError(f"n_outliers must be in [0, {malignant.size}], got {n_outliers}.")
    picked = check_random_state(random_state).choice(malignant, n_outliers, replace=False)
    rows = np.sort(np.concatenate([benign, picked]))
    is_outlier = (np.asarray(cancer.target)[rows] == 0).astype(np.int64)
    if as_frame:
        data = cancer.data.iloc[rows].reset_index(drop=True)
        target = pd.Series(is_outlier, name="outlier")
    else:
        data, target = cancer.data[rows], is_outlier
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=np.asarray(cancer.feature_names),
        DESCR=load_breast_cancer_outliers.__doc__,
    )


def load_membranes(*, return_X_y=False):
    """Electron microscopy images of neurons with their membranes drawn by hand.

    30 images of 192 x 192 pixels cut from the centres of the 30 training
    images (512 x 512) of the ISBI 2012 challenge "Segmentation of neuronal
    structures in EM stacks" (serial-section electron microscopy of the
    Drosophila first instar larva ventral nerve cord; Cardona et al., 2010;
    Arganda-Carreras et al., 2015), the data of the U-Net paper
    (Ronneberger et al., 2015). Each pixel is labelled membrane (0) or cell
    interior (1); membranes are thin and dark, about a quarter of the
    pixels. It ships with the package (1 MB), so the examples and the
    command line run offline.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(images, masks)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``images``, uint8 of shape (30, 1, 192, 192) (a 4-D X for
        :class:`~sklearn_ae.AESegmenter`); ``masks``, int64 of shape
        (30, 192, 192), 0 for membrane and 1 for cell interior;
        ``target_names`` ``["membrane", "interior"]``; ``DESCR``.

    References
    ----------
    .. [1] A. Cardona et al., "An integrated micro- and macroarchitectural
       analysis of the Drosophila brain by computer-assisted serial section
       electron microscopy", PLoS Biology 8(10), 2010.
    .. [2] I. Arganda-Carreras et al., "Crowdsourcing the creation of image
       segmentation algorithms for connectomics", Frontiers in
       Neuroanatomy 9, 2015.

    Examples
    --------
    >>> from sklearn_ae.datasets import load_membranes
    >>> images, masks = load_membranes(return_X_y=True)
    >>> images.shape, masks.shape
    ((30, 1, 192, 192), (30, 192, 192))
    >>> round(float(masks.mean()), 2)  # share of cell interior
    0.74
    """
    with np.load(files("sklearn_ae").joinpath("data", "membranes.npz")) as stored:
        images = stored["images"][:, None]
        shape = tuple(stored["shape"])
        masks = np.unpackbits(stored["interior"], count=int(np.prod(shape))).reshape(shape)
    masks = masks.astype(np.int64)
    if return_X_y:
        return images, masks
    return Bunch(
        images=images,
        masks=masks,
        target_names=np.array(["membrane", "interior"]),
        DESCR=load_membranes.__doc__,
    )
