"""Close the gaps in predicted boundaries, so that the objects they enclose stay apart."""

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.measure import label
from skimage.morphology import h_minima
from skimage.segmentation import watershed

# The boundary probability is smoothed over about a pixel, so that noise
# does not cut basins. A basin starts where the boundary is nearly certain
# to be absent, and at every dip of the probability at least SEED_DEPTH
# deep, which a network that is nowhere that certain still draws. All three
# were chosen on training images of cell membranes.
SMOOTHING_SIGMA = 1.0
SEED_LEVEL = 0.05
SEED_DEPTH = 0.1


def watershed_lines(boundary_probability):
    """The one-pixel lines that split an image into basins of low boundary probability.

    Each connected region where the (smoothed) boundary probability is
    below 5 %, or lies in a dip at least 0.1 deep, seeds a basin; the
    basins grow over the probability map (a watershed) until they meet,
    and the pixels where they meet are the lines. A line therefore runs
    along the ridge of the boundary probability between every two seeds,
    also across gaps where the probability dips below one half and two
    objects would otherwise merge.

    Parameters
    ----------
    boundary_probability : ndarray of shape (H, W)
        Probability of the boundary class at each pixel.

    Returns
    -------
    lines : ndarray of bool, shape (H, W)
        True on the watershed lines; all False when no pixel seeds a basin.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae._boundaries import watershed_lines
    >>> probability = np.zeros((5, 7))
    >>> probability[:, 3] = 0.4  # a faint wall between two regions
    >>> watershed_lines(probability)[:, 3].all()
    np.True_
    """
    smoothed = gaussian_filter(np.asarray(boundary_probability, dtype=np.float64), SMOOTHING_SIGMA)
    seeds = label(
        (smoothed < SEED_LEVEL) | h_minima(smoothed, SEED_DEPTH).astype(bool), connectivity=1
    )
    if seeds.max() == 0:
        return np.zeros(smoothed.shape, dtype=bool)
    return watershed(smoothed, seeds, watershed_line=True) == 0
