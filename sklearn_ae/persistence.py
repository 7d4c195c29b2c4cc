"""Safe persistence of fitted estimators with ``skops.io``.

Pickle runs whatever code a file asks it to; ``skops.io`` only builds the
types you trust. A fitted sklearn-ae estimator keeps its network as plain
arrays (see ``BaseAutoencoder.__getstate__``), so the only types a file needs
beyond numpy and scikit-learn are the estimator classes and the tree structure
in :data:`TRUSTED_TYPES`. Anything else in a file, for example objects that a
user put into ``net_params`` or a tampered entry, is refused unless it is
named in ``trusted``.
"""

import skops.io as sio

__all__ = ["TRUSTED_TYPES", "dump", "load"]

#: The types that a saved estimator may contain beyond those skops trusts by
#: default: the estimators of this package and the scorer of known anomalies
#: inside ``AEOutlierDetector``, and scikit-learn's own tree structures of the
#: detector's isolation forest and of its classifier of known anomalies.
TRUSTED_TYPES = (
    "sklearn_ae._denoiser.AEDenoiser",
    "sklearn_ae._generator.AEGenerator",
    "sklearn_ae._outlier.AEOutlierDetector",
    "sklearn_ae._segmenter.AESegmenter",
    "sklearn_ae._transformer.AETransformer",
    "sklearn_ae._known_anomalies.KnownAnomalyScorer",
    "sklearn_ae._code_prior.CodePriorFitter",
    "sklearn_ae._calibration.OutputCalibration",
    "sklearn_ae._table.TableEncoding",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)


def dump(estimator, file):
    """Save a (fitted) estimator to ``file`` in skops format.

    Parameters
    ----------
    estimator : AETransformer, AEOutlierDetector, AEDenoiser, AEGenerator or AESegmenter
        The estimator to save.
    file : str or path-like
        Destination, conventionally ending in ``.skops``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AEOutlierDetector
    >>> from sklearn_ae.persistence import dump, load
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> detector = AEOutlierDetector(max_iter=3, random_state=0).fit(X)
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "detector.skops")
    >>> dump(detector, path)
    >>> restored = load(path)
    >>> bool((restored.score_samples(X) == detector.score_samples(X)).all())
    True
    """
    sio.dump(estimator, file)


def load(file, trusted=()):
    """Load an estimator saved with :func:`dump`, building only trusted types.

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump` (or ``skops.io.dump``).
    trusted : sequence of str, default=()
        Types to trust on top of :data:`TRUSTED_TYPES`, e.g. a callback class
        saved in ``net_params``. Check them with
        ``skops.io.get_untrusted_types(file=file)`` first.

    Returns
    -------
    estimator : object
        The loaded estimator.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        If the file contains any type that is neither in
        :data:`TRUSTED_TYPES` nor in ``trusted``.
    """
    allowed = set(TRUSTED_TYPES) | set(trusted)
    untrusted = sio.get_untrusted_types(file=file)
    refused = [name for name in untrusted if name not in allowed]
    if refused:
        raise sio.exceptions.UntrustedTypesFoundException(refused)
    return sio.load(file, trusted=untrusted)
