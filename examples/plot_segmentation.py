"""
==================================================
Segmenting cell membranes in microscopy images
==================================================

:class:`~sklearn_ae.AESegmenter` learns a class for every pixel from a few
images whose masks were drawn by hand. Here the images are electron
micrographs of a fly's nerve cord, and the masks mark the cell membranes,
the data of the U-Net paper (the ISBI 2012 challenge); 30 crops of them
ship with the package. The segmenter trains a U-Net on random crops of 20
images, flipped and turned, and segments the 10 others.
"""

# %%
# Images and masks
# ----------------
# ``images`` is a 4-D array ``(n_samples, channels, height, width)``;
# ``masks`` holds the class of every pixel: 0 for membrane, 1 for the inside
# of a cell. Membranes are thin and dark, about a quarter of the pixels.
import matplotlib.pyplot as plt
import numpy as np
from skimage.measure import label
from skimage.metrics import adapted_rand_error
from sklearn.metrics import f1_score

from sklearn_ae import AESegmenter
from sklearn_ae.datasets import load_membranes
from sklearn_ae.metrics import pixel_metric

images, masks = load_membranes(return_X_y=True)
train, test = slice(0, 20), slice(20, 30)
print(f"images {images.shape}, masks {masks.shape}")
print(f"membrane share {np.mean(masks == 0):.2f}")

# %%
# Train on crops
# --------------
# The defaults train for about seven minutes on two CPU cores; this example
# trains for 15 epochs (150 mini-batches of eight 128-pixel crops) to stay
# short, enough to see the membranes appear. ``fit`` takes the masks as
# ``(n_samples, height, width)``, one label per pixel.
segmenter = AESegmenter(max_iter=15, random_state=0)
segmenter.fit(images[train], masks[train])
print(f"trained {segmenter.n_iter_} epochs, crops of {segmenter.crop_shape_}")

# %%
# Segment the other images
# ------------------------
# ``predict`` gives the class of every pixel, ``predict_proba`` its
# probabilities; both run on whole images, in overlapping tiles. ``score``
# is the mean intersection over union of the two classes;
# :func:`~sklearn_ae.metrics.pixel_metric` computes any scikit-learn metric
# on the pixels, here the F1 score of the membranes.
shape = masks[test].shape
labels = segmenter.predict(images[test]).reshape(shape)
membrane = segmenter.predict_proba(images[test])[:, :, 0].reshape(shape)
print(f"pixel error {np.mean(labels != masks[test]):.3f}")
f1 = pixel_metric(f1_score, masks[test], labels, pos_label=0)
print(f"membrane F1 {f1:.3f}")
print(f"mean IoU {segmenter.score(images[test], masks[test]):.3f}")

# %%
# Keep the cells apart
# --------------------
# A membrane that fades for a few pixels lets two cells merge into one. With
# ``boundary_class=0`` the predicted masks close such gaps: a one-pixel line
# of membrane is drawn where the basins of low membrane probability meet.
# It only changes ``predict``, so it can be set on the fitted segmenter. The
# adapted Rand error (the ISBI challenge's measure) counts how much the
# predicted cells split or merge the true ones; lower is better.


def rand_error(truth, predicted):
    """Mean adapted Rand error of the cells (connected class-1 regions)."""
    cells = [
        (label(t == 1, connectivity=1), label(p == 1, connectivity=1))
        for t, p in zip(truth, predicted, strict=True)
    ]
    return np.mean([adapted_rand_error(t, p)[0] for t, p in cells])


segmenter.set_params(boundary_class=0)
closed = segmenter.predict(images[test]).reshape(shape)
print(f"adapted Rand error {rand_error(masks[test], labels):.3f}")
print(f"with boundary_class=0 {rand_error(masks[test], closed):.3f}")

# %%
# Look at the result
# ------------------
# From left to right: the image, the membranes drawn by hand, the
# probability of membrane, the predicted mask and the same with its gaps
# closed. The short training already finds most membranes; dark organelles
# inside the cells are what it confuses them with, which longer training
# (the defaults) reduces.
TITLES = ["image", "hand-drawn mask", "P(membrane)", "predicted", "gaps closed"]
fig, axes = plt.subplots(2, 5, figsize=(12.5, 5.4))
for row, i in zip(axes, (0, 5), strict=True):
    panels = [images[test][i, 0], masks[test][i], membrane[i]]
    panels += [labels[i], closed[i]]
    for ax, panel, title in zip(row, panels, TITLES, strict=True):
        ax.imshow(panel, cmap="gray", interpolation="nearest")
        ax.set_title(title)
        ax.set_axis_off()
fig.tight_layout()
plt.show()
