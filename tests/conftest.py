import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

# Tiny networks are slower with several intra-op threads, and pytest-xdist
# already runs one worker per core. The same for scikit-learn's OpenMP loops
# (the gradient boosting of known anomalies): two threads per worker on a
# core each spin against the other worker's and run many times slower.
torch.set_num_threads(1)
threadpool_limits(1, user_api="openmp")

# Small, fast settings shared by the tests.
FAST = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0}


def main_output(est, X):
    """The array a fitted estimator is for: outlier scores or the transform."""
    from sklearn_ae import AEOutlierDetector

    return est.score_samples(X) if isinstance(est, AEOutlierDetector) else est.transform(X)


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def X_small():
    return np.random.RandomState(0).normal(size=(60, 6))
