import numpy as np
import pytest
from sklearn.feature_extraction.image import extract_patches_2d

from sklearn_ae import AEDenoiser, AETransformer
from sklearn_ae.image import extract_patches, reconstruct_from_patches, transform_image


@pytest.mark.parametrize("shape", [(9, 11), (3, 9, 11), (4, 4)])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_patches_round_trip(shape, stride):
    image = np.random.RandomState(0).uniform(size=shape)
    patches = extract_patches(image, 4, stride)
    restored = reconstruct_from_patches(patches, shape, 4, stride)
    np.testing.assert_allclose(restored, image)


def test_stride_one_gives_every_patch_like_scikit_learn():
    image = np.random.RandomState(0).uniform(size=(7, 6))
    expected = extract_patches_2d(image, (3, 2)).reshape(-1, 6)
    np.testing.assert_array_equal(extract_patches(image, (3, 2), 1), expected)


def test_last_patch_touches_the_border():
    image = np.arange(10.0 * 10).reshape(10, 10)
    patches = extract_patches(image, 4, stride=4)  # origins 0, 4 and 6
    assert len(patches) == 9
    np.testing.assert_array_equal(patches[-1].reshape(4, 4), image[6:, 6:])


def test_patch_larger_than_image_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        extract_patches(np.zeros((3, 8)), 4, 1)


def test_transform_image_matches_a_patchwise_denoiser():
    rng = np.random.RandomState(0)
    image = rng.uniform(size=(13, 10)).astype(np.float32)
    patches = extract_patches(image, 6, stride=2)
    denoiser = AEDenoiser(
        architecture="unet", image_shape=(1, 6, 6), hidden_layer_sizes=(4,), max_iter=2
    ).fit(patches)
    out = transform_image(denoiser, image, stride=3)
    expected = reconstruct_from_patches(
        denoiser.transform(extract_patches(image, 6, 3)), image.shape, 6, 3
    )
    assert out.shape == image.shape
    np.testing.assert_allclose(out, expected)


def test_transform_image_needs_an_image_estimator():
    est = AETransformer(hidden_layer_sizes=(4,), max_iter=1).fit(
        np.random.default_rng(0).uniform(size=(20, 4))
    )
    with pytest.raises(ValueError, match="image_shape"):
        transform_image(est, np.zeros((8, 8)))


def test_transform_image_checks_channels():
    rgb = np.random.RandomState(0).uniform(size=(30, 3 * 4 * 4))
    denoiser = AEDenoiser(
        architecture="conv", image_shape=(3, 4, 4), hidden_layer_sizes=(4,), max_iter=1
    ).fit(rgb)
    with pytest.raises(ValueError, match="1 channel"):
        transform_image(denoiser, np.zeros((8, 8)))
    assert transform_image(denoiser, np.zeros((3, 8, 9))).shape == (3, 8, 9)


def test_bad_image_dimensions():
    with pytest.raises(ValueError, match=r"2-D .* or 3-D"):
        extract_patches(np.zeros(5), 2, 1)
