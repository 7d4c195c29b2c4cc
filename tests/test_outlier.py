import numpy as np
import pytest
from conftest import FAST
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklearn_ae import AEOutlierDetector
from sklearn_ae._surprisal import surprisal


@pytest.fixture(scope="module")
def planted():
    """Points on a 2-D plane in 8-D space, plus 10 points off the plane."""
    rng = np.random.RandomState(0)
    inliers = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 8))
    outliers = rng.normal(scale=3.0, size=(10, 8))
    X = np.vstack([inliers + 0.05 * rng.normal(size=(300, 8)), outliers])
    return X, np.r_[np.zeros(300), np.ones(10)]


def test_finds_points_off_the_training_manifold(planted):
    X, y = planted
    det = AEOutlierDetector(
        hidden_layer_sizes=(16,), n_components=2, max_iter=100, random_state=0
    ).fit(X)
    assert roc_auc_score(y, -det.score_samples(X)) > 0.95
    assert (det.predict(X)[y == 1] == -1).mean() >= 0.8


def test_raw_unscaled_columns_are_handled(planted):
    X, y = planted
    X = X * np.array([1e-3, 1, 1e3, 1e5, 1, 1, 1, 1])
    det = AEOutlierDetector(
        hidden_layer_sizes=(16,), n_components=2, max_iter=100, random_state=0
    ).fit(X)
    assert roc_auc_score(y, -det.score_samples(X)) > 0.9


def test_decision_function_predict_and_offset(planted):
    X, _ = planted
    det = AEOutlierDetector(**FAST).fit(X)
    scores = det.score_samples(X)
    np.testing.assert_allclose(det.decision_function(X), scores - det.offset_)
    np.testing.assert_array_equal(det.predict(X), np.where(scores < det.offset_, -1, 1))
    np.testing.assert_array_equal(det.fit_predict(X), det.predict(X))


@pytest.mark.parametrize(
    ("params", "n_sources"),
    [({}, 3), ({"n_neighbors": None}, 2), ({"isolation": False, "n_neighbors": None}, 1)],
)
def test_auto_offset_flags_what_a_detector_finds_rarer_than_1_in_20(planted, params, n_sources):
    X, _ = planted
    det = AEOutlierDetector(**FAST, **params).fit(X)
    assert det.offset_ == pytest.approx(-np.log(20))
    # Each detector flags about 5 % of its training data; together at most
    # 5 % times their number.
    flagged = np.mean(det.predict(X) == -1)
    assert 0.04 <= flagged <= 0.05 * n_sources + 0.01


@pytest.mark.parametrize("contamination", [0.05, 0.2, 0.5])
def test_float_contamination_sets_share_of_outliers(planted, contamination):
    X, _ = planted
    det = AEOutlierDetector(**{**FAST, "contamination": contamination}).fit(X)
    assert (det.predict(X) == -1).mean() == pytest.approx(contamination, abs=0.01)


def test_feature_errors_explain_the_score(planted):
    X, _ = planted
    det = AEOutlierDetector(**FAST).fit(X)
    errors = det.feature_errors(X)
    assert errors.shape == X.shape
    components = det.score_components(X)
    reconstruction = errors.mean(axis=1) / det.score_unit_[0]
    np.testing.assert_allclose(components[:, 0], reconstruction, rtol=1e-6)
    autoencoder = surprisal(components.sum(axis=1), det.surprisal_calibration_[0])
    np.testing.assert_allclose(det.score_sources(X)[:, 0], autoencoder, rtol=1e-6)


def test_score_is_the_largest_surprisal_of_the_three_detectors(planted):
    X, _ = planted
    det = AEOutlierDetector(**FAST).fit(X)
    sources = det.score_sources(X)
    assert sources.shape == (len(X), 3)
    np.testing.assert_array_equal(det.score_samples(X), -sources.max(axis=1))
    forest = -det.isolation_forest_.score_samples(X)
    np.testing.assert_allclose(sources[:, 1], surprisal(forest, det.surprisal_calibration_[1]))
    # All 310 rows are reference rows; without a query, kneighbors leaves
    # each row itself out.
    distances, _ = det.neighbors_.kneighbors()
    np.testing.assert_allclose(
        sources[:, 2], surprisal(distances[:, -1], det.surprisal_calibration_[2])
    )
    # Surprisals of the training data: about -log of the share scoring higher.
    assert np.all(sources >= 0)
    assert np.median(sources, axis=0) == pytest.approx(np.log(2), abs=0.05)


