"""
=======================================
Hyperparameter search on a Dask cluster
=======================================

A :class:`~sklearn.model_selection.GridSearchCV` over an
:class:`~sklearn_ae.AETransformer` pipeline runs its fits on the workers of
a `Dask <https://distributed.dask.org>`_ cluster through joblib's Dask
backend: the search code does not change, only where it runs. Here the
cluster is a :class:`~distributed.LocalCluster` of two worker processes on
this machine; with a real cluster, connect the
:class:`~distributed.Client` to its scheduler's address instead.

Needs the optional dependencies: ``pip install "sklearn-ae[dask]"``.
"""

# %%
# Start a cluster
# ---------------
# One worker process per core, one thread each. Dask's nanny starts every
# worker with ``OMP_NUM_THREADS=1``, so torch inside a worker uses one
# thread: two workers on two cores do not fight over them. (With fewer
# workers than cores, give each its share through the config key
# ``distributed.nanny.pre-spawn-environ``; see "What runs where" in the user
# guide for the measured effect.)
import joblib
import matplotlib.pyplot as plt
import pandas as pd
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_ae import AETransformer

# Worker processes are started fresh ("spawn") and import this script again:
# the code that starts the cluster or uses it runs only in the main process.
if __name__ == "__main__":
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)

    def torch_threads():
        import torch

        return torch.get_num_threads()

    print("torch threads per worker:", client.run(torch_threads))

# %%
# Search
# ------
# The digits (8x8 images as rows of 64 pixels) are reduced to a code by
# the autoencoder, then classified by a logistic regression; the search
# tunes the code size and the encoder's width. Inside
# ``joblib.parallel_config(backend="dask")`` each of the 3 x 6 fits is a
# task on the cluster: the estimator and the data travel to a worker
# (fitted estimators pickle their network as plain arrays, a few
# hundred kB here) and the scores come back.
if __name__ == "__main__":
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(
        AETransformer(max_iter=10, random_state=0), LogisticRegression(max_iter=2000)
    )
    grid = {
        "aetransformer__n_components": [4, 16, 32],
        "aetransformer__hidden_layer_sizes": [(64,), (128,)],
    }
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=-1)
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# %%
# Results
# -------
# Mean cross-validated accuracy against the size of the code, one line
# per encoder width.
if __name__ == "__main__":
    results = pd.DataFrame(search.cv_results_)
    fig, ax = plt.subplots(figsize=(6, 4))
    for hidden, group in results.groupby(
        results["param_aetransformer__hidden_layer_sizes"].astype(str)
    ):
        ax.errorbar(
            group["param_aetransformer__n_components"],
            group["mean_test_score"],
            yerr=group["std_test_score"],
            marker="o",
            capsize=3,
            label=f"hidden_layer_sizes={hidden}",
        )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("n_components (code size)")
    ax.set_ylabel("mean CV accuracy")
    ax.set_title("GridSearchCV on a 2-worker Dask cluster")
    ax.legend()
    fig.tight_layout()

    client.close()
    cluster.close()
    plt.show()
