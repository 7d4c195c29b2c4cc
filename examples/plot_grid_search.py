"""
=====================================================
Tuning an autoencoder in a pipeline with GridSearchCV
=====================================================

:class:`~sklearn_ae.AETransformer` compresses the 64 pixels of scikit-learn's
handwritten digits into a few codes, and a logistic regression classifies
the codes. :class:`~sklearn.model_selection.GridSearchCV` chooses the size of
the code by cross-validated accuracy, exactly as it would for
:class:`~sklearn.decomposition.PCA`, which is searched alongside for
comparison. The transformer also has its own ``score`` (the negative
reconstruction error), so it can be tuned alone, without labels.
"""

# %%
# Search the code size
# --------------------
# Parameters of a step are addressed as ``<step>__<parameter>``. Every
# candidate is fitted on two thirds of the data and scored on the rest, three
# times. The autoencoders train for 30 epochs each, to keep the example
# short; ``fit`` would warn that they have not fully converged, a warning we
# silence here.
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AETransformer

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_digits(return_X_y=True)
sizes = [2, 4, 8, 16]

ae_search = GridSearchCV(
    make_pipeline(AETransformer(max_iter=30, random_state=0), LogisticRegression(max_iter=1000)),
    {"aetransformer__n_components": sizes},
    cv=3,
).fit(X, y)
print("autoencoder:", ae_search.best_params_, f"accuracy {ae_search.best_score_:.3f}")

# The autoencoder standardises the pixels itself; PCA gets a scaler in front.
pca_search = GridSearchCV(
    make_pipeline(StandardScaler(), PCA(), LogisticRegression(max_iter=1000)),
    {"pca__n_components": sizes},
    cv=3,
).fit(X, y)
print("PCA:        ", pca_search.best_params_, f"accuracy {pca_search.best_score_:.3f}")

# %%
# Tune the autoencoder alone, without labels
# ------------------------------------------
# Without a ``scoring`` argument, ``GridSearchCV`` uses the estimator's
# ``score``: for ``AETransformer`` the negative mean squared reconstruction
# error on the held-out fold (in the scaled feature space), so higher is
# better. Here it chooses the width of the hidden layer for a code of 8.
widths = [(16,), (64,), (256,)]
unsupervised = GridSearchCV(
    AETransformer(n_components=8, max_iter=30, random_state=0),
    {"hidden_layer_sizes": widths},
    cv=3,
).fit(X)
print("reconstruction:", unsupervised.best_params_, f"score {unsupervised.best_score_:.3f}")

# %%
# Plot the cross-validated scores
# -------------------------------
# ``cv_results_`` holds the mean and standard deviation of the test score of
# every candidate.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
for search, name in [(ae_search, "AETransformer"), (pca_search, "PCA")]:
    results = search.cv_results_
    left.errorbar(
        sizes,
        results["mean_test_score"],
        yerr=results["std_test_score"],
        marker="o",
        capsize=4,
        label=name,
    )
left.set_xscale("log", base=2)
left.set_xticks(sizes, [str(size) for size in sizes])
left.set_xlabel("n_components (size of the code)")
left.set_ylabel("accuracy (3-fold CV)")
left.set_title("Logistic regression on the codes")
left.legend()

results = unsupervised.cv_results_
labels = [str(width) for width in widths]
right.errorbar(
    labels, results["mean_test_score"], yerr=results["std_test_score"], marker="o", capsize=4
)
right.set_xlabel("hidden_layer_sizes (n_components=8)")
right.set_ylabel("score: - reconstruction MSE (3-fold CV)")
right.set_title("AETransformer tuned alone, no labels")
plt.show()

# %%
# Accuracy grows with the size of the code for both reducers, and the search
# picks the largest code offered. In this run the autoencoder is ahead of
# PCA at 2 and 8 components and level with it or behind at 4 and 16: with 30
# epochs and a linear classifier on top, it is no clear winner (compare the
# printed scores). Without labels, the search prefers the widest hidden
# layer, which reconstructs held-out digits best; whether a better
# reconstruction also gives better features for a classifier is a question
# only the labelled search above can answer.
