"""Dask: lazy chunked scoring (ParallelPostFit) and searches on a LocalCluster."""

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.model_selection import GridSearchCV

from sklearn_ae import AEDenoiser, AEOutlierDetector, AETransformer

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")
from sklearn_ae.dask import ParallelPostFit  # noqa: E402


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).normal(size=(300, 5))


@pytest.fixture(scope="module")
def detector(X):
    return ParallelPostFit(AEOutlierDetector(**FAST)).fit(X)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each, as the issue asks."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.mark.parametrize("method", ["score_samples", "decision_function", "predict"])
def test_dask_array_scores_lazily_and_equal_the_in_memory_ones(detector, X, method):
    result = getattr(detector, method)(da.from_array(X, chunks=(70, 5)))
    assert isinstance(result, da.Array)
    assert result.chunks == ((70, 70, 70, 70, 20),)
    expected = getattr(detector.estimator, method)(X)
    # A row's place in its batch can change the last float32 bits, which the
    # surprisal's interpolation between quantiles can magnify a little.
    np.testing.assert_allclose(result.compute(), expected, rtol=1e-5, atol=1e-5)


def test_in_memory_input_gets_the_plain_result(detector, X):
    np.testing.assert_array_equal(detector.score_samples(X), detector.estimator.score_samples(X))


def test_dask_dataframe_scores_keep_the_index(X):
    frame = pd.DataFrame(X, columns=list("abcde"), index=np.arange(1000, 1300))
    model = ParallelPostFit(AEOutlierDetector(**FAST)).fit(frame)
    scores = model.score_samples(dd.from_pandas(frame, npartitions=3))
    assert isinstance(scores, dd.Series)
    computed = scores.compute()
    pd.testing.assert_index_equal(computed.index, frame.index)
    np.testing.assert_array_equal(computed.to_numpy(), model.estimator.score_samples(frame))


def test_transform_follows_dask_ml(X):
    model = ParallelPostFit(AETransformer(**FAST)).fit(X)
    codes = model.transform(da.from_array(X, chunks=(100, 5)))
    assert isinstance(codes, da.Array)
    np.testing.assert_array_equal(codes.compute(), model.estimator.transform(X))


def test_denoiser_transform_on_a_dask_array(X):
    model = ParallelPostFit(AEDenoiser(**FAST)).fit(X)
    denoised = model.transform(da.from_array(X, chunks=(100, 5)))
    np.testing.assert_array_equal(denoised.compute(), model.estimator.transform(X))


def test_memory_mapped_array_is_read_block_by_block(detector, X, tmp_path):
    path = tmp_path / "rows.dat"
    rows = np.memmap(path, dtype=np.float32, mode="w+", shape=(1000, 5))
    rows[:] = np.tile(X, (4, 1))[:1000]
    rows.flush()
    on_disk = np.memmap(path, dtype=np.float32, mode="r", shape=(1000, 5))
    scores = detector.score_samples(da.from_array(on_disk, chunks=(256, 5)))
    np.testing.assert_allclose(
        scores.compute(), detector.estimator.score_samples(np.asarray(on_disk)), rtol=1e-6
    )


def test_features_split_over_chunks_are_joined(detector, X):
    scores = detector.score_samples(da.from_array(X, chunks=(100, 2)))
    np.testing.assert_allclose(scores.compute(), detector.estimator.score_samples(X), rtol=1e-6)


def test_missing_method_names_the_estimator(X):
    model = ParallelPostFit(AETransformer(**FAST)).fit(X)
    with pytest.raises(AttributeError, match="does not have a 'score_samples' method"):
        model.score_samples(da.from_array(X, chunks=(100, 5)))


def test_scores_on_the_cluster_equal_the_local_ones(cluster, detector, X):
    scores = detector.score_samples(da.from_array(X, chunks=(100, 5)))
    np.testing.assert_allclose(
        cluster.compute(scores).result(), detector.estimator.score_samples(X), rtol=1e-6
    )


def test_grid_search_on_the_cluster_matches_one_process(cluster, X):
    """joblib's Dask backend: the fits run on the workers, with the same results."""
    grid = {"n_components": [2, 3], "hidden_layer_sizes": [(8,), (4,)]}
    serial = GridSearchCV(AETransformer(**FAST), grid, cv=2).fit(X)
    with joblib.parallel_config(backend="dask"):
        on_cluster = GridSearchCV(AETransformer(**FAST), grid, cv=2, n_jobs=-1).fit(X)
    assert on_cluster.best_params_ == serial.best_params_
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(on_cluster.transform(X), serial.transform(X))


def test_worker_torch_uses_one_thread(cluster):
    """Dask's nanny sets OMP_NUM_THREADS=1 in each worker: no oversubscription."""

    def torch_threads():
        import torch

        return torch.get_num_threads()

    assert set(cluster.run(torch_threads).values()) == {1}


def test_fitted_estimators_travel_as_small_plain_pickles(X):
    """What a search ships to and from workers: weights as arrays, no torch objects."""
    est = AEOutlierDetector(**FAST).fit(X)
    payload = pickle.dumps(est)
    weights = sum(p.numel() * p.element_size() for p in est.net_.module_.parameters())
    # The isolation forest travels as scikit-learn's own pickle (its trees),
    # and the surprisal quantiles add 2 x 952 float64 to the statistics.
    forest = len(pickle.dumps(est.isolation_forest_))
    statistics = est.surprisal_calibration_.nbytes
    assert len(payload) < weights + forest + statistics + 16_000
    assert b"torch" not in payload
