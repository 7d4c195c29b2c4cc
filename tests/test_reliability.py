"""Faults during training, persistence across devices, concurrent scoring."""

import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import torch
from conftest import FAST, main_output
from skorch.callbacks import Callback

from sklearn_ae import AEDenoiser, AEOutlierDetector, AETransformer

ESTIMATORS = [AETransformer, AEOutlierDetector, AEDenoiser]


class InterruptAtEpoch(Callback):
    """Simulates Ctrl-C during training."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_keyboard_interrupt_keeps_the_epochs_done(Estimator, X_small):
    est = Estimator(**{**FAST, "max_iter": 10, "net_params": {"callbacks": [InterruptAtEpoch(2)]}})
    with pytest.warns(UserWarning, match="interrupted after 2 of 10 epochs"):
        est.fit(X_small)
    assert est.n_iter_ == 2
    assert np.all(np.isfinite(main_output(est, X_small)))


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_joblib_round_trip(Estimator, X_small, tmp_path):
    est = Estimator(**FAST).fit(X_small)
    joblib.dump(est, tmp_path / "model.joblib")
    restored = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(main_output(est, X_small), main_output(restored, X_small))


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a CPU-only machine")
def test_model_saved_from_cuda_loads_on_cpu(X_small):
    est = AEOutlierDetector(**FAST).fit(X_small)
    expected = est.score_samples(X_small)
    est.net_.device = "cuda"  # as if trained with device="cuda"
    payload = pickle.dumps(est)
    with pytest.warns(UserWarning, match="saved on cuda but CUDA is not available"):
        restored = pickle.loads(payload)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(restored.score_samples(X_small), expected)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_concurrent_scoring_matches_sequential(Estimator):
    X = np.random.RandomState(0).normal(size=(2000, 5))
    est = Estimator(**FAST).fit(X)
    chunks = np.array_split(X, 8)
    sequential = [main_output(est, chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda chunk: main_output(est, chunk), chunks * 3))
    for i, result in enumerate(concurrent):
        np.testing.assert_array_equal(result, sequential[i % 8])


@pytest.mark.parametrize("warm_start", [False, True])
def test_failed_refit_leaves_the_estimator_unfitted(X_small, warm_start):
    from sklearn.exceptions import NotFittedError

    from sklearn_ae.exceptions import TrainingDivergedError

    est = AETransformer(**{**FAST, "warm_start": warm_start}).fit(X_small)
    est.set_params(scaling=None, learning_rate_init=1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TrainingDivergedError):
            est.fit(X_small * 1e30)
    with pytest.raises(NotFittedError):
        est.transform(X_small)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_inference_memory_does_not_grow_with_rows(Estimator):
    import tracemalloc

    X = np.random.RandomState(0).normal(size=(200_000, 20)).astype(np.float32)
    est = Estimator(**FAST).fit(X[:500])
    output_bytes = main_output(est, X[:1]).nbytes * len(X)
    tracemalloc.start()
    main_output(est, X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # The output itself plus a few batch buffers, never copies of X.
    assert peak < output_bytes + 0.25 * X.nbytes
