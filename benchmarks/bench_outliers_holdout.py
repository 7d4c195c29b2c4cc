"""AEOutlierDetector vs IsolationForest on sets not used to choose the defaults.

The detector's defaults were chosen on the ODDS sets (``bench_outliers.py``).
This check builds 23 outlier sets from data that installable packages
bundle (no download), the way ADBench turns classification data into
outlier data:

- scikit-learn's ``load_digits``, ``load_wine`` and ``load_iris``: each
  class in turn is the outlier class, subsampled to 5 % of the rows, the
  other classes are the inliers (10 + 3 + 3 sets);
- ``load_breast_cancer_outliers``, the package's embedded set;
- vega_datasets' Seattle weather (its local copy; Vega project, BSD-3):
  precipitation, temperatures and wind of 1,461 days, the 23 days of snow
  are the outliers;
- vega_datasets' cars (Vega project, BSD-3; the rows without missing
  values): each region of origin in turn is the outlier class, subsampled
  to 5 % (3 sets);
- statsmodels' ``fair`` (Fair, 1978, affairs survey) and ``anes96`` (1996
  American National Election Study): the respondents with affairs, and the
  Dole voters, subsampled to 5 %, are the outliers.

Same protocol as ``bench_outliers.py``: seeds 0-2, stratified 60/40 split,
fit without labels, ROC-AUC on the test part.

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
from sklearn.datasets import load_digits, load_iris, load_wine

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
    """``(name, X, y)`` of every held-out set, y 1 for the outliers."""
    rng = np.random.RandomState(0)
    for name, loader in (("digits", load_digits), ("wine", load_wine), ("iris", load_iris)):
        X, y = loader(return_X_y=True)
        for label in np.unique(y):
            yield f"{name}, class {label} out", *one_class_out(X, y, label, rng)
    yield "breast cancer (embedded)", *load_breast_cancer_outliers(return_X_y=True)
    from statsmodels.datasets import anes96, fair
    from vega_datasets import local_data

    weather = local_data.seattle_weather()
    X = weather[["precipitation", "temp_max", "temp_min", "wind"]].to_numpy(float)
    yield "Seattle weather, snow", X, (weather["weather"] == "snow").to_numpy(float)
    cars = local_data.cars().dropna()
    X = cars.select_dtypes("number").to_numpy(float)
    for origin in sorted(cars["Origin"].unique()):
        yield f"cars, {origin} out", *one_class_out(X, cars["Origin"].to_numpy(), origin, rng)
    survey = fair.load_pandas().data
    X = survey.drop(columns="affairs").to_numpy(float)
    yield "fair, affairs", *one_class_out(X, (survey["affairs"] > 0).to_numpy(), True, rng)
    election = anes96.load_pandas().data
    X = election.drop(columns="vote").to_numpy(float)
    yield "anes96, Dole voters", *one_class_out(X, election["vote"].to_numpy(), 1, rng)


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
