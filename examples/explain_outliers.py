"""Which features make a sample an outlier?

Fits AEOutlierDetector on the embedded breast cancer outlier set (benign
tumours plus a few malignant ones, as in the ODDS WBC set), then, for the
five most abnormal samples, lists the features the autoencoder reconstructed
worst. ``feature_errors`` gives each feature's squared reconstruction error
in units of its mean training error: 1 is typical, 50 is far out.

    python examples/explain_outliers.py
"""

import pandas as pd
from sklearn.metrics import roc_auc_score

from sklearn_ae import AEOutlierDetector
from sklearn_ae.datasets import load_breast_cancer_outliers

X, y = load_breast_cancer_outliers(as_frame=True, return_X_y=True)
detector = AEOutlierDetector(random_state=0).fit(X)
scores = pd.Series(detector.score_samples(X), index=X.index)
print(f"ROC-AUC against the malignant labels: {roc_auc_score(y, -scores):.3f}")
print(f"flagged as outliers: {(detector.predict(X) == -1).sum()} of {len(X)}\n")

errors = pd.DataFrame(detector.feature_errors(X), index=X.index, columns=X.columns)
for row in scores.nsmallest(5).index:
    worst = errors.loc[row].nlargest(3)
    label = "malignant" if y[row] else "benign"
    parts = ", ".join(f"{name} ({value:.0f}x)" for name, value in worst.items())
    print(f"sample {row} ({label}), score {scores[row]:.2f}: {parts}")
