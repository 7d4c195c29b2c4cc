"""scikit-learn's estimator checks over every public estimator."""

import pytest
from conftest import FAST
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_ae import AEDenoiser, AEGenerator, AEOutlierDetector, AESegmenter, AETransformer

# Image networks on rows of any length: each row is one line of pixels
# (image_shape=(1, 1, -1)), so every data set of the checks fits.
LINE = {**FAST, "hidden_layer_sizes": (4,), "image_shape": (1, 1, -1)}
# Width 16 for the diffusion models: the CPU BLAS rounds some narrow products
# (8 units on 19-21 inputs: the features and 16 noise-level features)
# differently by row position, by a float32 ulp, which the checks' 1e-7
# tolerance sees (the bound, a sum of 50 levels' terms that largely cancel,
# magnifies it); at width 16 each row's result does not depend on its position.
DIFFUSION = {**FAST, "hidden_layer_sizes": (16,)}
# A pixel classifier on images of one pixel whose channels are the features
# (image_shape=(-1, 1, 1)): each label of the checks' y is that pixel's class.
PIXELS = {
    "image_shape": (-1, 1, 1),
    "hidden_layer_sizes": (8,),
    "batch_size": 64,
    "max_iter": 25,
    "learning_rate_init": 0.01,
    "random_state": 0,
}
ESTIMATORS = [
    AETransformer(**FAST),
    AEOutlierDetector(**FAST),
    AEDenoiser(**FAST),
    AETransformer(architecture="conv", **LINE),
    AEOutlierDetector(architecture="conv", **LINE),
    AEDenoiser(architecture="conv", **LINE),
    AEDenoiser(architecture="unet", **LINE),
    AETransformer(architecture="transformer", **FAST),
    AEOutlierDetector(architecture="transformer", **FAST),
    AEDenoiser(architecture="transformer", **FAST),
    AETransformer(architecture="vq", **FAST),
    AEOutlierDetector(architecture="vq", **FAST),
    AEDenoiser(architecture="vq", **FAST),
    AEGenerator(**FAST),
    AEGenerator(model="diffusion", n_noise_levels=50, n_sampling_steps=5, **DIFFUSION),
    AEGenerator(architecture="conv", **LINE),
    AEGenerator(model="diffusion", architecture="unet", n_sampling_steps=5, **LINE),
    AEGenerator(model="vq", prior_params={"width": 8, "n_blocks": 1, "n_heads": 2}, **FAST),
    AEOutlierDetector(model="vae", **FAST),
    AEDenoiser(model="diffusion", n_noise_levels=50, **DIFFUSION),
    AESegmenter(**PIXELS),
]

# Checks that cannot pass, with the reason, per estimator. The autoencoders
# pass every check of scikit-learn 1.9 (the array API check is skipped by
# scikit-learn itself unless SCIPY_ARRAY_API is set).
# The outlier detector's y marks the known anomalies: 1, 0 (known normal) or
# -1/NaN (unlabelled). These checks pass the classes of a classification
# problem ({1, 2} or {0, 1, 2}) or a y with more 1s than 0s as y, which fit
# refuses with a clear error rather than guessing what the classes mean;
# each passes with fit(X) (test_known_anomalies.py).
LABELS_NOT_ANOMALY_MARKS = (
    "the check passes classes (e.g. {1, 2}) as y; the detector's y marks known "
    "anomalies (1, 0 or -1), and fit refuses other values rather than guess"
)
Y_CLASSES_CHECKS = (
    "check_classifier_data_not_an_array",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in_after_fitting",
    "check_non_transformer_estimators_n_iter",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
)
EXPECTED_FAILED_CHECKS = {
    "AEOutlierDetector": dict.fromkeys(Y_CLASSES_CHECKS, LABELS_NOT_ANOMALY_MARKS),
    "AESegmenter": {
        "check_classifier_multioutput": (
            "a pixel classifier takes one label per pixel: the check's 20 features and "
            "3 labels per sample do not describe images, and predict_proba has shape "
            "(n_samples, n_pixels, n_classes), not a list per output"
        ),
        "check_classifiers_classes": (
            "the check's labels {-1, 1} use -1, which marks unannotated pixels by "
            "default (ignore_label=-1); with ignore_label=None the check passes "
            "(test_segmenter.py)"
        ),
    },
}


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.slow
@pytest.mark.parametrize("Estimator", [AETransformer, AEOutlierDetector, AEDenoiser, AEGenerator])
def test_check_estimator_with_defaults(Estimator):
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(
        Estimator(),
        on_fail=None,
        expected_failed_checks=EXPECTED_FAILED_CHECKS.get(Estimator.__name__, {}),
    )
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []
