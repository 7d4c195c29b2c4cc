"""Behaviour every estimator shares: input validation, training, determinism."""

import pickle
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

import sklearn_ae._inference
from sklearn_ae import AEDenoiser, AEOutlierDetector, AETransformer
from sklearn_ae._callbacks import EpochProgressBar
from sklearn_ae.exceptions import TrainingDivergedError

ESTIMATORS = [AETransformer, AEOutlierDetector, AEDenoiser]


def outputs(est, X):
    """Every array an estimator computes from X after fit."""
    if isinstance(est, AEOutlierDetector):
        return [est.score_samples(X), est.feature_errors(X)]
    return [est.transform(X)]


@pytest.fixture(params=ESTIMATORS, ids=lambda cls: cls.__name__)
def Estimator(request):
    return request.param


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        (np.array([[1.0, np.nan], [np.nan, np.nan], [4.0, 5.0]]), ValueError, "no observed"),
        (np.array([[1.0, np.inf], [2.0, 3.0], [4.0, 5.0]]), ValueError, "infinity"),
        (np.arange(5.0), ValueError, "Expected 2D array, got 1D array"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.empty((5, 0)), ValueError, "0 feature"),
        (np.ones((1, 3)), ValueError, "1 sample"),
        (np.array([[1 + 1j, 2], [3, 4]]), ValueError, "Complex data not supported"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "could not convert string to float"),
    ],
    ids=["empty-row", "inf", "1d", "no-rows", "no-features", "one-row", "complex", "strings"],
)
def test_fit_rejects_bad_input_before_training(Estimator, X, error, message):
    est = Estimator(**FAST)
    with pytest.raises(error, match=message):
        est.fit(X)
    assert not hasattr(est, "net_")


def test_non_numeric_dataframe_columns_are_named(Estimator):
    X = pd.DataFrame({"age": [30, 40, 50, 60], "city": ["a", "b", "a", "c"]})
    params = (
        {"categorical_features": None} if "categorical_features" in Estimator().get_params() else {}
    )
    with pytest.raises(TypeError, match=r"column\(s\) \['city'\] are not numeric"):
        Estimator(**FAST, **params).fit(X)


def test_sparse_input_is_refused(Estimator):
    from scipy import sparse

    with pytest.raises(TypeError, match="Sparse data was passed"):
        Estimator(**FAST).fit(sparse.random(20, 4, density=0.5, format="csr", random_state=0))


def test_wrong_number_of_features_after_fit(Estimator, X_small):
    est = Estimator(**FAST).fit(X_small)
    with pytest.raises(ValueError, match=r"X has 5 features, but .* is expecting 6 features"):
        outputs(est, X_small[:, :5])


def test_unfitted_estimator_raises_not_fitted(Estimator, X_small):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        outputs(Estimator(**FAST), X_small)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"learning_rate_init": -1.0}, "'learning_rate_init' parameter"),
        ({"activation": "swish"}, "'activation' parameter"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"batch_size": "big"}, "'batch_size' parameter"),
        ({"scaling": "minmax"}, "'scaling' parameter"),
        ({"n_components": 0}, "'n_components' parameter"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be positive integers"),
        ({"device": "gpu7"}, "not a valid torch device"),
        ({"net_params": {"no_such_param": 1}}, "no_such_param"),
    ],
)
def test_invalid_parameters_raise_clear_errors(Estimator, X_small, params, message):
    with pytest.raises(ValueError, match=message):
        Estimator(**{**FAST, **params}).fit(X_small)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only message")
def test_cuda_without_gpu_is_a_clear_error(Estimator, X_small):
    with pytest.raises(ValueError, match="CUDA is not available"):
        Estimator(**{**FAST, "device": "cuda"}).fit(X_small)


def test_input_is_not_modified(Estimator, X_small):
    X = X_small.copy()
    est = Estimator(**FAST).fit(X)
    outputs(est, X)
    np.testing.assert_array_equal(X, X_small)


