"""
======================================
Outlier detection with known anomalies
======================================

Most anomaly hunts start with a few confirmed cases: the frauds that were
charged back, the machines that failed. :class:`~sklearn_ae.AEOutlierDetector`
takes them as ``y`` in ``fit(X, y)`` (1 for a known anomaly, -1 for a row
nobody has checked) and learns what to look for from them, on top of what
its unsupervised detectors find unusual.

Here the anomalies are a digit the detectors cannot tell apart from the
others: a 5 % sample of the handwritten 3s hidden among the other nine
digits of scikit-learn's ``load_digits``. Without labels the detector ranks
them little better than chance; with a few of them known it finds the rest.
"""

# %%
# Data: one digit hidden among the others
# ---------------------------------------
# The 3s are the anomalies. The rows are split in a stratified 60/40 way:
# the detectors are fitted on the first part and judged on the second,
# whose anomalies none of them has seen.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_ae import AEOutlierDetector

digits, labels = load_digits(return_X_y=True)
rng = np.random.RandomState(0)
inliers = digits[labels != 3]
threes = digits[labels == 3]
anomalies = threes[rng.choice(len(threes), 85, replace=False)]  # 5 % of the rows
X = np.r_[inliers, anomalies]
is_anomaly = np.r_[np.zeros(len(inliers)), np.ones(len(anomalies))]
X_train, X_test, train_anomaly, test_anomaly = train_test_split(
    X, is_anomaly, test_size=0.4, stratify=is_anomaly, random_state=0
)
print(f"training rows {len(X_train)}, of which anomalies {int(train_anomaly.sum())}")

# %%
# Without labels
# --------------
# ``fit(X)`` trains the autoencoder, the isolation forest and the
# nearest-neighbour distance on all training rows.
unsupervised = AEOutlierDetector(random_state=0).fit(X_train)
auc_unsupervised = roc_auc_score(test_anomaly, -unsupervised.score_samples(X_test))
print(f"no known anomalies: test ROC-AUC {auc_unsupervised:.3f}")

# %%
# With a few known anomalies
# --------------------------
# ``y`` is 1 for the known anomalies and -1 for the unlabelled rows (0 would
# mark a row known to be normal). The detectors are trained on the rows that
# are not known anomalies, and two sources join them: the distance to the
# nearest known anomaly, and a gradient-boosting classifier of the known
# anomalies against the other rows, on the features and the detectors'
# surprisals. The more anomalies are known, the more the classifier weighs.
#
# For comparison, a :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
# is trained on the same labels (known anomalies against every other row),
# the supervised baseline that ignores what is unusual. Each number of
# known anomalies is drawn three times at random.
known_counts = [1, 3, 10, 25]
results = {"AEOutlierDetector with labels": [], "HistGradientBoosting on labels": []}
for n_known in known_counts:
    aucs = {name: [] for name in results}
    for draw in range(3):
        picked = np.random.RandomState(draw).choice(
            np.flatnonzero(train_anomaly), n_known, replace=False
        )
        y = np.full(len(X_train), -1)
        y[picked] = 1
        detector = AEOutlierDetector(random_state=0).fit(X_train, y)
        aucs["AEOutlierDetector with labels"].append(
            roc_auc_score(test_anomaly, -detector.score_samples(X_test))
        )
        classifier = HistGradientBoostingClassifier(random_state=0).fit(X_train, y == 1)
        aucs["HistGradientBoosting on labels"].append(
            roc_auc_score(test_anomaly, classifier.predict_proba(X_test)[:, 1])
        )
    for name in results:
        results[name].append(np.mean(aucs[name]))
    print(
        f"{n_known:2d} known anomalies: test ROC-AUC "
        f"{results['AEOutlierDetector with labels'][-1]:.3f} "
        f"(HistGradientBoosting {results['HistGradientBoosting on labels'][-1]:.3f})"
    )

# %%
# Where the score comes from
# --------------------------
# ``score_sources`` has one column per source; with labels, the last two are
# the similarity to the known anomalies and the classifier. The outlier
# score (``-score_samples``) weighs the classifier's surprisal against the
# largest of the others, by the number of known anomalies.
print("sources:", ", ".join(detector.source_names_))
sources = detector.score_sources(X_test[test_anomaly == 1][:3])
print("surprisals of three test anomalies:\n", sources.round(1))

# %%
# Plot
# ----
fig, ax = plt.subplots(figsize=(6, 4.2), layout="constrained")
ax.axhline(auc_unsupervised, color="grey", linestyle="--", label="AEOutlierDetector, no labels")
for name, marker in zip(results, "os", strict=True):
    ax.plot(known_counts, results[name], marker=marker, label=name)
ax.set_xscale("log")
ax.set_xticks(known_counts, [str(n) for n in known_counts])
ax.set_xlabel(f"known anomalies (of {int(train_anomaly.sum())} in the training part)")
ax.set_ylabel("test ROC-AUC (mean of 3 draws)")
ax.set_title("Hidden 3s among the other digits")
ax.legend(loc="center right")
plt.show()

# %%
# One known anomaly already lifts the detector far above what it finds
# alone, and it stays ahead of the classifier trained on the same labels
# until both are nearly perfect with 25: a classifier needs many examples,
# while the detector's surprisals and the distance to the known anomalies
# generalise from a few. With one or two labels the detectors' own evidence
# keeps most of the weight, so an unrepresentative label does little harm.
# How this holds up across data sets, against the semi-supervised detectors
# DevNet and DeepSAD too: :ref:`known-anomalies-results`.
