"""A grid search on a Dask LocalCluster: workers, threads and torch's threads.

The search: ``GridSearchCV`` over a pipeline ``AETransformer`` ->
``LogisticRegression`` on the digits (1,797 x 64), 4 candidates
(n_components 8 / 16, hidden_layer_sizes (64,) / (128,)), 3 folds, 30
epochs: 12 fits plus the refit. The same search runs in one process and,
through joblib's Dask backend, on local clusters of worker processes with
torch given a set number of threads in each worker (Dask's nanny sets
``OMP_NUM_THREADS`` before it starts a worker, from the config key
``distributed.nanny.pre-spawn-environ``; torch reads it at import). The
cluster's start is not timed. Each setting runs once, in a fresh process
(Dask reads the environment for its workers once per process), in the
order of the table, on an otherwise idle machine; the ratio is to the
one-process search. For reference: joblib's own processes (loky) set
torch's threads to their share of the cores as well.

    python benchmarks/bench_dask_search.py
"""

import json
import os
import subprocess
import sys
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
# (label, joblib backend, Dask workers, torch threads per worker or process)
SETTINGS = [
    ("one process", None, None, CORES),
    ("joblib's processes (loky), n_jobs=2", "loky", 2, None),
    ("LocalCluster, 1 worker x 1 thread, OMP_NUM_THREADS=2", "dask", 1, CORES),
    ("LocalCluster, 2 workers x 1 thread (Dask's default OMP_NUM_THREADS=1)", "dask", 2, 1),
    ("LocalCluster, 2 workers x 1 thread, OMP_NUM_THREADS=2", "dask", 2, CORES),
]


def search(n_jobs):
    pipe = make_pipeline(
        AETransformer(max_iter=30, random_state=0), LogisticRegression(max_iter=2000)
    )
    return GridSearchCV(pipe, GRID, cv=3, n_jobs=n_jobs)


def timed_search(X, y, n_jobs):
    start = time.perf_counter()
    result = search(n_jobs).fit(X, y)
    return time.perf_counter() - start, result.best_score_


def torch_threads():
    return torch.get_num_threads()


def run_setting(index):
    """One setting, in a process of its own (Dask reads the environment once)."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    _, backend, n_workers, threads = SETTINGS[index]
    X, y = load_digits(return_X_y=True)
    if backend is None:
        torch.set_num_threads(threads)
        seconds, score = timed_search(X, y, n_jobs=None)
        seen = [threads]
    elif backend == "loky":
        seconds, score = timed_search(X, y, n_jobs=2)
        calls = (joblib.delayed(torch_threads)() for _ in range(4))
        seen = sorted(set(joblib.Parallel(n_jobs=2)(calls)))
    else:
        environ = {f"{name}_NUM_THREADS": threads for name in ("OMP", "MKL", "OPENBLAS")}
        with (
            dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
            joblib.parallel_config(backend="dask"),
        ):
            seen = sorted(set(client.run(torch_threads).values()))
            seconds, score = timed_search(X, y, n_jobs=-1)
    print(json.dumps({"seconds": seconds, "score": score, "threads": seen}))


def main():
    rows, serial = [], None
    for index, (label, _, n_workers, _) in enumerate(SETTINGS):
        output = subprocess.run(
            [sys.executable, __file__, "--setting", str(index)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        serial = serial or result["seconds"]
        rows.append(
            [
                label,
                n_workers or "-",
                "/".join(map(str, result["threads"])),
                f"{result['seconds']:.1f}",
                f"{result['seconds'] / serial:.2f}",
                f"{result['score']:.3f}",
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
    if len(sys.argv) == 3 and sys.argv[1] == "--setting":
        run_setting(int(sys.argv[2]))
    else:
        main()
