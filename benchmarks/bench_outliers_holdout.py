"""AEOutlierDetector vs IsolationForest on sets not used to choose the defaults.

The detector's defaults were chosen on the ODDS sets (``bench_outliers.py``).
This check builds outlier sets from data that scikit-learn bundles: for
``load_digits`` and ``load_wine``, each class in turn is the outlier class,
subsampled to 5 % of the rows, the other classes are the inliers;
``load_breast_cancer_outliers`` is the package's embedded set. Same protocol
as ``bench_outliers.py``: seeds 0-2, stratified 60/40 split, fit without
labels, ROC-AUC on the test part.

    python benchmarks/bench_outliers_holdout.py [--methods NAME ...]

``--methods`` takes names of ``bench_outliers.METHODS`` (default: the
detector's default, IsolationForest and the transformer detector).
"""

import argparse
import warnings

import numpy as np
import pandas as pd
from _common import RESULTS, command, machine, setup
from bench_outliers import SEEDS, evaluate, warm_up
from sklearn.datasets import load_digits, load_wine

from sklearn_ae.datasets import load_breast_cancer_outliers

METHODS = ("AEOutlierDetector", "IsolationForest", "AE transformer")
OUTLIER_SHARE = 0.05


def one_class_out(X, y, outlier_class, rng):
    """Inliers: the other classes; outliers: a 5 % sample of one class."""
    inliers = X[y != outlier_class]
    candidates = X[y == outlier_class]
    n_outliers = max(2, round(OUTLIER_SHARE * len(inliers) / (1 - OUTLIER_SHARE)))
    outliers = candidates[rng.choice(len(candidates), n_outliers, replace=False)]
    return np.vstack([inliers, outliers]), np.r_[np.zeros(len(inliers)), np.ones(n_outliers)]


def data_sets():
    rng = np.random.RandomState(0)
    for name, loader in (("digits", load_digits), ("wine", load_wine)):
        X, y = loader(return_X_y=True)
        for label in np.unique(y):
            yield f"{name}, class {label} out", *one_class_out(X, y, label, rng)
    yield "breast cancer (embedded)", *load_breast_cancer_outliers(return_X_y=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    methods = parser.parse_args().methods
    setup()
    warnings.simplefilter("ignore")
    warm_up(methods)
    rows = []
    for name, X, y in data_sets():
        for method in methods:
            auc = np.mean([evaluate(method, X, y, seed)["roc_auc"] for seed in SEEDS])
            rows.append({"data set": name, "method": method, "ROC-AUC": auc})
            print(f"{name:26s} {method:22s} {auc:.3f}", flush=True)
    table = pd.DataFrame(rows).pivot(index="data set", columns="method", values="ROC-AUC")
    means = ", ".join(f"{m} {table[m].mean():.3f}" for m in methods)
    lines = [f"Mean ROC-AUC: {means}."]
    for method in methods:
        if method != "IsolationForest" and "IsolationForest" in methods:
            wins = (table[method] > table["IsolationForest"]).sum()
            lines.append(f"{method} is higher than IsolationForest on {wins} of {len(table)} sets.")
    text = (
        "# Outlier detection on sets not used to choose the defaults\n\n"
        f"{machine()}. Command: `{command()}`\n\n"
        f"{table.to_markdown(floatfmt='.3f')}\n\n" + "\n".join(lines) + "\n"
    )
    (RESULTS / "outliers_holdout.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