def test_without_isolation_the_score_ranks_as_the_autoencoders(planted):
    X, _ = planted
    det = AEOutlierDetector(**FAST, isolation=False, n_neighbors=None).fit(X)
    assert not hasattr(det, "isolation_forest_")
    assert not hasattr(det, "neighbors_")
    assert det.score_sources(X).shape == (len(X), 1)
    autoencoder = det.score_components(X).sum(axis=1)
    order = np.argsort(autoencoder)
    assert np.all(np.diff(-det.score_samples(X)[order]) >= 0)


@pytest.mark.parametrize("seed", [0, 1])
def test_isolation_finds_a_group_between_two_clusters(seed):
    # Two clusters and a small group of rows between them, inside the
    # data's range: the autoencoder reconstructs the group as well as the
    # clusters, and its code sits at the codes' median. The isolation
    # forest cuts the sparse middle off in few splits.
    rng = np.random.RandomState(seed)
    clusters = np.repeat([[-4.0, 0.0], [4.0, 0.0]], 150, axis=0) + rng.normal(size=(300, 2))
    X = np.vstack([clusters, rng.normal(size=(15, 2))])
    y = np.r_[np.zeros(300), np.ones(15)]
    auc = {
        isolation: roc_auc_score(
            y,
            -AEOutlierDetector(
                isolation=isolation, n_neighbors=None, max_iter=30, random_state=seed
            )
            .fit(X)
            .score_samples(X),
        )
        for isolation in (False, True)
    }
    assert auc[True] > 0.7
    assert auc[True] > auc[False] + 0.15


def test_warm_start_without_isolation_drops_the_forest(planted):
    X, _ = planted
    det = AEOutlierDetector(**FAST, warm_start=True).fit(X)
    assert hasattr(det, "isolation_forest_")
    det.set_params(isolation=False).fit(X)
    assert not hasattr(det, "isolation_forest_")
    assert det.score_sources(X).shape == (len(X), 2)
    det.set_params(n_neighbors=None).fit(X)
    assert not hasattr(det, "neighbors_")
    assert det.score_sources(X).shape == (len(X), 1)


def test_neighbor_distance_of_a_training_row_leaves_the_row_out():
    # 40 rows on a line, 1 apart: every row's 2nd nearest other row is 1
    # away (2 at the ends). A new row halfway between two rows has its 2nd
    # nearest row 0.5 away.
    X = np.c_[np.arange(40.0), np.zeros(40)]
    det = AEOutlierDetector(**FAST, isolation=False, n_neighbors=2).fit(X)
    scale = det.neighbors_scaler_.scale_[0]
    np.testing.assert_allclose(det._neighbor_scores(X) * scale, np.r_[2, np.ones(38), 2])
    np.testing.assert_allclose(det._neighbor_scores(X[:3] + np.array([0.5, 0.0])) * scale, 0.5)
    # fit_predict scores the training rows as predict does.
    np.testing.assert_array_equal(det.fit_predict(X), det.predict(X))


def test_neighbor_distances_use_a_bounded_sample_of_training_rows():
    X = np.random.RandomState(0).normal(size=(3000, 4))
    det = AEOutlierDetector(**FAST, isolation=False).fit(X)
    assert det.neighbors_.n_samples_fit_ == 1024
    again = AEOutlierDetector(**FAST, isolation=False).fit(X)
    np.testing.assert_array_equal(det.score_samples(X), again.score_samples(X))


