"""Anomaly-detection quality on the ODDS benchmark sets, side by side.

Data: every ``.npz`` in ``../shared/data/odds`` (X float64, y 1 = outlier):
the ODDS library (Rayana, S. (2016). ODDS Library. Stony Brook University) as
shipped with PyOD (Zhao, Nasrullah, Li: "PyOD: A Python Toolbox for Scalable
Outlier Detection", JMLR 2019); see ``../shared/data/MANIFEST.md``.

Protocol (unsupervised, as PyOD's benchmark): for seeds 0, 1, 2 a stratified
60/40 split; each method is fitted on the training part without labels (it
contains outliers) and scores the test part. ROC-AUC and average precision
are averaged over seeds; fit + score time is recorded, after one untimed
warm-up fit of every method. Every method runs with
its defaults: ``AEOutlierDetector()``, ``IsolationForest``,
``LocalOutlierFactor(novelty=True)``, PCA reconstruction error (standardised
features, components explaining 90 % of the variance), PyOD's ``ECOD`` and
``AutoEncoder``. For ``AEOutlierDetector`` the F1 of ``predict`` on the test
part is reported with ``contamination="auto"`` and with the threshold set at
the true contamination of the training part.

``AEOutlierDetector(architecture="transformer")`` runs with and without
masking (``mask_ratio=0.25``); "AE vae" is ``AEOutlierDetector(model="vae")``,
scoring by the ELBO of a variational autoencoder.

    python benchmarks/bench_outliers.py [--methods NAME ...] [--datasets NAME ...]

With ``--methods`` alone, the named methods are re-run on every set and
replace their rows in the committed ``results/outliers.csv``; the other
methods' committed rows are kept, and all result files are rewritten.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import RESULTS, machine, setup
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AEOutlierDetector

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "odds"
SEEDS = (0, 1, 2)


class PCAReconstruction:
    """Squared reconstruction error of standardised PCA (90 % of variance)."""

    def fit(self, X):
        self.model_ = make_pipeline(StandardScaler(), PCA(n_components=0.9, svd_solver="full"))
        self.model_.fit(X)
        return self

    def outlier_scores(self, X):
        Z = self.model_[0].transform(X)
        pca = self.model_[1]
        return ((Z - pca.inverse_transform(pca.transform(Z))) ** 2).sum(axis=1)


def _pyod(name):
    def build(seed):
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.ecod import ECOD

        return ECOD() if name == "ECOD" else AutoEncoder(verbose=0, random_state=seed)

    return build


# Share of feature tokens masked in training for the masked variant.
MASK_RATIO = 0.25

# Written under the summary of results/outliers.md: what a reader must know
# about rows kept from earlier runs (see --methods).
NOTES = (
    "The rows of 'AE transformer' and 'AE transformer masked' were last run before "
    "AEOutlierDetector added its isolation forest (issue 14): they score by the "
    "autoencoder alone, trained on 50,000 rows, and compare the transformer with the "
    "MLP autoencoder of that time (ROC-AUC 0.846, AP 0.467). Re-running both takes "
    "about 45 minutes on 2 cores.",
)

METHODS = {
    "AEOutlierDetector": lambda seed: AEOutlierDetector(random_state=seed),
    "AE transformer": lambda seed: AEOutlierDetector(architecture="transformer", random_state=seed),
    "AE transformer masked": lambda seed: AEOutlierDetector(
        architecture="transformer",
        architecture_params={"mask_ratio": MASK_RATIO},
        random_state=seed,
    ),
    "AE vae": lambda seed: AEOutlierDetector(model="vae", random_state=seed),
    "IsolationForest": lambda seed: IsolationForest(random_state=seed),
    "LOF": lambda seed: LocalOutlierFactor(novelty=True),
    "PCA": lambda seed: PCAReconstruction(),
    "ECOD": _pyod("ECOD"),
    "PyOD AutoEncoder": _pyod("AutoEncoder"),
}


def outlier_scores(model, X):
    """Higher = more abnormal, whatever the library's convention."""
    if hasattr(model, "outlier_scores"):
        return model.outlier_scores(X)
    if hasattr(model, "score_samples"):
        return -model.score_samples(X)
    return model.decision_function(X)  # PyOD: higher is more abnormal


def odds_sets():
    """``(name, X, y)`` of every ODDS set, in name order."""
    for path in sorted(DATA.glob("*.npz")):
        data = np.load(path)
        yield path.stem, data["X"], data["y"]


def split(X, y, seed):
    """The protocol's stratified 60/40 split: X_train, X_test, y_train, y_test."""
    return train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)


