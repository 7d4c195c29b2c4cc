"""Which default hidden_layer_sizes for AETransformer? Held-out error vs fit time.

Data bundled with scikit-learn (digits, breast cancer, California housing is
not bundled, so wine and diabetes stand in), 50/50 split, standard scaling
inside the estimator, n_components at its default, max_iter=200 with the
default stopping rule. Prints a Markdown table and writes it to
benchmarks/results/architecture.md.

    python benchmarks/bench_architecture.py
"""

import time
import warnings
from pathlib import Path

import numpy as np
import torch
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
    torch.set_num_threads(2)
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
            rows.append((name, sizes, np.mean(errors), np.mean(times)))
            print(rows[-1], flush=True)
    lines = [
        "| data | hidden_layer_sizes | held-out MSE (scaled) | fit s |",
        "|---|---|---:|---:|",
    ]
    lines += [f"| {n} | {s} | {e:.4f} | {t:.2f} |" for n, s, e, t in rows]
    table = "\n".join(lines)
    print(table)
    out = Path(__file__).parent / "results" / "architecture.md"
    out.write_text(
        "# AETransformer: hidden_layer_sizes (mean of 3 seeds, 2 threads)\n\n" + table + "\n"
    )


if __name__ == "__main__":
    main()
