"""Which detectors, combined how, hold a lead on data nobody tuned them to.

``bench_outliers_cv.py`` fits every candidate setting of
``AEOutlierDetector``; a candidate that only adds a detector or changes how
the detectors' surprisals are combined does not need its own fit. This
script fits the default detector once per set and seed, keeps its three
surprisals (autoencoder, isolation forest, distance to the 5th neighbour,
``score_sources``), computes further detectors' scores on the same split and
turns them into surprisals the same way (``sklearn_ae._surprisal``). Every
candidate (a set of detectors and a rule that combines them) is then scored
on every set, with the protocol of ``bench_outliers_cv.py``: the ODDS halves
A and B (the best on A by mean ROC-AUC is reported on B, and the reverse)
and the 23 held-out sets, which choose nothing. IsolationForest (defaults,
``random_state=seed``) is the reference.

Further detectors, on the standardized features, against at most 1,024
training rows drawn at random, as the default's neighbour distance:

- ``20-NN``: distance to the 20th nearest row;
- ``CBLOF``: cluster-based local outlier factor (He et al., 2003, Pattern
  Recognition Letters 24), k-means with 16 clusters on the training rows;
  the largest clusters holding 90 % of the rows are "large"; a row's score is
  its distance to its cluster's centre, or to the nearest large cluster's
  centre when its own cluster is small;
- ``bagged 5-NN``: feature bagging (Lazarevic and Kumar, 2005, KDD): the
  mean surprisal of 10 distances to the 5th neighbour, each on a random
  half or more of the features;
- ``GMM``: negative log-likelihood under a mixture of 4 Gaussians with
  diagonal covariances, fitted on the same rows;
- ``Mahalanobis``: squared Mahalanobis distance to the training mean (the
  whitened principal components of all training rows).

Rules: the largest surprisal (the default), ``-log`` of the power mean of
the shares ``exp(-surprisal)`` with exponent -1 (harmonic, Wilson 2019) and
-2 (Vovk and Wang, 2020, Biometrika 107(4)), the mean surprisal and the
median surprisal.

    python benchmarks/bench_outliers_sources.py

Writes ``results/outliers_sources.md`` and ``.csv``; about 5 minutes.
"""

import time
import warnings

import numpy as np
import pandas as pd
from _common import RESULTS, command, machine, setup
from bench_outliers import SEEDS, split
from bench_outliers_cv import all_sets, halves
from scipy.special import logsumexp
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AEOutlierDetector
from sklearn_ae._outlier import _NEIGHBOR_REFERENCE_ROWS
from sklearn_ae._surprisal import combine_surprisals, fit_surprisal, surprisal

DEFAULT_SOURCES = ("AE", "forest", "5-NN")
# Sets of detectors to combine; the defaults come first.
COMBINATIONS = (
    ("AE", "forest", "5-NN"),
    ("AE", "forest"),
    ("forest", "5-NN"),
    ("AE", "forest", "5-NN", "20-NN"),
    ("AE", "forest", "5-NN", "CBLOF"),
    ("AE", "forest", "CBLOF"),
    ("AE", "forest", "5-NN", "bagged 5-NN"),
    ("forest", "5-NN", "20-NN", "CBLOF"),
    ("AE", "forest", "5-NN", "20-NN", "CBLOF"),
    ("AE", "forest", "5-NN", "GMM"),
    ("forest", "5-NN", "GMM"),
    ("AE", "forest", "5-NN", "Mahalanobis"),
)
SINGLE = ("AE", "5-NN", "20-NN", "CBLOF", "bagged 5-NN", "GMM", "Mahalanobis")


def _power_mean(exponent):
    """``-log`` of the power mean of the shares exp(-surprisal), exponent < 0."""

    def rule(surprisals):
        scaled = -exponent * surprisals
        return (logsumexp(scaled, axis=1) - np.log(surprisals.shape[1])) / -exponent

    return rule


# "max" and "harmonic" are the detector's own rules (combine_surprisals).
RULES = {
    "max": combine_surprisals,
    "harmonic": lambda s: combine_surprisals(s, "harmonic"),
    "power -2": _power_mean(-2.0),
    "mean": lambda s: s.mean(axis=1),
    "median": lambda s: np.median(s, axis=1),
}


