"""Which default hidden_layer_sizes for AETransformer? Held-out error vs fit time.

Data bundled with scikit-learn (digits, breast cancer, California housing is
not bundled, so wine and diabetes stand in), 50/50 split, standard scaling
inside the estimator, n_components at its default, max_iter=200 with the
default stopping rule. Prints a Markdown table and writes it to
benchmarks/results/architecture.md (and .csv).

    python benchmarks/bench_architecture.py
"""

import time
import warnings

import numpy as np
from _common import setup, write_results
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.model_selection import train_test_split

from sklearn_ae import AETransformer

CANDIDATES = [(), (32,), (64,), (128,), (64, 32), (128, 64), (128, 64, 32)]
DATASETS = {
    "digits": load_digits,
    "breast_cancer": load_breast_cancer,
    "wine": load_wine,
    "diabetes": load_diabetes,
}


def main():
    setup()
    warnings.simplefilter("ignore")
    rows = []
    for name, loader in DATASETS.items():
        X = loader(return_X_y=True)[0]
        X_train, X_test = train_test_split(X, test_size=0.5, random_state=0)
        for sizes in CANDIDATES:
            errors, times = [], []
            for seed in range(3):
                est = AETransformer(hidden_layer_sizes=sizes, random_state=seed)
                start = time.perf_counter()
                est.fit(X_train)
                times.append(time.perf_counter() - start)
                errors.append(-est.score(X_test))
            rows.append([name, sizes, f"{np.mean(errors):.4f}", f"{np.mean(times):.2f}"])
            print(rows[-1], flush=True)
    header = ["data", "hidden_layer_sizes", "held-out MSE (scaled)", "fit s"]
    title = "AETransformer: hidden_layer_sizes"
    write_results("architecture", title, "mean of 3 seeds.", header, rows)


if __name__ == "__main__":
    main()
