"""Outlier scores of different detectors on one scale: their surprisal.

A score's surprisal is ``-log`` of the share of training samples that
scored at least as high: 0 for the most normal training sample, 3.0 when one
training sample in 20 scores as high. Below the training scores' 95th
percentile it is read off their empirical distribution; above it, where few
training samples are left to count, the tail is exponential (mean excess over
that percentile), so that scores beyond the training range keep their order
instead of all getting the same surprisal.
"""

import numpy as np
from scipy.special import logsumexp

# Above this quantile of the training scores, the survival is modelled.
TAIL_QUANTILE = 0.95

# The empirical part is read at these quantiles (steps of 0.1 %).
_LEVELS = np.linspace(0.0, TAIL_QUANTILE, 951)

# Tail scales are at least this share of the scores' magnitude, so that
# surprisals stay finite when the training scores (nearly) all tie.
_RELATIVE_FLOOR = 1e-9


def fit_surprisal(scores):
    """Quantile knots and tail scale that map ``scores`` to surprisals.

    Parameters
    ----------
    scores : ndarray of shape (n_samples,)
        A detector's outlier scores on the training data (higher is more
        abnormal).

    Returns
    -------
    calibration : ndarray of shape (952,)
        The scores at the quantiles ``0, 0.001, ..., 0.95``, then the scale
        of the exponential tail above the last of them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae._surprisal import fit_surprisal, surprisal
    >>> calibration = fit_surprisal(np.random.RandomState(0).exponential(size=10_000))
    >>> surprisal(np.array([0.0, np.log(20), 10.0]), calibration).round(1)
    array([ 0. ,  3. , 10.2])
    """
    scores = np.asarray(scores, dtype=np.float64)
    knots = np.quantile(scores, _LEVELS)
    excess = scores[scores > knots[-1]] - knots[-1]
    floor = _RELATIVE_FLOOR * max(1.0, float(np.max(np.abs(knots))))
    tail_scale = max(float(excess.mean()) if excess.size else 0.0, floor)
    return np.append(knots, tail_scale)


def surprisal(scores, calibration):
    """``-log`` of the share of training scores at least as high as each score.

    Parameters
    ----------
    scores : ndarray of shape (n_samples,)
        Outlier scores of the detector that ``calibration`` was fitted on.
    calibration : ndarray
        The output of :func:`fit_surprisal`.

    Returns
    -------
    surprisals : ndarray of shape (n_samples,)
        Non-negative and non-decreasing in ``scores``, in float64.
    """
    scores = np.asarray(scores, dtype=np.float64)
    knots, tail_scale = calibration[:-1], calibration[-1]
    # The share of training scores strictly below each score: reading the
    # knots from the top makes a score that ties several knots take the
    # lowest of their levels.
    level = np.interp(-scores, -knots[::-1], _LEVELS[::-1])
    body = -np.log1p(-level)
    tail = -np.log1p(-TAIL_QUANTILE) + (scores - knots[-1]) / tail_scale
    return np.where(scores > knots[-1], tail, body)


def combine_surprisals(surprisals, rule="max"):
    """One surprisal from several detectors' surprisals of the same samples.

    Parameters
    ----------
    surprisals : ndarray of shape (n_samples, n_detectors)
        Each detector's surprisal, as returned by :func:`surprisal`.
    rule : {"max", "harmonic"}, default="max"
        "max": the largest surprisal (Tippett's rule): a sample is as
        abnormal as the detector that finds it rarest says. "harmonic":
        ``-log`` of the harmonic mean of the detectors' shares
        ``exp(-surprisal)`` (Wilson, 2019, "The harmonic mean p-value for
        combining dependent tests", PNAS 116(4)); also led by the smallest
        share, but raised when a second detector agrees, so that one
        detector's false alarm counts less.

    Returns
    -------
    combined : ndarray of shape (n_samples,)
        Non-decreasing in each column; a single column is returned as it is.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae._surprisal import combine_surprisals
    >>> s = np.log([[20.0, 20.0], [40.0, 1.0]])  # shares 1/20 and 1/20; 1/40 and 1
    >>> np.exp(combine_surprisals(s)).round(2)  # 1 / the smallest share
    array([20., 40.])
    >>> np.exp(combine_surprisals(s, "harmonic")).round(2)  # 1 / their harmonic mean
    array([20. , 20.5])
    """
    if rule == "max":
        return surprisals.max(axis=1)
    return logsumexp(surprisals, axis=1) - np.log(surprisals.shape[1])