def _neighbor_distance(train, queries, reference, k):
    """Distance to the k-th nearest reference row; a training row skips itself."""
    neighbors = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(train[reference])
    distances, _ = neighbors.kneighbors(train)
    in_reference = np.zeros(len(train), dtype=bool)
    in_reference[reference] = True
    on_train = np.where(in_reference, distances[:, k], distances[:, k - 1])
    return on_train, neighbors.kneighbors(queries, n_neighbors=k)[0][:, k - 1]


def _cblof(train, queries, seed, n_clusters=16, large_share=0.9):
    """CBLOF scores (unweighted) of the training rows and the queries."""
    kmeans = KMeans(n_clusters, n_init=1, random_state=seed).fit(train)
    sizes = np.bincount(kmeans.labels_, minlength=n_clusters)
    by_size = np.argsort(-sizes)
    n_large = np.searchsorted(np.cumsum(sizes[by_size]), large_share * len(train)) + 1
    large = np.zeros(n_clusters, dtype=bool)
    large[by_size[:n_large]] = True

    def score(X):
        distances = kmeans.transform(X)
        own = distances.argmin(axis=1)
        return np.where(large[own], distances.min(axis=1), distances[:, large].min(axis=1))

    return score(train), score(queries)


def _test_surprisals(on_train, on_test):
    """Surprisals of the test scores against the training scores."""
    return surprisal(on_test, fit_surprisal(on_train))


