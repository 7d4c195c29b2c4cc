"""Choosing the outlier detector's defaults by cross-validation over data sets.

Protocol (issue 14). The 22 ODDS sets of ``bench_outliers.py`` (the ODDS
library, Rayana 2016, as shipped with PyOD; see ``../shared/data/MANIFEST.md``)
are split once at random (seed 0) into two halves, A and B, of 11 sets.
Every candidate setting of ``AEOutlierDetector`` runs on every set with the
protocol of ``bench_outliers.py`` (seeds 0-2, stratified 60/40 split, fit on
the training part without labels, scored on the test part). The candidate
with the best mean ROC-AUC on A, among those within 5 times IsolationForest's
fit + score time on every set of A (all of them when none is), is reported on
B, and likewise the best on B is
reported on A: neither number comes from a set used for the choice. The 23
held-out sets of ``bench_outliers_holdout.py`` (scikit-learn, vega_datasets
and statsmodels data) are never used to choose anything; every candidate is
reported on them too. IsolationForest (defaults) is the reference
throughout, and fit + score times are compared set by set.

The threshold of ``predict`` (``contamination="auto"``) is judged on the
same splits: for each rule that sets it from the training scores (a
surprisal above log(20), the default, and Tukey's fences), the F1 of the
flagged test rows and the flagged share against the true share of
outliers.

    python benchmarks/bench_outliers_cv.py [--tables-only]
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from _common import RESULTS, machine, setup
from bench_outliers import SEEDS, odds_sets, outlier_scores, split, warm_up
from bench_outliers_holdout import data_sets as holdout_sets
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from sklearn_ae import AEOutlierDetector

# Candidate settings: constructor arguments of AEOutlierDetector, or class
# constants (a leading underscore). The shipped defaults (the autoencoder
# trained on 20,000 rows, an isolation forest and the distance to the 5th
# nearest of 1,024 stored training rows, the largest of their surprisals);
# the same combined by the harmonic mean of their shares; the same with
# 25,000 training rows; the defaults before (no neighbour distance, 25,000
# rows); and the autoencoder alone. Measured before and dropped:
# trim_fraction=0, dropout=0.1, batch_size=512 (with learning rate 3e-3 or
# 6e-3), 30,000 and 50,000 training rows, 10 neighbours; see the README.
CANDIDATES = {
    "defaults": {},
    "harmonic mean share": {"_combination": "harmonic"},
    "25,000 training rows": {"_auto_row_budget": 25_000},
    "before: no neighbours, 25,000 rows": {"n_neighbors": None, "_auto_row_budget": 25_000},
    "autoencoder alone": {"isolation": False, "n_neighbors": None},
}
REFERENCE = "IsolationForest"
# A candidate is chosen only if its fit + score time stays within this many
# times IsolationForest's on every set of the half it is chosen on.
MAX_TIME_RATIO = 5.0
# Number formats of the summary tables' columns (the first is the index).
SUMMARY_FORMAT = ("", ".3f", ".3f", ".3f", ".0f", ".1f")


def _fence(values, k):
    q1, q3 = np.percentile(values, [25, 75])
    return q3 + k * (q3 - q1)


# Threshold rules: (outlier scores of the training part, number of
# detectors) -> threshold. The scores are the detector's combined surprisal
# (see AEOutlierDetector.score_sources): with the largest surprisal, "above
# log(20 x detectors)" flags a row when one detector finds it rarer than 1
# training row in 20 x detectors (Bonferroni's correction).
RULES = {
    "Tukey's fence (Q3 + 1.5 IQR)": lambda t, _: _fence(t, 1.5),
    "Tukey's far fence (Q3 + 3 IQR)": lambda t, _: _fence(t, 3.0),
    "surprisal above log(20)": lambda t, _: np.log(20.0),
    "surprisal above log(20 x detectors)": lambda t, k: np.log(20.0 * k),
}


def halves():
    """The two halves of the ODDS sets, by name."""
    names = [name for name, _, _ in odds_sets()]
    order = np.random.RandomState(0).permutation(len(names))
    first = sorted(names[i] for i in order[: len(names) // 2])
    return first, sorted(set(names) - set(first))


def all_sets():
    for name, X, y in odds_sets():
        yield "odds", name, X, y
    for name, X, y in holdout_sets():
        yield "held-out", name, X, y


def evaluate(model, X, y, seed):
    X_train, X_test, _, y_test = split(X, y, seed)
    start = time.perf_counter()
    scores = outlier_scores(model.fit(X_train), X_test)
    row = {
        "roc_auc": roc_auc_score(y_test, scores),
        "average_precision": average_precision_score(y_test, scores),
        "seconds": time.perf_counter() - start,
        "true_share": y_test.mean(),
    }
    if isinstance(model, AEOutlierDetector):
        training_scores = outlier_scores(model, X_train)
        n_detectors = len(model.surprisal_calibration_)
        for rule, threshold in RULES.items():
            flagged = scores > threshold(training_scores, n_detectors)
            row[f"F1: {rule}"] = f1_score(y_test, flagged)
            row[f"flagged: {rule}"] = flagged.mean()
    return row


def _detector(seed, params):
    """AEOutlierDetector with ``params``; a leading underscore sets a class constant."""
    constants = {key: value for key, value in params.items() if key.startswith("_")}
    detector_class = type("AEOutlierDetector", (AEOutlierDetector,), constants)
    arguments = {key: value for key, value in params.items() if key not in constants}
    return detector_class(random_state=seed, **arguments)


def run():
    records = []
    methods = {REFERENCE: lambda seed: IsolationForest(random_state=seed)}
    for name, params in CANDIDATES.items():
        methods[name] = lambda seed, params=params: _detector(seed, params)
    for family, data_set, X, y in all_sets():
        for method, make in methods.items():
            for seed in SEEDS:
                row = evaluate(make(seed), X, y, seed)
                records.append(
                    {"family": family, "set": data_set, "method": method, "seed": seed, **row}
                )
        done = pd.DataFrame(records[-len(methods) * len(SEEDS) :])
        print(data_set, done.groupby("method")["roc_auc"].mean().round(3).to_dict(), flush=True)
    return pd.DataFrame(records)


def summary(per_set, sets):
    """Mean ROC-AUC, AP and rank (against the reference) of every method on ``sets``."""
    part = per_set[per_set.index.get_level_values("set").isin(sets)]
    roc = part["roc_auc"].unstack("method")
    seconds = part["seconds"].unstack("method")
    return pd.DataFrame(
        {
            "mean ROC-AUC": roc.mean(),
            "mean AP": part["average_precision"].unstack("method").mean(),
            "mean rank": roc.rank(axis=1, ascending=False).mean(),
            "sets ahead of IsolationForest": roc.gt(roc[REFERENCE], axis=0).sum(),
            "max time / IsolationForest": seconds.div(seconds[REFERENCE], axis=0).max(),
        }
    ).sort_values("mean ROC-AUC", ascending=False)


def write(results):
    per_set = results.groupby(["set", "method"]).mean(numeric_only=True)
    first, second = halves()
    held_out = results.loc[results.family == "held-out", "set"].unique()
    candidates = list(CANDIDATES)
    lines = [
        "# Outlier detector defaults chosen by cross-validation over data sets\n",
        f"{machine()}. Command: `python benchmarks/bench_outliers_cv.py`\n",
        f"Half A: {', '.join(first)}.\n",
        f"Half B: {', '.join(second)}.\n",
    ]
    verdict = []
    for chosen_on, reported_on, label in ((first, second, "A"), (second, first, "B")):
        on_choice = summary(per_set, chosen_on).loc[candidates]
        fast_enough = on_choice[on_choice["max time / IsolationForest"] <= MAX_TIME_RATIO]
        best = (fast_enough if len(fast_enough) else on_choice)["mean ROC-AUC"].idxmax()
        report = summary(per_set, reported_on)
        other = "B" if label == "A" else "A"
        lines += [
            f"## Chosen on half {label}, reported on half {other}\n",
            f"Best on {label} within {MAX_TIME_RATIO:.0f} times IsolationForest's time on each "
            f"set: **{best}** (mean ROC-AUC {on_choice.loc[best, 'mean ROC-AUC']:.3f}"
            f" on {label}).\n",
            report.to_markdown(floatfmt=SUMMARY_FORMAT),
            "",
        ]
        gain = report.loc[best, "mean ROC-AUC"] - report.loc[REFERENCE, "mean ROC-AUC"]
        ap_gain = report.loc[best, "mean AP"] - report.loc[REFERENCE, "mean AP"]
        verdict.append(
            f"- Chosen on {label} ({best}), on {other}: ROC-AUC {gain:+.3f} and AP {ap_gain:+.3f} "
            "against IsolationForest."
        )
    report = summary(per_set, held_out)
    lines += [
        "## The 23 held-out sets (never used to choose)\n",
        report.to_markdown(floatfmt=SUMMARY_FORMAT),
        "",
        "## Verdict\n",
        "\n".join(verdict),
        "",
        "## ROC-AUC per set (mean over seeds)\n",
        per_set["roc_auc"].unstack("method").to_markdown(floatfmt=".3f"),
        "",
        "## Average precision per set\n",
        per_set["average_precision"].unstack("method").to_markdown(floatfmt=".3f"),
        "",
        "## The threshold of contamination='auto': F1 and flagged share\n",
    ]
    ae = results[results.method.isin(candidates)]
    rule_columns = [c for c in results.columns if c.startswith(("F1: ", "flagged: "))]
    threshold = ae.groupby(["method", "family"])[[*rule_columns, "true_share"]].mean().T
    lines.append(threshold.to_markdown(floatfmt=".3f"))
    (RESULTS / "outliers_cv.md").write_text("\n".join(lines) + "\n")
    results.to_csv(RESULTS / "outliers_cv.csv", index=False)
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tables-only", action="store_true", help="rewrite the tables from results/outliers_cv.csv"
    )
    setup()
    if parser.parse_args().tables_only:
        write(pd.read_csv(RESULTS / "outliers_cv.csv"))
        return
    warnings.simplefilter("ignore")
    warm_up([REFERENCE, "AEOutlierDetector"])
    write(run())


if __name__ == "__main__":
    main()
