import numpy as np
import pytest

from sklearn_ae._surprisal import TAIL_QUANTILE, fit_surprisal, surprisal


def test_surprisal_is_minus_log_of_the_share_scoring_at_least_as_high():
    scores = np.arange(1000.0)
    calibration = fit_surprisal(scores)
    for value in (0.0, 100.0, 500.0, 900.0):
        share = np.mean(scores >= value)
        assert surprisal(np.array([value]), calibration)[0] == pytest.approx(
            -np.log(share), abs=0.01
        )


def test_tail_is_exponential_beyond_the_training_scores():
    # Exponential scores have an exponential tail of scale 1: the surprisal
    # of a score far beyond the training data is about the score itself.
    scores = np.random.RandomState(0).exponential(size=100_000)
    calibration = fit_surprisal(scores)
    assert calibration[-1] == pytest.approx(1.0, rel=0.05)
    values = np.array([20.0, 40.0])
    np.testing.assert_allclose(surprisal(values, calibration), values, rtol=0.02)


def test_surprisal_is_continuous_and_increasing():
    scores = np.random.RandomState(0).lognormal(size=5000)
    calibration = fit_surprisal(scores)
    grid = np.linspace(0, 3 * scores.max(), 10_001)
    values = surprisal(grid, calibration)
    assert np.all(np.diff(values) >= 0)
    assert np.all(values[grid > scores.max()] > surprisal(np.array([scores.max()]), calibration))
    edge = np.quantile(scores, TAIL_QUANTILE)
    below, above = surprisal(np.array([edge - 1e-9, edge + 1e-9]), calibration)
    assert above - below < 1e-6


def test_ties_count_as_scoring_at_least_as_high():
    calibration = fit_surprisal(np.r_[np.zeros(600), np.arange(1.0, 401.0)])
    assert surprisal(np.zeros(1), calibration)[0] == pytest.approx(0.0)


def test_constant_scores_give_finite_surprisals():
    calibration = fit_surprisal(np.ones(50))
    values = surprisal(np.array([0.0, 1.0, 2.0]), calibration)
    assert np.all(np.isfinite(values))
    assert values[0] == values[1] == 0.0 < values[2]
