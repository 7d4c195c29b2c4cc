"""Which features make a sample an outlier?

Fits AEOutlierDetector on the embedded breast cancer outlier set (benign
tumours plus a few malignant ones, as in the ODDS WBC set), then, for the
five most abnormal samples, shows the two parts of the score and lists the
features the autoencoder reconstructed worst. ``score_components`` splits
the score into the reconstruction error (the sample is off the data's
manifold) and the code distance (its code is unusual); ``feature_errors``
gives each feature's squared reconstruction error in units of its mean
training error. In both, 1 is typical and 50 is far out.

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

components = detector.score_components(X)
errors = pd.DataFrame(detector.feature_errors(X), index=X.index, columns=X.columns)
for row in scores.nsmallest(5).index:
    reconstruction, code = components[X.index.get_loc(row)]
    worst = errors.loc[row].nlargest(3)
    label = "malignant" if y[row] else "benign"
    features = ", ".join(f"{name} ({value:.0f}x)" for name, value in worst.items())
    print(
        f"sample {row} ({label}), outlier score {-scores[row]:.1f} = reconstruction "
        f"{reconstruction:.1f} + code {code:.1f}; worst features: {features}"
    )