# ---------------------------------------------------------------- training
def test_diverging_loss_raises_and_leaves_estimator_unfitted(Estimator, X_small):
    est = Estimator(**{**FAST, "scaling": None, "learning_rate_init": 1e6})
    with pytest.raises(TrainingDivergedError, match=r"at epoch \d+\. Try a lower learning_rate"):
        est.fit(X_small * 1e30)
    assert not hasattr(est, "net_")


def test_convergence_warning_when_max_iter_is_reached(Estimator, X_small):
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(2\) reached"):
        Estimator(**{**FAST, "max_iter": 2}).fit(X_small)


def test_stops_when_training_loss_stops_improving(Estimator, X_small):
    est = Estimator(**{**FAST, "max_iter": 500, "tol": 10.0, "n_iter_no_change": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X_small)
    assert est.n_iter_ == 3
    assert len(est.loss_curve_) == est.n_iter_


def test_early_stopping_restores_best_weights(Estimator, X_small):
    est = Estimator(
        **{**FAST, "max_iter": 60, "early_stopping": True, "n_iter_no_change": 3, "tol": 0.0}
    )
    if isinstance(est, AEOutlierDetector):
        est.set_params(trim_fraction=0)  # a trimmed loss is not additive over batches
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_small)
    assert len(est.validation_loss_curve_) == est.n_iter_
    best = min(est.validation_loss_curve_)
    assert est.net_.history[-1, "valid_loss"] >= best
    # The restored weights give the best validation loss again.
    valid_ds = est.net_.train_split(None)[1]
    with torch.no_grad():
        est.net_.module_.eval()
        loss = torch.nn.functional.mse_loss(est.net_.module_(valid_ds.X), valid_ds.y)
    if not isinstance(est, AEDenoiser):  # the denoiser's validation input is noisy
        assert loss.item() == pytest.approx(best, rel=1e-5)


def test_early_stopping_needs_a_validation_sample(Estimator):
    with pytest.raises(ValueError, match="less than one sample"):
        Estimator(**{**FAST, "early_stopping": True}).fit(np.ones((3, 2)) + np.eye(3, 2))


def test_warm_start_continues_training(Estimator, X_small):
    est = Estimator(**{**FAST, "warm_start": True, "max_iter": 3})
    est.fit(X_small)
    weights = [p.detach().clone() for p in est.net_.module_.parameters()]
    module = est.net_.module_
    est.fit(X_small)
    assert est.net_.module_ is module
    assert est.n_iter_ == 6
    assert len(est.loss_curve_) == 6
    assert any(
        not torch.equal(a, b) for a, b in zip(weights, est.net_.module_.parameters(), strict=True)
    )


def test_net_params_reach_the_skorch_net(Estimator, X_small):
    est = Estimator(**{**FAST, "net_params": {"optimizer": torch.optim.SGD}}).fit(X_small)
    assert isinstance(est.net_.optimizer_, torch.optim.SGD)


def test_user_callbacks_are_added(Estimator, X_small):
    bar = EpochProgressBar(disable=True)
    est = Estimator(**{**FAST, "net_params": {"callbacks": [("bar", bar)]}}).fit(X_small)
    names = [name for name, _ in est.net_.callbacks_]
    assert "bar" in names
    assert "stopper" in names


def test_verbose_0_prints_nothing(Estimator, X_small, capsys):
    Estimator(**FAST).fit(X_small)
    assert capsys.readouterr() == ("", "")


def test_verbose_1_shows_a_progress_bar_over_epochs(Estimator, X_small, capsys):
    Estimator(**{**FAST, "verbose": 1, "max_iter": 3}).fit(X_small)
    out, err = capsys.readouterr()
    assert out == ""
    assert "3/3" in err
    assert "epoch" in err
    assert "train=" in err
    assert "\x1b" not in err  # no ANSI codes off a terminal


def test_verbose_2_prints_a_plain_table_off_a_terminal(Estimator, X_small, capsys):
    Estimator(**{**FAST, "verbose": 2, "max_iter": 2}).fit(X_small)
    out = capsys.readouterr().out
    assert "train_loss" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 2
    assert "\x1b" not in out


