"""AEOutlierDetector.fit(X, y) with known anomalies (weak supervision)."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks
from test_common import Y_CLASSES_CHECKS

from sklearn_ae import AEOutlierDetector
from sklearn_ae._known_anomalies import check_anomaly_labels
from sklearn_ae._outlier import _best_f1_threshold
from sklearn_ae.metrics import make_known_anomaly_scorer
from sklearn_ae.persistence import dump, load

QUICK = {"hidden_layer_sizes": (16,), "max_iter": 5, "random_state": 0}


@pytest.fixture(scope="module")
def hidden_group():
    """Normal rows, and 30 anomalies packed inside the normal range.

    The group sits where the normal data are dense, so the unsupervised
    detectors barely see it; 6 of its rows are the known anomalies.
    """
    rng = np.random.RandomState(0)
    normal = rng.normal(size=(600, 6))
    group = rng.normal(0.0, 0.15, size=(30, 6)) + np.array([1.0, -1.0, 0, 0, 0, 0])
    X = np.r_[normal, group]
    is_anomaly = np.r_[np.zeros(600), np.ones(30)].astype(bool)
    y = np.full(len(X), -1)
    y[600:606] = 1
    return X, y, is_anomaly


def test_without_labels_the_detector_is_unchanged(hidden_group):
    X, _, _ = hidden_group
    unsupervised = AEOutlierDetector(**QUICK).fit(X).score_samples(X)
    for y in (None, np.full(len(X), -1), np.full(len(X), np.nan), np.zeros(len(X))):
        detector = AEOutlierDetector(**QUICK).fit(X, y)
        np.testing.assert_array_equal(detector.score_samples(X), unsupervised)
        assert "classifier" not in detector.source_names_


def test_known_anomalies_find_the_rest_of_their_group(hidden_group):
    X, y, is_anomaly = hidden_group
    unknown = y != 1
    before = -AEOutlierDetector(**QUICK).fit(X).score_samples(X)
    detector = AEOutlierDetector(**QUICK).fit(X, y)
    after = -detector.score_samples(X)
    auc_before = roc_auc_score(is_anomaly[unknown], before[unknown])
    auc_after = roc_auc_score(is_anomaly[unknown], after[unknown])
    assert auc_after > auc_before + 0.1
    assert auc_after > 0.95


def test_the_score_weighs_the_classifier_by_the_number_of_labels(hidden_group):
    X, y, _ = hidden_group
    detector = AEOutlierDetector(**QUICK).fit(X, y)
    assert detector.source_names_.tolist() == [
        *("autoencoder", "isolation_forest", "neighbors"),
        *("known_anomalies", "classifier"),
    ]
    sources = detector.score_sources(X)
    weight = 6 / (6 + 10)
    expected = (1 - weight) * sources[:, :-1].max(axis=1) + weight * sources[:, -1]
    np.testing.assert_allclose(-detector.score_samples(X), expected)


def test_labels_pass_through_a_pipeline_and_survive_persistence(hidden_group, tmp_path):
    X, y, _ = hidden_group
    pipeline = make_pipeline(StandardScaler(), AEOutlierDetector(**QUICK)).fit(X, y)
    detector = pipeline[-1]
    assert detector.known_anomalies_.n_known_ == 6
    dump(detector, tmp_path / "detector.skops")
    loaded = load(tmp_path / "detector.skops")
    Z = pipeline[0].transform(X)
    np.testing.assert_array_equal(loaded.score_samples(Z), detector.score_samples(Z))


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.r_[np.ones(3), np.full(7, 2)], r"y holds values \[2.0\] other than 1"),
        (np.ones(4), r"one label per row of X, of shape \(10,\)"),
        (np.array(["a"] * 10), "y must be numeric"),
        (np.ones(10), "anomalies must be fewer than half of the rows"),
        (np.r_[np.ones(6), -np.ones(4)], r"not predict's convention \(1 inlier, -1 outlier\)"),
    ],
)
def test_bad_labels_are_refused_with_a_clear_error(y, message):
    X = np.random.RandomState(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match=message):
        AEOutlierDetector(**QUICK).fit(X, y)


def test_label_codes():
    anomalies, normals = check_anomaly_labels([True, False, True], 3)
    assert anomalies.tolist() == [True, False, True]
    assert normals.tolist() == [False, True, False]
    anomalies, normals = check_anomaly_labels(np.array([[1], [-1]]), 2)
    assert anomalies.tolist() == [True, False]
    assert check_anomaly_labels(None, 5) == (None, None)


class _LabelsIgnored(AEOutlierDetector):
    """The detector with fit(X, y) reduced to fit(X)."""

    def fit(self, X, y=None):
        return super().fit(X)


@pytest.mark.parametrize("check_name", Y_CLASSES_CHECKS)
def test_checks_expected_to_fail_fail_only_because_of_y(check_name):
    # test_common.py lists these checks as expected failures because they
    # pass classes as y; without y the detector passes them.
    check = getattr(estimator_checks, check_name)
    check("AEOutlierDetector", _LabelsIgnored(**FAST))


def test_enough_labelled_rows_set_the_threshold(hidden_group):
    X, _, _ = hidden_group
    y = np.full(len(X), -1)
    y[600:615] = 1  # half of the group
    y[:300] = 0  # half of the normal rows known to be normal
    detector = AEOutlierDetector(**QUICK).fit(X, y)
    assert detector.offset_ != -np.log(20)
    flagged = detector.predict(X) == -1
    assert flagged[615:].mean() > 0.8  # the rest of the group
    assert flagged[300:600].mean() < 0.1  # the normal rows nobody labelled

    y[:295] = -1  # 5 known normal rows: too few, the usual threshold
    assert AEOutlierDetector(**QUICK).fit(X, y).offset_ == -np.log(20)


def test_best_f1_threshold_flags_the_rows_at_it():
    scores = np.array([0.0, 1.0, 2.0, 3.0, 5.0])
    anomalies = np.array([False, False, True, True, False])
    normals = np.array([True, True, False, False, False])  # the last is unlabelled
    threshold = _best_f1_threshold(scores, anomalies, normals)
    assert 1.0 < threshold < 2.0
    assert threshold == np.nextafter(2.0, 0)


def test_known_anomaly_scorer_ranks_the_known_anomalies_against_the_rest(hidden_group):
    X, y, is_anomaly = hidden_group
    detector = AEOutlierDetector(**QUICK).fit(X, y)
    scorer = make_known_anomaly_scorer()
    # Here the known anomalies (y == 1) are the positives, every other row
    # counts as normal.
    expected = roc_auc_score(y == 1, -detector.decision_function(X))
    assert scorer(detector, X, y) == pytest.approx(expected)
    ap = make_known_anomaly_scorer(average_precision_score)(detector, X, is_anomaly)
    assert ap == pytest.approx(average_precision_score(is_anomaly, -detector.score_samples(X)))
    assert np.isnan(scorer(detector, X, np.full(len(X), -1)))  # nothing known in this fold


def test_grid_search_on_known_anomalies(hidden_group):
    X, y, _ = hidden_group
    search = GridSearchCV(
        AEOutlierDetector(**QUICK),
        {"n_neighbors": [5, None]},
        scoring=make_known_anomaly_scorer(),
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    ).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.known_anomalies_.n_known_ == 6
