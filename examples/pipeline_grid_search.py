"""Autoencoder features in a Pipeline, tuned with GridSearchCV.

AETransformer compresses the 64 pixels of scikit-learn's digits into a few
codes; a logistic regression classifies them. GridSearchCV picks the code
size. AETransformer also has its own ``score`` (negative reconstruction
error), so it can be tuned alone without any labels.

    python examples/pipeline_grid_search.py
"""

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_ae import AETransformer

X, y = load_digits(return_X_y=True)

pipe = make_pipeline(AETransformer(max_iter=50, random_state=0), LogisticRegression(max_iter=1000))
search = GridSearchCV(pipe, {"aetransformer__n_components": [4, 8, 16]}, cv=3).fit(X, y)
print("classification:", search.best_params_, f"accuracy {search.best_score_:.3f}")

unsupervised = GridSearchCV(
    AETransformer(max_iter=50, random_state=0), {"hidden_layer_sizes": [(32,), (128,)]}, cv=3
).fit(X)
print("reconstruction:", unsupervised.best_params_, f"score {unsupervised.best_score_:.3f}")