@pytest.mark.parametrize("on_terminal", [True, False])
def test_progress_bar_follows_the_batches_on_a_terminal(X_small, capsys, on_terminal):
    sys.stderr.isatty = lambda: on_terminal  # capsys's stream, restored after the test
    bar = EpochProgressBar(batch_delay=0.0)
    params = {**FAST, "max_iter": 2, "batch_size": 10, "net_params": {"callbacks": [bar]}}
    AETransformer(**params).fit(X_small)
    err = capsys.readouterr().err
    n_batches = -(-len(X_small) // 10)
    assert (f"/{n_batches} " in err) is on_terminal
    assert ("batch" in err) is on_terminal
    assert "2/2" in err


def test_progress_bar_waits_for_delay(X_small, capsys):
    bar = EpochProgressBar(delay=60.0)
    AETransformer(**{**FAST, "net_params": {"callbacks": [bar]}}).fit(X_small)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------- determinism
def test_same_random_state_gives_bit_identical_results(Estimator, X_small):
    a = Estimator(**FAST).fit(X_small)
    b = Estimator(**FAST).fit(X_small)
    for out_a, out_b in zip(outputs(a, X_small), outputs(b, X_small), strict=True):
        np.testing.assert_array_equal(out_a, out_b)
    assert a.loss_curve_ == b.loss_curve_


def test_different_random_state_gives_different_weights(Estimator, X_small):
    a = Estimator(**FAST).fit(X_small)
    b = Estimator(**{**FAST, "random_state": 1}).fit(X_small)
    first = next(a.net_.module_.parameters())
    assert not torch.equal(first, next(b.net_.module_.parameters()))


def test_global_random_state_is_left_alone(Estimator, X_small):
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002 (the global state is the point)
    Estimator(**{**FAST, "dropout": 0.2}).fit(X_small)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_results_do_not_depend_on_how_X_is_split(Estimator, dtype, monkeypatch):
    monkeypatch.setattr(sklearn_ae._inference, "INFERENCE_BATCH_ELEMENTS", 4096)
    X = np.random.RandomState(1).normal(size=(3000, 4)).astype(dtype)
    est = Estimator(**FAST).fit(X)
    assert est._inference_rows() == 512  # several batches, the last one partial
    whole = outputs(est, X)
    for start, stop in [(0, 1), (7, 20), (150, 3000), (1, 3000)]:
        for full, part in zip(whole, outputs(est, X[start:stop]), strict=True):
            np.testing.assert_array_equal(full[start:stop], part)


# ---------------------------------------------------------------- persistence
def test_pickle_round_trip(Estimator, X_small):
    est = Estimator(**FAST).fit(X_small)
    restored = pickle.loads(pickle.dumps(est))
    for a, b in zip(outputs(est, X_small), outputs(restored, X_small), strict=True):
        np.testing.assert_array_equal(a, b)


def test_clone_is_unfitted_with_same_params(Estimator, X_small):
    est = Estimator(**FAST).fit(X_small)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "net_")


# ---------------------------------------------------------------- pandas
def test_dataframe_in_keeps_feature_names(Estimator, X_small):
    X = pd.DataFrame(X_small, columns=[f"col{i}" for i in range(6)])
    est = Estimator(**FAST).fit(X)
    np.testing.assert_array_equal(est.feature_names_in_, X.columns)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        outputs(est, X_small)


def test_float32_input_stays_float32(Estimator, X_small):
    est = Estimator(**FAST).fit(X_small.astype(np.float32))
    if isinstance(est, AEOutlierDetector):
        assert est.score_samples(X_small.astype(np.float32)).dtype == np.float64
    else:
        assert est.transform(X_small.astype(np.float32)).dtype == np.float32


def test_parameter_docs_are_filled_in(Estimator):
    assert "%(" not in Estimator.__doc__
    for name in Estimator().get_params():
        assert re.search(rf"^    {name} :", Estimator.__doc__, re.MULTILINE), name