def further_sources(X_train, X_test, seed):
    """Test-row surprisals of the further detectors, by name."""
    scaler = StandardScaler().fit(X_train)
    train, test = scaler.transform(X_train), scaler.transform(X_test)
    rng = np.random.RandomState(seed)
    n_rows, n_features = train.shape
    reference = np.arange(n_rows)
    if n_rows > _NEIGHBOR_REFERENCE_ROWS:
        reference = np.sort(rng.choice(n_rows, _NEIGHBOR_REFERENCE_ROWS, replace=False))
    sources = {
        "20-NN": _test_surprisals(*_neighbor_distance(train, test, reference, 20)),
        "CBLOF": _test_surprisals(*_cblof(train, test, seed)),
    }
    members = []
    for _ in range(10):
        size = rng.randint(max(1, n_features // 2), n_features) if n_features > 2 else n_features
        features = np.sort(rng.choice(n_features, size, replace=False))
        distances = _neighbor_distance(train[:, features], test[:, features], reference, 5)
        members.append(_test_surprisals(*distances))
    sources["bagged 5-NN"] = np.mean(members, axis=0)
    mixture = GaussianMixture(4, covariance_type="diag", reg_covar=1e-3, random_state=seed)
    mixture.fit(train[reference])
    sources["GMM"] = _test_surprisals(-mixture.score_samples(train), -mixture.score_samples(test))
    pca = PCA(whiten=True).fit(train)
    kept = pca.explained_variance_ > 1e-9 * pca.explained_variance_[0]
    sources["Mahalanobis"] = _test_surprisals(
        *((pca.transform(X)[:, kept] ** 2).sum(axis=1) for X in (train, test))
    )
    return sources


def candidates(sources):
    """Outlier scores of the test rows of every candidate, by name."""
    scores = {name: sources[name] for name in SINGLE}
    for combination in COMBINATIONS:
        stacked = np.column_stack([sources[name] for name in combination])
        for rule_name, rule in RULES.items():
            if rule_name == "median" and len(combination) < 3:
                continue
            scores[f"{rule_name}: {' + '.join(combination)}"] = rule(stacked)
    return scores


def run():
    records = []
    for family, data_set, X, y in all_sets():
        start = time.perf_counter()
        for seed in SEEDS:
            X_train, X_test, _, y_test = split(X, y, seed)
            detector = AEOutlierDetector(random_state=seed).fit(X_train)
            on_test = detector.score_sources(X_test)
            sources = dict(zip(DEFAULT_SOURCES, on_test.T, strict=True))
            sources.update(further_sources(X_train, X_test, seed))
            forest = IsolationForest(random_state=seed).fit(X_train)
            scores = {"IsolationForest": -forest.score_samples(X_test), **candidates(sources)}
            for method, score in scores.items():
                records.append(
                    {
                        "family": family,
                        "set": data_set,
                        "seed": seed,
                        "method": method,
                        "roc_auc": roc_auc_score(y_test, score),
                        "average_precision": average_precision_score(y_test, score),
                    }
                )
        print(f"{data_set} ({time.perf_counter() - start:.0f} s)", flush=True)
    return pd.DataFrame(records)


def gains(results):
    """Mean ROC-AUC and AP of each method on A, B and held-out, less IsolationForest's."""
    per_set = results.groupby(["set", "method"])[["roc_auc", "average_precision"]].mean()
    first, second = halves()
    groups = {"A": first, "B": second}
    groups["held-out"] = results.loc[results.family == "held-out", "set"].unique()
    table = {}
    for label, sets in groups.items():
        part = per_set[per_set.index.get_level_values("set").isin(sets)].groupby("method").mean()
        gain = part - part.loc["IsolationForest"]
        table[f"ROC-AUC {label}"] = part["roc_auc"]
        table[f"ROC {label} vs IF"] = gain["roc_auc"]
        table[f"AP {label} vs IF"] = gain["average_precision"]
    return pd.DataFrame(table)


def write(results):
    table = gains(results)
    defaults = "max: " + " + ".join(DEFAULT_SOURCES)
    lines = [
        "# Detectors and combination rules on data nobody tuned them to\n",
        f"{machine()}. Command: `{command()}`\n",
        "Differences are against IsolationForest (mean over the sets of the group). "
        f"The defaults are **{defaults}**.\n",
    ]
    for chosen_on, reported_on in (("A", "B"), ("B", "A")):
        best = table[f"ROC-AUC {chosen_on}"].drop("IsolationForest").idxmax()
        lines.append(
            f"- Best on {chosen_on}: **{best}**; on {reported_on}: ROC-AUC "
            f"{table.loc[best, f'ROC {reported_on} vs IF']:+.3f}, AP "
            f"{table.loc[best, f'AP {reported_on} vs IF']:+.3f}; on the held-out sets: "
            f"{table.loc[best, 'ROC held-out vs IF']:+.3f}, "
            f"{table.loc[best, 'AP held-out vs IF']:+.3f}."
        )
    odds_target = table[["ROC A vs IF", "ROC B vs IF"]].min(axis=1).ge(0.02) & table[
        ["AP A vs IF", "AP B vs IF"]
    ].min(axis=1).ge(0.0)
    held_out_target = table["ROC held-out vs IF"].ge(0.02) & table["AP held-out vs IF"].ge(0.0)
    lines += [
        f"- At least +0.02 ROC-AUC and level AP on both ODDS halves: {odds_target.sum()} "
        f"candidates; on the held-out sets: {held_out_target.sum()}; on both: "
        f"{(odds_target & held_out_target).sum()}.",
        "",
        "## Every candidate, best on the held-out sets first\n",
        "The held-out column orders the table only for reading; nothing is chosen on it.\n",
        table.drop(columns=[c for c in table if c.startswith("ROC-AUC")])
        .sort_values("ROC held-out vs IF", ascending=False)
        .to_markdown(floatfmt="+.3f"),
        "",
        "## ROC-AUC per set of the held-out sets (mean over seeds)\n",
    ]
    shown = ["IsolationForest", defaults, *SINGLE]
    held_out = results[results.family == "held-out"]
    per_set = held_out.groupby(["set", "method"])["roc_auc"].mean().unstack("method")
    lines.append(per_set[shown].to_markdown(floatfmt=".3f"))
    (RESULTS / "outliers_sources.md").write_text("\n".join(lines) + "\n")
    results.to_csv(RESULTS / "outliers_sources.csv", index=False, float_format="%.4f")
    print("\n".join(lines[:8]))


def main():
    setup()
    warnings.simplefilter("ignore")
    write(run())


if __name__ == "__main__":
    main()