@pytest.mark.parametrize("n_samples", [2, 3, 6])
def test_neighbors_on_tiny_data(n_samples):
    X = np.arange(3.0 * n_samples).reshape(n_samples, 3)
    det = AEOutlierDetector(**FAST).fit(X)
    assert np.all(np.isfinite(det.score_samples(X)))


def test_neighbor_distance_sets_points_inside_a_ring_beyond_every_training_row():
    # Points inside a ring are inside every feature's range: axis-parallel
    # cuts isolate them hardly sooner than the ring's own points, but they
    # are far from every training row.
    rng = np.random.RandomState(0)
    angles = rng.uniform(0, 2 * np.pi, 400)
    X = np.c_[np.cos(angles), np.sin(angles)] + 0.05 * rng.normal(size=(400, 2))
    det = AEOutlierDetector(**FAST).fit(X)
    inside = det.score_sources(np.array([[0.0, 0.0], [0.5, 0.5]]))
    training = det.score_sources(X)
    forest_share = (training[:, 1] >= inside[:, [1]]).mean(axis=1)
    assert np.all(forest_share >= 0.01)
    assert np.all(inside[:, 2] > training[:, 2].max())


def test_feature_errors_point_at_the_corrupted_feature(planted):
    X, _ = planted
    det = AEOutlierDetector(
        hidden_layer_sizes=(16,), n_components=2, max_iter=100, random_state=0
    ).fit(X[:300])
    sample = X[:1].copy()
    sample[0, 5] += 20 * X[:300, 5].std()
    assert det.feature_errors(sample).argmax() == 5


