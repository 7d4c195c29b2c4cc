"""
======================================
Which features make a sample abnormal?
======================================

An outlier score alone says *that* a sample is unusual, not *why*.
:class:`~sklearn_ae.AEOutlierDetector` can say more: ``score_sources`` tells
which of its three detectors (the autoencoder, an isolation forest, the
distance to the nearest training samples) finds a sample unusual,
``score_components`` splits the autoencoder's score into its two parts, and
``feature_errors`` breaks the reconstruction part down feature by feature.
Here the detector is fitted on the embedded breast cancer outlier set (357
benign tumours and 21 malignant ones, as in the ODDS WBC set), and the most
abnormal samples are explained.
"""

# %%
# Fit the detector
# ----------------
# The detector is fitted without labels; the labels serve only to check the
# scores. ``as_frame=True`` keeps the feature names.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from sklearn_ae import AEOutlierDetector
from sklearn_ae.datasets import load_breast_cancer_outliers

X, y = load_breast_cancer_outliers(as_frame=True, return_X_y=True)
detector = AEOutlierDetector(random_state=0).fit(X)
outlier_score = pd.Series(-detector.score_samples(X), index=X.index)
print(f"ROC-AUC against the malignant labels: {roc_auc_score(y, outlier_score):.3f}")
print(f"flagged as outliers: {(detector.predict(X) == -1).sum()} of {len(X)}")

# %%
# Which detector flags it?
# ------------------------
# ``score_sources(X)`` returns, for each sample, the surprisal of each
# detector's score (named by ``source_names_``): ``-log`` of the share of
# training samples that scored at least as high (3.0: one in 20; each further
# unit e times rarer). The outlier score is the largest of them.
sources = pd.DataFrame(detector.score_sources(X), index=X.index, columns=detector.source_names_)
top = outlier_score.nlargest(10).index
labels = [f"sample {i} ({'malignant' if y[i] else 'benign'})" for i in top]

fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
positions = np.arange(len(top))
height = 0.8 / len(sources.columns)
for i, source in enumerate(sources.columns):
    offset = (i - (len(sources.columns) - 1) / 2) * height
    ax.barh(positions + offset, sources.loc[top, source], height=height, label=source)
ax.set_yticks(positions, labels)
ax.axvline(np.log(20), color="k", linestyle=":", label="threshold (1 in 20)")
ax.invert_yaxis()
ax.set_xlabel("surprisal (-log of the share of training samples scoring as high)")
ax.set_title("The 10 highest outlier scores: each detector's surprisal")
ax.legend(loc="lower right")

# %%
# The two parts of the autoencoder's score
# ----------------------------------------
# ``score_components(X)`` returns the autoencoder's reconstruction error
# (the sample lies off the data's manifold: the network cannot rebuild it)
# and code distance (its code lies far from the training codes: an extreme
# but consistent sample). Both are in units of a typical training sample,
# so 1 is ordinary, and they add up to the autoencoder's score.
components = pd.DataFrame(
    detector.score_components(X), index=X.index, columns=["reconstruction", "code"]
)

fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
ax.barh(labels, components.loc[top, "reconstruction"], label="reconstruction error")
ax.barh(
    labels,
    components.loc[top, "code"],
    left=components.loc[top, "reconstruction"],
    label="code distance",
)
ax.invert_yaxis()
ax.set_xlabel("autoencoder's score (1 = a typical training sample)")
ax.set_title("The autoencoder's score of the same samples, in two parts")
ax.legend(loc="lower right")

# %%
# Which features are reconstructed worst?
# ---------------------------------------
# ``feature_errors(X)`` gives the squared reconstruction error of every
# feature of every sample, divided by that feature's mean error on the
# training data: 1 is typical, 50 is far out. The largest entries of a row
# name the features that make it look abnormal. Below are the eight worst
# features of each of the three highest-scoring samples (note the log scale).
errors = pd.DataFrame(detector.feature_errors(X), index=X.index, columns=X.columns)

fig, axes = plt.subplots(1, 3, figsize=(13, 4.5), layout="constrained")
for ax, row in zip(axes, top[:3], strict=True):
    worst = errors.loc[row].nlargest(8)
    ax.barh(worst.index, worst.values, color="tab:red")
    ax.axvline(1, color="k", linestyle=":")
    ax.set_xscale("log")
    ax.invert_yaxis()
    label = "malignant" if y[row] else "benign"
    ax.set_title(f"sample {row} ({label}), surprisal {outlier_score[row]:.1f}")
    ax.set_xlabel("squared error / mean training error\n(dotted line: 1, typical)")
fig.suptitle("Features reconstructed worst, for the three top outliers")

for row in top[:3]:
    surprisals = ", ".join(f"{value:.1f} ({name})" for name, value in sources.loc[row].items())
    reconstruction, code = components.loc[row]
    worst = errors.loc[row].nlargest(3)
    features = ", ".join(f"{name} ({value:.0f}x)" for name, value in worst.items())
    print(
        f"sample {row}: surprisal {surprisals}; autoencoder's score = "
        f"reconstruction {reconstruction:.1f} + code {code:.1f}; worst features: {features}"
    )
plt.show()

# %%
# Reading the explanation
# -----------------------
# The labels were not used in training, so not every top-scoring sample is
# malignant: a benign tumour with unusual measurements is an outlier too.
# How many of the ten highest scores are malignant, against the share of
# malignant samples in the whole set:
print(f"malignant among the 10 highest scores: {int(y[top].sum())} of 10")
print(f"malignant samples overall: {np.mean(y):.1%}")

# %%
# The feature errors show what is unusual about each sample. In this run the
# benign sample among the top three stands out by a large ``concavity
# error`` (the spread of the concavity measurements within one tumour), not
# by its size: a question for whoever collected the data rather than a wrong
# answer of the detector. One malignant sample stands out by its area, in all
# three area features at once; the other by its shape (compactness,
# symmetry), and the isolation forest finds it even more unusual than the
# autoencoder does. A sample whose autoencoder score comes mostly from the
# code distance, with small feature errors, is an extreme but internally
# consistent one, such as a very large tumour whose every size measurement
# is large.
