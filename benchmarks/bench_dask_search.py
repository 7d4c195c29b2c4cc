"""A grid search on a Dask LocalCluster: workers, threads and torch's threads.

The search: ``GridSearchCV`` over a pipeline ``AETransformer`` ->
``LogisticRegression`` on the digits (1,797 x 64), 4 candidates
(n_components 8 / 16, hidden_layer_sizes (64,) / (128,)), 3 folds, 30
epochs: 12 fits plus the refit. The same search runs in one process and,
through joblib's Dask backend, on local clusters of worker processes with
torch given a set number of threads in each worker (Dask's nanny sets
``OMP_NUM_THREADS`` before it starts a worker, from the config key
``distributed.nanny.pre-spawn-environ``; torch reads it at import). The
cluster's start is not timed. Each setting runs once, in the order of the
table, on an otherwise idle machine; the ratio is to the one-process search.

    python benchmarks/bench_dask_search.py
"""

import os
import time
import warnings

import dask
import joblib
import torch
from _common import write_results
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_ae import AETransformer

GRID = {
    "aetransformer__n_components": [8, 16],
    "aetransformer__hidden_layer_sizes": [(64,), (128,)],
}
CORES = os.cpu_count()


def search():
    pipe = make_pipeline(
        AETransformer(max_iter=30, random_state=0), LogisticRegression(max_iter=2000)
    )
    return GridSearchCV(pipe, GRID, cv=3, n_jobs=-1)


def timed_search(X, y):
    start = time.perf_counter()
    result = search().fit(X, y)
    return time.perf_counter() - start, result.best_score_


def worker_threads():
    return torch.get_num_threads()


def on_cluster(X, y, n_workers, torch_threads):
    environ = {f"{name}_NUM_THREADS": torch_threads for name in ("OMP", "MKL", "OPENBLAS")}
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
    ):
        threads = sorted(set(client.run(worker_threads).values()))
        seconds, score = timed_search(X, y)
    return seconds, score, threads


def main():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    torch.set_num_threads(CORES)
    with joblib.parallel_config(n_jobs=1):
        serial, serial_score = timed_search(X, y)
    rows = [["one process", "-", CORES, f"{serial:.1f}", "1.00", f"{serial_score:.3f}"]]
    for n_workers, threads in [(1, CORES), (2, 1), (2, CORES)]:
        seconds, score, seen = on_cluster(X, y, n_workers, threads)
        label = "default" if threads == 1 else f"OMP_NUM_THREADS={threads}"
        rows.append(
            [
                f"LocalCluster, {n_workers} worker(s) x 1 thread ({label})",
                n_workers,
                "/".join(map(str, seen)),
                f"{seconds:.1f}",
                f"{seconds / serial:.2f}",
                f"{score:.3f}",
            ]
        )
    write_results(
        "dask_search",
        "Grid search on a Dask LocalCluster",
        f"{CORES} cores; GridSearchCV, 4 candidates x 3 folds of AETransformer -> "
        "LogisticRegression on the digits, 30 epochs per fit.",
        ["setting", "workers", "torch threads per worker", "seconds", "ratio", "best score"],
        rows,
    )


if __name__ == "__main__":
    main()