def test_grid_search_with_a_scorer_on_labels(planted):
    X, y = planted
    search = GridSearchCV(
        make_pipeline(AEOutlierDetector(**FAST)),
        {"aeoutlierdetector__n_components": [1, 2]},
        scoring=lambda est, X_, y_: roc_auc_score(y_, -est.score_samples(X_)),
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_params_["aeoutlierdetector__n_components"] in (1, 2)


def test_robust_scaling_uses_a_subsample_on_large_data(monkeypatch):
    import sklearn_ae._scaling

    monkeypatch.setattr(sklearn_ae._scaling, "QUANTILE_SUBSAMPLE", 50)
    X = np.random.RandomState(0).lognormal(size=(400, 3))
    det = AEOutlierDetector(**FAST).fit(X)
    full_median = np.median(X, axis=0)
    assert not np.allclose(det.scaler_.center_, full_median)
    np.testing.assert_allclose(det.scaler_.center_, full_median, rtol=0.5)
    again = AEOutlierDetector(**FAST).fit(X)
    np.testing.assert_array_equal(det.scaler_.center_, again.scaler_.center_)


def test_feature_errors_are_in_units_of_the_training_error(planted):
    X, _ = planted
    det = AEOutlierDetector(**FAST).fit(X)
    np.testing.assert_allclose(det.feature_errors(X).mean(axis=0), 1.0, rtol=1e-5)
    assert det.feature_error_scale_.shape == (8,)
    assert np.all(det.feature_error_scale_ > 0)


@pytest.mark.parametrize(
    ("n_samples", "epochs"), [(100, 100), (1_000, 20), (15_000, 2), (200_000, 1)]
)
def test_auto_max_iter_is_a_budget_of_rows(n_samples, epochs):
    assert AEOutlierDetector()._max_epochs(n_samples) == epochs


def test_auto_max_iter_trains_without_convergence_warning(planted):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, _ = planted
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        det = AEOutlierDetector(random_state=0).fit(X)
    assert 10 < det.n_iter_ <= 100  # the budget, or earlier once the loss stalls
    assert det.n_components_ == 8


def _plane_with_cluster(seed):
    """300 points near a 2-D plane in 8-D, plus a tight cluster of 30 off it."""
    rng = np.random.RandomState(seed)
    inliers = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 8))
    cluster = rng.normal(scale=3.0, size=(1, 8)) + 0.05 * rng.normal(size=(30, 8))
    X = np.vstack([inliers + 0.05 * rng.normal(size=(300, 8)), cluster])
    return X, np.r_[np.zeros(300), np.ones(30)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed", [0, 1])
def test_trimmed_loss_does_not_learn_a_cluster_of_training_outliers(seed):
    # 9 % of the training data form a cluster that plain squared error
    # learns to reconstruct; trimming 20 % of each batch leaves it out.
    X, y = _plane_with_cluster(seed)
    auc = {}
    for trim_fraction in (0.0, 0.2):
        det = AEOutlierDetector(trim_fraction=trim_fraction, max_iter=50, random_state=seed)
        reconstruction = det.fit(X).score_components(X)[:, 0]
        auc[trim_fraction] = roc_auc_score(y, reconstruction)
    assert auc[0.2] > 0.99
    assert auc[0.0] < auc[0.2] - 0.05


def test_code_part_finds_extremes_on_the_manifold(planted):
    # A point far out along the data's plane is reconstructed well by a
    # ReLU network (which extrapolates linearly) but its code is unusual.
    X, _ = planted
    inliers = X[:300]
    det = AEOutlierDetector(**FAST).fit(inliers)
    extreme = 6 * inliers[inliers[:, 0].argmax()][None]
    reconstruction, code = det.score_components(extreme)[0]
    assert code > 20
    assert code > reconstruction
    assert -det.score_samples(extreme)[0] > -det.score_samples(inliers).min()


def test_score_components_are_in_units_of_a_typical_training_sample(planted):
    X, _ = planted
    det = AEOutlierDetector(**FAST).fit(X)
    components = det.score_components(X)
    assert components.shape == (len(X), 2)
    np.testing.assert_allclose(np.median(components, axis=0), 1.0, rtol=1e-5)
    assert det.code_center_.shape == det.code_scale_.shape == (det.n_components_,)


def test_constant_training_data_give_finite_scores():
    X = np.ones((20, 3))
    det = AEOutlierDetector(**FAST).fit(X)
    assert np.all(np.isfinite(det.score_components(np.vstack([X[:2], X[:2] + 1]))))


@pytest.mark.parametrize("trim_fraction", [-0.1, 0.6])
def test_trim_fraction_is_validated(planted, trim_fraction):
    with pytest.raises(ValueError, match="trim_fraction"):
        AEOutlierDetector(trim_fraction=trim_fraction).fit(planted[0])


def test_errors_beyond_float32_fail_clearly_and_leave_it_unfitted():
    # Robust scaling leaves this column unscaled (its IQR is 0), so one row
    # is 1e30 from the others: its squared error overflows float32, and the
    # trimmed loss would otherwise train past it.
    X = np.array([[0.0], [1], [1], [1], [1]]) * 1e30
    det = AEOutlierDetector(**FAST)
    with pytest.raises(ValueError, match="overflow float32"):
        det.fit(X)
    assert not hasattr(det, "net_")


def test_a_refit_failing_after_training_leaves_it_unfitted(planted, monkeypatch):
    # The statistics computed after training belong to the new network: a
    # refit that fails while computing them must not keep the new network
    # with the previous fit's statistics.
    X, _ = planted
    det = AEOutlierDetector(**FAST).fit(X)

    def interrupted(X):
        raise KeyboardInterrupt

    monkeypatch.setattr(det, "_mean_feature_errors", interrupted)
    with pytest.raises(KeyboardInterrupt):
        det.fit(X)
    assert not hasattr(det, "net_")


def test_vae_scores_by_the_elbo(planted):
    X, y = planted
    detector = AEOutlierDetector(model="vae", **FAST).set_params(max_iter=40).fit(X)
    components = detector.score_components(X)
    elbo = surprisal(components.sum(axis=1), detector.surprisal_calibration_[0])
    np.testing.assert_allclose(detector.score_sources(X)[:, 0], elbo)
    assert np.all(components[:, 1] >= 0)  # the KL term
    assert roc_auc_score(y, -detector.score_samples(X)) > 0.9
    assert not hasattr(detector, "code_center_")
    assert detector.feature_errors(X[:3]).shape == (3, 8)
    assert np.mean(detector.predict(X) == -1) < 0.2