def evaluate(name, X, y, seed):
    X_train, X_test, y_train, y_test = split(X, y, seed)
    model = METHODS[name](seed)
    start = time.perf_counter()
    model.fit(X_train)
    scores = outlier_scores(model, X_test)
    seconds = time.perf_counter() - start
    row = {
        "roc_auc": roc_auc_score(y_test, scores),
        "average_precision": average_precision_score(y_test, scores),
        "seconds": seconds,
    }
    if name == "AEOutlierDetector":
        row["f1_auto"] = f1_score(y_test, model.predict(X_test) == -1)
        threshold = np.percentile(-model.score_samples(X_train), 100 * (1 - y_train.mean()))
        row["f1_true_contamination"] = f1_score(y_test, scores > threshold)
    return row


def warm_up(methods):
    """Fit each method once, untimed: the first fit in a process pays one-off
    costs (lazy imports, torch's kernel set-up: about 1.5 s for torch) that
    would otherwise be charged to whichever data set comes first."""
    X, y = make_classification(n_samples=300, n_features=6, weights=[0.9], random_state=0)
    for name in methods:
        evaluate(name, X, y, seed=0)


def run(methods, datasets):
    warm_up(methods)
    records = []
    for data_set, X, y in odds_sets():
        if datasets and data_set not in datasets:
            continue
        for name in methods:
            for seed in SEEDS:
                row = evaluate(name, X, y, seed)
                records.append({"dataset": data_set, "method": name, "seed": seed, **row})
            mean = pd.DataFrame(records[-len(SEEDS) :])[["roc_auc", "seconds"]].mean()
            print(
                f"{data_set:12s} {name:20s} ROC-AUC {mean.roc_auc:.3f} {mean.seconds:.2f}s",
                flush=True,
            )
    return pd.DataFrame(records)


def summarise(results):
    per_set = results.groupby(["dataset", "method"]).mean(numeric_only=True)
    roc = per_set["roc_auc"].unstack("method")
    ap = per_set["average_precision"].unstack("method")
    seconds = per_set["seconds"].unstack("method")
    ranks = roc.rank(axis=1, ascending=False)
    summary = pd.DataFrame(
        {
            "mean ROC-AUC": roc.mean(),
            "mean rank (ROC-AUC)": ranks.mean(),
            "mean AP": ap.mean(),
            "total fit+score s": seconds.sum(),
        }
    ).sort_values("mean ROC-AUC", ascending=False)
    return roc, ap, seconds, summary


def write(results):
    roc, ap, seconds, summary = summarise(results)
    results.to_csv(RESULTS / "outliers.csv", index=False)
    parts = [
        "# Anomaly detection on ODDS (22 sets, seeds 0-2, stratified 60/40 split)\n",
        f"{machine()}. Command: `python benchmarks/bench_outliers.py`\n",
        "## Summary\n",
        summary.to_markdown(floatfmt=".3f"),
        *(f"\n{note}" for note in NOTES),
        "\n## ROC-AUC per data set (mean over seeds)\n",
        roc.to_markdown(floatfmt=".3f"),
        "\n## Average precision per data set\n",
        ap.to_markdown(floatfmt=".3f"),
        "\n## Fit + score seconds per data set\n",
        seconds.to_markdown(floatfmt=".2f"),
    ]
    if "f1_auto" in results:
        f1 = results.groupby("dataset")[["f1_auto", "f1_true_contamination"]].mean()
        parts += [
            "\n## AEOutlierDetector: F1 of predict (contamination='auto' vs true rate)\n",
            f1.to_markdown(floatfmt=".3f"),
            f"\nMean: auto {f1.f1_auto.mean():.3f}, true contamination "
            f"{f1.f1_true_contamination.mean():.3f}\n",
        ]
    (RESULTS / "outliers.md").write_text("\n".join(parts) + "\n")
    plot(roc)
    print(summary.to_markdown(floatfmt=".3f"))


def plot(roc):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = roc.plot.bar(figsize=(14, 5), width=0.8)
    ax.set_ylabel("ROC-AUC (mean of 3 seeds)")
    ax.set_ylim(0.3, 1.0)
    # Outside the axes: inside, the legend hides the bars of some sets.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    plt.tight_layout()
    plt.savefig(RESULTS / "outliers_roc.png", dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    parser.add_argument("--datasets", nargs="*")
    args = parser.parse_args()
    setup()
    warnings.simplefilter("ignore")
    results = run(args.methods, args.datasets)
    if not args.datasets:
        previous = RESULTS / "outliers.csv"
        if args.methods != list(METHODS) and previous.exists():
            kept = pd.read_csv(previous)
            kept = kept[~kept.method.isin(args.methods)]
            results = pd.concat([kept, results], ignore_index=True)
        write(results)
    else:
        print(summarise(results)[3].to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
