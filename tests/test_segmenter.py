"""AESegmenter: pixel labels, crops and tiles, classes, weights, persistence."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from skimage.measure import label as connected_components
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score, jaccard_score
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import check_classifiers_classes
from torch import nn

from sklearn_ae import AESegmenter
from sklearn_ae._boundaries import watershed_lines
from sklearn_ae._segmenter import mean_iou
from sklearn_ae.metrics import make_pixel_scorer, pixel_metric
from sklearn_ae.nn import UNet
from sklearn_ae.persistence import dump, load

# Small networks that learn the toy masks below in a second or two.
QUICK = {
    "hidden_layer_sizes": (16, 32),
    "batch_size": 4,
    "max_iter": 15,
    "learning_rate_init": 0.01,
    "random_state": 0,
}


def blobs(n_images=12, shape=(20, 24), n_classes=2, seed=0):
    """Noisy images of bright and dark discs, with their class masks.

    Class 1 is a bright disc, class 2 (if any) a dark one, class 0 the rest.
    """
    rng = np.random.RandomState(seed)
    height, width = shape
    rows, cols = np.mgrid[:height, :width]
    images = rng.normal(scale=0.3, size=(n_images, 1, height, width))
    masks = np.zeros((n_images, height, width), dtype=np.int64)
    for i in range(n_images):
        for label in range(1, n_classes):
            for _ in range(2):
                r, c, radius = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(2, 5)
                disc = (rows - r) ** 2 + (cols - c) ** 2 < radius**2
                masks[i][disc] = label
    images[:, 0][masks == 1] += 1.5
    images[:, 0][masks == 2] -= 1.5
    return images, masks


@pytest.fixture(scope="module")
def two_classes():
    return blobs()


@pytest.fixture(scope="module")
def fitted(two_classes):
    images, masks = two_classes
    return AESegmenter(**QUICK).fit(images, masks)


# ------------------------------------------------------------ shapes, labels
def test_learns_the_masks_and_predicts_their_shape(two_classes, fitted):
    images, masks = two_classes
    labels = fitted.predict(images)
    assert labels.shape == (len(images), 20 * 24)
    assert fitted.score(images, masks) > 0.85
    np.testing.assert_array_equal(fitted.classes_, [0, 1])
    assert fitted.image_shape_ == (1, 20, 24)


def test_predict_proba_is_a_distribution_whose_argmax_is_predict(two_classes, fitted):
    images, _ = two_classes
    proba = fitted.predict_proba(images)
    assert proba.shape == (len(images), 20 * 24, 2)
    assert proba.dtype == images.dtype
    np.testing.assert_allclose(proba.sum(axis=-1), 1, rtol=1e-6)
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=-1)], fitted.predict(images))


def test_images_as_rows_or_4d_and_masks_flat_or_2d_agree(two_classes):
    images, masks = two_classes
    rows = images.reshape(len(images), -1)
    from_rows = AESegmenter(image_shape=(1, 20, 24), **QUICK).fit(rows, masks.reshape(12, -1))
    from_4d = AESegmenter(**QUICK).fit(images, masks)
    from_3d_masks = AESegmenter(**QUICK).fit(rows, masks)  # image_shape from the masks
    assert from_3d_masks.image_shape_ == (1, 20, 24)
    expected = from_4d.predict_proba(images)
    np.testing.assert_array_equal(from_rows.predict_proba(rows), expected)
    np.testing.assert_array_equal(from_3d_masks.predict_proba(images), expected)


def test_multiclass_with_string_labels():
    images, masks = blobs(n_classes=3)
    names = np.array(["background", "bright", "dark"])[masks]
    seg = AESegmenter(**QUICK).fit(images, names)
    np.testing.assert_array_equal(seg.classes_, ["background", "bright", "dark"])
    predicted = seg.predict(images)
    assert predicted.dtype == names.dtype
    assert seg.score(images, names) > 0.8
    assert seg.predict_proba(images).shape == (12, 20 * 24, 3)


def test_one_pixel_images_take_a_1d_y_like_any_classifier():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    seg = AESegmenter(image_shape=(3, 1, 1), **QUICK).fit(X, y)
    assert not seg.outputs_2d_
    assert seg.predict(X).shape == (100,)
    assert seg.predict_proba(X).shape == (100, 2)


def test_minus_one_can_be_a_class_with_ignore_label_none():
    est = AESegmenter(image_shape=(-1, 1, 1), ignore_label=None, **QUICK)
    check_classifiers_classes("AESegmenter", est)


# ------------------------------------------------------------ unlabelled pixels
def test_unannotated_pixels_are_learnt_from_the_annotated_ones(two_classes):
    images, masks = two_classes
    hidden = np.zeros_like(masks, dtype=bool)
    hidden[:, :, :8] = True  # the left third is not annotated
    seg = AESegmenter(**QUICK).fit(images, np.where(hidden, -1, masks))
    np.testing.assert_array_equal(seg.classes_, [0, 1])
    predicted = seg.predict(images).reshape(masks.shape)
    assert jaccard_score(masks[hidden], predicted[hidden]) > 0.6


def test_the_loss_has_no_gradient_at_ignored_pixels():
    from sklearn_ae.nn import PixelCrossEntropyLoss

    scores = torch.randn(2, 2 * 5, requires_grad=True)
    target = torch.tensor([[0, 1, -1, 1, -1], [-1, 0, 0, 1, 1]])
    PixelCrossEntropyLoss(weight=[1.0, 2.0])(scores, target).backward()
    gradient = scores.grad.reshape(2, 2, 5)
    assert torch.all(gradient.permute(0, 2, 1)[target == -1] == 0)
    assert torch.all(gradient.permute(0, 2, 1)[target >= 0].abs().sum(-1) > 0)
    expected = nn.functional.cross_entropy(
        scores.reshape(2, 2, 5), target, weight=torch.tensor([1.0, 2.0]), ignore_index=-1
    )
    assert PixelCrossEntropyLoss(weight=[1.0, 2.0])(scores, target).item() == pytest.approx(
        expected.item()
    )


def test_ignored_pixels_are_left_out_of_the_score(two_classes, fitted):
    images, masks = two_classes
    wrong = 1 - fitted.predict(images).reshape(masks.shape)
    partly = np.where(np.arange(24) < 12, wrong, -1)  # the labelled half is all wrong
    assert fitted.score(images, partly) < 0.1
    assert fitted.score(images, np.where(np.arange(24) < 12, -1, masks)) > 0.8


def test_a_string_ignore_label():
    images, masks = blobs()
    names = np.array(["sky", "cell"])[masks].astype(object)
    names[:, :3] = "unknown"
    seg = AESegmenter(ignore_label="unknown", **QUICK).fit(images, names)
    np.testing.assert_array_equal(seg.classes_, ["cell", "sky"])


def test_mean_iou_is_the_macro_jaccard_index():
    rng = np.random.RandomState(0)
    truth, predicted = rng.randint(0, 3, 500), rng.randint(0, 3, 500)
    expected = jaccard_score(truth, predicted, average="macro")
    assert mean_iou(truth, predicted) == pytest.approx(expected)


# ------------------------------------------------------------ crops and tiles
@pytest.mark.parametrize("shape", [(13, 17), (40, 9), (6, 6)])
def test_any_image_size_works_with_crops_and_tiles(shape):
    images, masks = blobs(n_images=6, shape=shape)
    seg = AESegmenter(crop_size=8, hidden_layer_sizes=(4, 8, 16), max_iter=2, random_state=0)
    seg.fit(images, masks)
    assert seg.crop_shape_ == (min(8, shape[0]), min(8, shape[1]))
    assert seg.predict(images).shape == (6, shape[0] * shape[1])


class PixelThreshold(nn.Module):
    """Scores (x, -x) for each pixel: class 0 where the pixel is positive.

    It has no weights of consequence and no ``forward_images``, so the
    segmenter predicts with tiles of the crop size; every tile's centre must
    land where it belongs.
    """

    def __init__(self, n_features, image_shape, out_channels):
        super().__init__()
        self.image_shape = image_shape
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.cat([x, -x], dim=1) + 0 * self.unused


def test_tiles_put_every_pixel_back_in_its_place():
    rng = np.random.RandomState(0)
    images = rng.normal(size=(3, 1, 37, 29))
    masks = (images[:, 0] < 0).astype(int)
    seg = AESegmenter(
        architecture=PixelThreshold, crop_size=12, scaling=None, max_iter=1, random_state=0
    ).fit(images, masks)
    layouts, _ = seg._tile_layouts(seg.image_shape_)
    assert all(len(origins) > 2 for _, _, _, origins in layouts)  # several tiles per axis
    np.testing.assert_array_equal(seg.predict(images), masks.reshape(3, -1))


def test_a_fully_convolutional_network_predicts_whole_images_in_one_tile(fitted):
    layouts, _ = fitted._tile_layouts(fitted.image_shape_)
    assert [len(origins) for _, _, _, origins in layouts] == [1, 1]


def test_large_images_are_tiled_in_bounded_memory(monkeypatch, two_classes, fitted):
    import sklearn_ae._tiling

    images, _ = two_classes
    expected = fitted.predict(images)
    monkeypatch.setattr(sklearn_ae._tiling, "TILE_BATCH_ELEMENTS", 2**14)
    layouts, _ = fitted._tile_layouts(fitted.image_shape_)
    assert [len(origins) for _, _, _, origins in layouts] == [2, 2]
    tiled = fitted.predict(images)
    # Tiles see the same pixels up to their margins: nearly every label agrees.
    assert np.mean(tiled == expected) > 0.97


def test_images_of_another_size_are_predicted_whole(two_classes, fitted):
    images, masks = two_classes
    mosaic = np.concatenate([np.concatenate([images[0], images[1]], axis=-1)] * 2, axis=-2)
    labels = fitted.predict(mosaic[None])
    assert labels.shape == (1, 40 * 48)
    truth = np.concatenate([np.concatenate([masks[0], masks[1]], axis=-1)] * 2, axis=-2)
    assert jaccard_score(truth.ravel(), labels[0]) > 0.7
    assert fitted.predict_proba(mosaic[None]).shape == (1, 40 * 48, 2)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(mosaic.reshape(1, -1))  # rows carry no shape: must match fit


@pytest.mark.parametrize("turns", [True, False])
def test_test_time_augmentation_makes_predictions_turn_with_the_image(fitted, turns):
    images = np.random.RandomState(0).normal(size=(2, 1, 16, 16))
    seg = clone(fitted).set_params(max_iter=2).fit(images, images[:, 0] > 0)
    seg.set_params(test_time_augmentation=turns)
    proba = seg.predict_proba(images).reshape(2, 16, 16, 2)
    turned = seg.predict_proba(np.rot90(images, 1, (2, 3))).reshape(2, 16, 16, 2)
    equal = np.allclose(np.rot90(proba, 1, (1, 2)), turned, atol=1e-5)
    assert equal is turns


def test_predictions_do_not_depend_on_the_other_images(two_classes, fitted):
    images, _ = two_classes
    proba = fitted.predict_proba(images)
    np.testing.assert_array_equal(fitted.predict_proba(images[5:7]), proba[5:7])
    np.testing.assert_array_equal(fitted.predict_proba(images[::-1]), proba[::-1])


def test_crops_are_flipped_and_turned_with_their_masks():
    from skorch.dataset import Dataset

    from sklearn_ae._batching import CropBatchIterator

    images = torch.arange(2 * 10 * 10, dtype=torch.float32).reshape(2, 1, 10, 10)
    labels = images[:, 0].long()  # the label of a pixel is its value
    iterator = CropBatchIterator(
        Dataset(images, labels), batch_size=4, shuffle=True, crop_shape=(4, 4), augment=True
    )
    torch.manual_seed(0)
    batches = list(iterator)
    assert sum(len(Xb) for Xb, _ in batches) == 2 * 9  # crops that tile each image once
    crops = torch.cat([Xb for Xb, _ in batches]).reshape(-1, 4, 4)
    targets = torch.cat([yb for _, yb in batches]).reshape(-1, 4, 4)
    torch.testing.assert_close(crops.long(), targets)
    reference = images[0, 0, :4, :4]
    transformed = [
        not torch.equal(crop - crop.min(), reference - reference.min()) for crop in crops
    ]
    assert any(transformed)


# ------------------------------------------------------------ class weights
def test_balanced_class_weight_is_inverse_to_the_share_of_pixels(two_classes):
    images, masks = two_classes
    seg = AESegmenter(class_weight="balanced", **{**QUICK, "max_iter": 1}).fit(images, masks)
    share = np.bincount(masks.ravel()) / masks.size
    np.testing.assert_allclose(seg.class_weight_, 1 / (2 * share), rtol=1e-6)
    custom = AESegmenter(class_weight={1: 3.0}, **{**QUICK, "max_iter": 1}).fit(images, masks)
    np.testing.assert_array_equal(custom.class_weight_, [1.0, 3.0])


def test_weighting_a_rare_class_raises_its_recall(two_classes):
    images, masks = two_classes
    plain = AESegmenter(**QUICK).fit(images, masks)
    weighted = AESegmenter(class_weight={1: 10.0}, **QUICK).fit(images, masks)
    recall = [
        np.mean(est.predict(images).reshape(masks.shape)[masks == 1] == 1)
        for est in (plain, weighted)
    ]
    assert recall[1] > recall[0]


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.zeros((12, 20, 25)), "one label per pixel"),
        (np.zeros((11, 20 * 24)), "inconsistent numbers of samples"),
        (np.zeros((12, 20, 24)), "one class only"),
        (np.full((12, 20, 24), -1), "nothing to learn"),
        (np.random.RandomState(0).normal(size=(12, 20, 24)), "Unknown label type"),
        (np.where(np.eye(20, 24, dtype=bool), np.nan, 1.0)[None].repeat(12, 0), "NaN"),
        (None, "requires y"),
    ],
)
def test_bad_masks_are_refused_with_a_clear_error(two_classes, y, message):
    images, _ = two_classes
    with pytest.raises(ValueError, match=message):
        AESegmenter(**QUICK).fit(images, y)


def test_images_need_a_shape():
    X = np.random.RandomState(0).normal(size=(4, 64))
    with pytest.raises(ValueError, match="image_shape"):
        AESegmenter(**QUICK).fit(X, np.tile([0, 1], (4, 32)))


@pytest.mark.parametrize("architecture", ["mlp", "vq"])
def test_networks_without_class_outputs_are_refused(two_classes, architecture):
    images, masks = two_classes
    with pytest.raises(ValueError, match="one score map per class"):
        AESegmenter(architecture=architecture, **QUICK).fit(images, masks)


def test_missing_pixels_are_seen_as_the_channel_mean(two_classes):
    images, masks = two_classes
    holes = images.copy()
    holes[:, :, 5:9, 5:9] = np.nan
    seg = AESegmenter(**QUICK).fit(holes, masks)
    assert np.isfinite(seg.predict_proba(holes)).all()
    with pytest.raises(ValueError, match="no observed pixel"):
        AESegmenter(**QUICK).fit(
            np.where(np.arange(12)[:, None, None, None] == 3, np.nan, images), masks
        )
    with pytest.raises(ValueError, match="infinity"):
        seg.predict(np.where(holes == holes, holes, np.inf))


def test_unknown_labels_on_warm_start_are_refused(two_classes):
    images, masks = two_classes
    seg = AESegmenter(warm_start=True, **{**QUICK, "max_iter": 1}).fit(images, masks)
    with pytest.raises(ValueError, match="did not see"):
        seg.fit(images, masks * 2)


# ------------------------------------------------------------ training
def test_same_random_state_same_model_and_the_seed_matters(two_classes):
    images, masks = two_classes
    params = {**QUICK, "max_iter": 2}
    first = AESegmenter(**params).fit(images, masks).predict_proba(images)
    again = AESegmenter(**params).fit(images, masks).predict_proba(images)
    other = AESegmenter(**{**params, "random_state": 1}).fit(images, masks).predict_proba(images)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_learning_rate_decays_along_a_cosine(two_classes):
    images, masks = two_classes
    seg = AESegmenter(**{**QUICK, "max_iter": 3}).fit(images, masks)
    assert seg.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0, abs=1e-9)
    assert seg.n_iter_ == 3


def test_warm_start_continues_with_a_new_decay(two_classes):
    images, masks = two_classes
    seg = AESegmenter(warm_start=True, **{**QUICK, "max_iter": 2}).fit(images, masks)
    first_curve = list(seg.loss_curve_)
    seg.fit(images, masks)
    assert seg.n_iter_ == 4
    assert seg.loss_curve_[:2] == first_curve
    assert seg.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0, abs=1e-9)


def test_early_stopping_holds_out_images(two_classes):
    images, masks = two_classes
    seg = AESegmenter(early_stopping=True, validation_fraction=0.25, **QUICK).fit(images, masks)
    assert seg.early_stopping_
    assert len(seg.validation_loss_curve_) == seg.n_iter_


def test_auto_budget_is_about_a_fixed_number_of_batches():
    seg = AESegmenter()
    seg.image_shape_, seg.crop_shape_, seg.batch_size_ = (1, 512, 512), (128, 128), 8
    assert seg._max_epochs(20) == 40  # 40 batches of crops per epoch
    assert seg._max_epochs(1000) == 1  # large data sets: one epoch


@pytest.mark.parametrize("architecture", ["conv", "transformer", "unet"])
def test_every_image_network_can_segment(two_classes, architecture):
    images, masks = two_classes
    params = {**QUICK, "hidden_layer_sizes": (16,) if architecture != "unet" else (16, 32)}
    seg = AESegmenter(architecture=architecture, crop_size=8, **params).fit(images, masks)
    assert seg.predict_proba(images).shape == (12, 480, 2)
    assert seg.score(images, masks) > 0.4


def test_unet_defaults_for_segmentation(fitted):
    module = fitted.net_.module_
    assert isinstance(module, UNet)
    assert module.out_channels == 2
    assert not module.residual
    assert any(isinstance(m, nn.GroupNorm) for m in module.modules())
    default = AESegmenter()._hidden_layer_sizes(UNet)
    assert default == (8, 16, 32, 64, 128, 256)


def test_unet_residual_needs_matching_channels():
    with pytest.raises(ValueError, match="residual=True"):
        UNet(64, (1, 8, 8), (4,), out_channels=2)


# ------------------------------------------------------------ ecosystem
def test_pickle_and_skops_round_trips(two_classes, fitted, tmp_path):
    images, _ = two_classes
    expected = fitted.predict_proba(images)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(fitted)).predict_proba(images), expected
    )
    dump(fitted, tmp_path / "segmenter.skops")
    restored = load(tmp_path / "segmenter.skops")
    np.testing.assert_array_equal(restored.predict_proba(images), expected)


def test_warm_start_after_loading(two_classes, tmp_path):
    images, masks = two_classes
    seg = AESegmenter(warm_start=True, **{**QUICK, "max_iter": 1}).fit(images, masks)
    dump(seg, tmp_path / "segmenter.skops")
    restored = load(tmp_path / "segmenter.skops").fit(images, masks)
    assert restored.n_iter_ == 2


def test_grid_search_with_a_pixel_scorer(two_classes):
    images, masks = two_classes
    search = GridSearchCV(
        AESegmenter(**{**QUICK, "max_iter": 3}),
        {"crop_size": [8, None]},
        scoring=make_pixel_scorer(f1_score, pos_label=1),
        cv=2,
    ).fit(images, masks)
    assert search.best_params_["crop_size"] in (8, None)
    best = search.best_estimator_
    manual = pixel_metric(f1_score, masks, best.predict(images), pos_label=1)
    assert 0 < manual <= 1
    assert clone(best).get_params() == best.get_params()


def test_pixel_metric_leaves_ignored_pixels_out():
    Y = np.array([[0, 1, -1, -1]])
    assert pixel_metric(f1_score, Y, np.array([[0, 1, 0, 0]])) == 1.0
    assert pixel_metric(accuracy_score, Y, np.array([[0, 1, 0, 0]]), ignore_label=None) == 0.5
    with pytest.raises(ValueError, match="same pixels"):
        pixel_metric(f1_score, Y, np.array([[0, 1]]))


def test_feature_names_and_dataframes(two_classes):
    images, masks = two_classes
    frame = pd.DataFrame(images.reshape(12, -1)).add_prefix("px")
    seg = AESegmenter(image_shape=(1, 20, 24), **{**QUICK, "max_iter": 1}).fit(frame, masks)
    assert list(seg.feature_names_in_[:2]) == ["px0", "px1"]
    assert seg.predict(frame).shape == (12, 480)


def test_verbose_shows_a_progress_bar(two_classes, capsys):
    images, masks = two_classes
    AESegmenter(verbose=1, **{**QUICK, "max_iter": 2}).fit(images, masks)
    assert "2/2" in capsys.readouterr().err


def test_prediction_memory_is_the_output_and_a_few_tiles(fitted):
    import tracemalloc

    X = np.random.RandomState(0).normal(size=(3000, 1, 20, 24))
    fitted.predict(X[:1])  # torch's one-off allocations happen before measuring
    for method in (fitted.predict, fitted.predict_proba):
        output_bytes = method(X[:1]).nbytes * len(X)
        tracemalloc.start()
        method(X)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < output_bytes + 0.25 * X.nbytes


# ------------------------------------------------------------ boundaries
def gapped_wall(shape=(16, 21)):
    """Membrane probabilities: a wall between two cells, faint (0.3) over a gap."""
    probability = np.full(shape, 0.01)
    probability[:, 10] = 0.9
    probability[6:9, 10] = 0.3
    return probability


def test_watershed_lines_close_a_gap_in_a_wall():
    probability = gapped_wall()
    cells = probability < 0.5
    assert connected_components(cells, connectivity=1).max() == 1  # the gap merges the cells
    lines = watershed_lines(probability)
    assert lines[:, 10].all()
    assert lines.sum() == probability.shape[0]
    assert connected_components(cells & ~lines, connectivity=1).max() == 2
    assert not watershed_lines(np.full((5, 5), 0.9)).any()  # no seed, no line


def test_watershed_lines_close_gaps_of_an_uncertain_network():
    # Nowhere below 5 %: the dips of the probability seed the basins.
    uncertain = 0.2 + 0.5 * gapped_wall()
    lines = watershed_lines(uncertain)
    assert connected_components((uncertain < 0.5) & ~lines, connectivity=1).max() == 2


def test_boundary_class_draws_the_closing_lines_in_predict(monkeypatch, fitted):
    probability = gapped_wall()
    stacked = np.stack([probability, 1 - probability])[None].astype(np.float32)
    monkeypatch.setattr(
        AESegmenter, "_class_probabilities", lambda self, X, shape: [(slice(0, 1), stacked)]
    )
    image = np.zeros((1, 1, *probability.shape))
    merged = fitted.predict(image).reshape(probability.shape)
    monkeypatch.setattr(fitted, "boundary_class", 0)
    separated = fitted.predict(image).reshape(probability.shape)
    assert connected_components(merged == 1, connectivity=1).max() == 1
    assert connected_components(separated == 1, connectivity=1).max() == 2
    changed = separated != merged
    assert changed.any()
    assert (separated[changed] == 0).all()  # only boundary pixels are added


def test_boundary_class_must_be_a_class(two_classes):
    images, masks = two_classes
    with pytest.raises(ValueError, match=r"boundary_class=3 is not one of the classes"):
        AESegmenter(**QUICK, boundary_class=3).fit(images, masks)


def test_dice_loss_adds_one_minus_the_mean_dice_of_the_classes():
    from sklearn_ae.nn import DiceCrossEntropyLoss, PixelCrossEntropyLoss

    scores = torch.tensor([[2.0, 0.0, -1.0, 0.0, 0.0, 1.0]])  # 2 classes x 3 pixels
    target = torch.tensor([[0, 1, -1]])  # the last pixel is left out
    probabilities = scores.reshape(1, 2, 3).softmax(dim=1)[0, :, :2]
    onehot = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    dice = (2 * (probabilities * onehot).sum(1) + 1) / (probabilities.sum(1) + 1 + 1)
    expected = PixelCrossEntropyLoss()(scores, target) + (1 - dice).mean()
    torch.testing.assert_close(DiceCrossEntropyLoss()(scores, target), expected)


def test_dice_loss_option_trains_and_segments(two_classes):
    images, masks = two_classes
    segmenter = AESegmenter(loss="dice_cross_entropy", **QUICK).fit(images, masks)
    assert type(segmenter.net_.criterion_).__name__ == "DiceCrossEntropyLoss"
    assert segmenter.score(images, masks) > 0.7
