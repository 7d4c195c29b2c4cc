"""Anomaly detection with a few known anomalies: AEOutlierDetector.fit(X, y).

Data: the 22 ODDS sets (``bench_outliers.py``), on which the way the labels
are used was chosen, and the 23 held-out sets (``bench_outliers_holdout.py``),
on which it was not.

Protocol: for seeds 0, 1, 2 the stratified 60/40 split of
``bench_outliers.py``; of the training part's anomalies, 1 %, 5 % or 10 %
(at least one) drawn at random are labelled 1 (known anomaly), every other
training row is unlabelled. ROC-AUC and average precision on the test part.

Methods, each given the same labels:

- ``AEOutlierDetector()`` fitted without labels (the unsupervised defaults);
- ``AEOutlierDetector().fit(X, y)`` with the labels;
- ``HistGradientBoostingClassifier`` trained on labelled against unlabelled
  rows (the supervised baseline of Han et al. 2022, ADBench);
- DeepOD's DevNet (Pang et al. 2019), DeepSAD (Ruff et al. 2020) and PReNet
  (Pang et al. 2023), with their default settings on the CPU. The ``deepod``
  package pins ``torch<1.13.1``; ``make bench`` installs it without its
  dependencies and it runs on the torch of this project. PReNet draws pairs
  of known anomalies and cannot run with a single one: those runs are
  reported as missing, and a table compares all methods on the runs that
  every method scored;
- PyOD's XGBOD (Zhao and Hryniewicki 2018): gradient boosting (xgboost) on
  the features and the scores of PyOD's unsupervised detectors.

Each run replaces the saved results of the collections and methods it ran
(``results/outliers_labels.csv``) and rewrites the tables of all of them.

    python benchmarks/bench_outliers_labels.py [--collections odds holdout] [--methods NAME ...]
    python benchmarks/bench_outliers_labels.py --tables-only
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from _common import RESULTS, command, machine, setup
from bench_outliers import SEEDS, odds_sets, split
from bench_outliers_holdout import data_sets
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score

from sklearn_ae import AEOutlierDetector

FRACTIONS = (0.01, 0.05, 0.10)
COLLECTIONS = {"odds": odds_sets, "holdout": data_sets}


def known_anomalies(y_train, fraction, seed):
    """y for fit: 1 for a random ``fraction`` of the anomalies (at least one), else -1."""
    rng = np.random.RandomState(seed)
    anomalies = np.flatnonzero(y_train == 1)
    n_known = max(1, round(fraction * len(anomalies)))
    labels = np.full(len(y_train), -1)
    labels[rng.choice(anomalies, n_known, replace=False)] = 1
    return labels


def unsupervised(X_train, labels, X_test, seed):
    return -AEOutlierDetector(random_state=seed).fit(X_train).score_samples(X_test)


def with_labels(X_train, labels, X_test, seed):
    return -AEOutlierDetector(random_state=seed).fit(X_train, labels).score_samples(X_test)


def gradient_boosting(X_train, labels, X_test, seed):
    model = HistGradientBoostingClassifier(early_stopping=False, random_state=seed)
    model.fit(X_train, labels == 1)
    return model.predict_proba(X_test)[:, 1]


def _deepod(name):
    def fit_score(X_train, labels, X_test, seed):
        from deepod.models.tabular import DeepSAD, DevNet, PReNet

        model_class = {"DevNet": DevNet, "DeepSAD": DeepSAD, "PReNet": PReNet}[name]
        model = model_class(device="cpu", verbose=0, random_state=seed)
        model.fit(X_train.astype(np.float32), (labels == 1).astype(int))
        return model.decision_function(X_test.astype(np.float32))

    return fit_score


def xgbod(X_train, labels, X_test, seed):
    from pyod.models.xgbod import XGBOD

    model = XGBOD(random_state=seed)
    model.fit(X_train, (labels == 1).astype(int))
    return model.decision_function(X_test)


METHODS = {
    "AEOutlierDetector (no labels)": unsupervised,
    "AEOutlierDetector (labels)": with_labels,
    "HistGradientBoosting": gradient_boosting,
    "DevNet": _deepod("DevNet"),
    "DeepSAD": _deepod("DeepSAD"),
    "PReNet": _deepod("PReNet"),
    "XGBOD": xgbod,
}

IGNORE_LABELS = {"AEOutlierDetector (no labels)"}


def _score(metric, y_test, scores):
    return np.nan if scores is None else metric(y_test, scores)


def run(collections, methods):
    records = []
    for collection in collections:
        for data_set, X, y in COLLECTIONS[collection]():
            for seed in SEEDS:
                X_train, X_test, y_train, y_test = split(X, y, seed)
                unlabelled = {}  # scores and time of the methods that ignore the labels
                for fraction in FRACTIONS:
                    labels = known_anomalies(y_train, fraction, seed)
                    for method in methods:
                        start = time.perf_counter()
                        if method in unlabelled:
                            scores, seconds = unlabelled[method]
                        else:
                            try:
                                scores = METHODS[method](X_train, labels, X_test, seed)
                            except ValueError as error:
                                # PReNet draws pairs of known anomalies: it
                                # cannot run with a single one.
                                print(f"  {method} failed on {data_set}: {error}", flush=True)
                                scores = None
                            seconds = time.perf_counter() - start
                        if method in IGNORE_LABELS:
                            unlabelled[method] = scores, seconds
                        records.append(
                            {
                                "collection": collection,
                                "dataset": data_set,
                                "seed": seed,
                                "fraction": fraction,
                                "labelled": int((labels == 1).sum()),
                                "method": method,
                                "roc_auc": _score(roc_auc_score, y_test, scores),
                                "average_precision": _score(
                                    average_precision_score, y_test, scores
                                ),
                                "seconds": seconds,
                            }
                        )
                print(f"{collection:8s} {data_set:26s} seed {seed} done", flush=True)
    return pd.DataFrame(records)


def summarise(results):
    per_set = results.groupby(["collection", "fraction", "method", "dataset"]).mean(
        numeric_only=True
    )
    means = per_set.groupby(["collection", "fraction", "method"])[
        ["roc_auc", "average_precision", "seconds"]
    ].mean()
    return means.reset_index()


def _pivot(means, metric):
    """Methods by labelled share, as Markdown."""
    table = means.pivot_table(
        index=["collection", "method"], columns="fraction", values=metric, dropna=False
    )
    table = table.dropna(how="all")  # methods a collection was not run with
    table.columns = [f"{100 * f:.0f} % labelled" for f in table.columns]
    table.index = [f"{collection}: {method}" for collection, method in table.index]
    return table.to_markdown(floatfmt=".3f")


def merge(results):
    """The saved results, those of the collections and methods just run replaced."""
    path = RESULTS / "outliers_labels.csv"
    if not path.is_file():
        return results
    saved = pd.read_csv(path)
    run = saved.set_index(["collection", "method"]).index.isin(
        results.set_index(["collection", "method"]).index.unique()
    )
    return pd.concat([saved[~run], results], ignore_index=True)


def write(results):
    results.to_csv(RESULTS / "outliers_labels.csv", index=False)
    means = summarise(results)
    runs = results.drop_duplicates(["collection", "command"])[["collection", "machine", "command"]]
    parts = [
        "# Anomaly detection with a few known anomalies\n",
        *(
            f"{run.collection}: {run.machine}. Command: `{run.command}`\n"
            for run in runs.itertuples()
        ),
        "Mean over the data sets of each collection (each set: mean over seeds 0-2) of "
        "ROC-AUC and average precision on the test part; the labelled share is of the "
        "training part's anomalies. The method was chosen on ODDS; the held-out sets were "
        "not used to choose it.\n",
    ]
    for metric in ("roc_auc", "average_precision"):
        parts += [f"## Mean {metric.replace('_', ' ')}\n", _pivot(means, metric), ""]
    failed = results[results["roc_auc"].isna()]
    if len(failed):
        counts = failed.groupby(["collection", "fraction", "method"]).size()
        parts += [
            "## Runs that could not be scored\n",
            "PReNet draws pairs of known anomalies and fails with a single one; the means "
            "above leave those runs out (a set counts with the seeds it ran on), so its "
            "row is over fewer, larger sets. The next table compares every method on "
            "the runs (set x seed) that all of them scored.\n",
            counts.rename("runs (set x seed)").reset_index().to_markdown(index=False),
            "",
        ]
        key = ["collection", "dataset", "seed", "fraction"]
        scored = results.groupby(key)["roc_auc"].transform(lambda auc: auc.notna().all())
        incomplete = results["collection"].isin(failed["collection"].unique())
        common = summarise(results[scored.astype(bool) & incomplete])
        parts += [
            "## Mean ROC-AUC on the runs every method scored\n",
            _pivot(common, "roc_auc"),
            "",
        ]
    labelled = results.groupby(["collection", "fraction"])["labelled"]
    parts += [
        "## Known anomalies per run\n",
        labelled.agg(["min", "median", "max"]).reset_index().to_markdown(index=False),
        "",
    ]
    (RESULTS / "outliers_labels.md").write_text("\n".join(parts) + "\n")
    print("\n".join(parts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument(
        "--tables-only", action="store_true", help="rewrite the tables from the saved CSV"
    )
    args = parser.parse_args()
    if args.tables_only:
        write(pd.read_csv(RESULTS / "outliers_labels.csv"))
        return
    setup()
    warnings.simplefilter("ignore")
    results = run(args.collections, args.methods).assign(machine=machine(), command=command())
    write(merge(results))


if __name__ == "__main__":
    main()
