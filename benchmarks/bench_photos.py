"""Denoising real photographs: AEDenoiser(architecture="unet") against classical denoisers.

Training data: 32x32 patches cut at random from grayscale versions of ten
photographs that ship with scikit-image (``skimage.data``: astronaut,
coffee, chelsea, rocket, brick, grass, gravel, text, page, clock), at most
20,000 patches, pixels in [0, 1]. The denoiser is trained with
``fit(clean_patches)``: fresh Gaussian noise is drawn for every batch, of
standard deviation sigma in pixel units (``noise_level`` is in units of the
pixel standard deviation, so it is sigma divided by the patches' standard
deviation). One model per noise level, defaults apart from architecture,
image shape and noise level.

Test images: camera, moon and coins (not used in training), Gaussian noise
of std 25/255 and 50/255 (not clipped), denoised patch by patch
(``sklearn_ae.image.transform_image``, overlapping patches averaged), PSNR
in dB against the clean image. References on the same noisy images:
non-local means (``denoise_nl_means`` with ``estimate_sigma``, patch 5,
distance 6, h = 0.8 sigma), BM3D (``bm3d`` package, true sigma), total
variation (``denoise_tv_chambolle``, weight = sigma) and wavelet
(``denoise_wavelet``, BayesShrink) denoising.

    python benchmarks/bench_photos.py
    python benchmarks/bench_photos.py --diffusion

``--diffusion`` trains one ``AEDenoiser(model="diffusion",
architecture="unet", max_iter=8)`` on the same clean patches, for every
noise level at once and for as many epochs as each per-level U-Net, and
denoises the same noisy test images by starting its reverse process at
their noise level (``noise_level`` set after fitting); its PSNR
is written beside the committed per-level U-Net and BM3D results of the
main run (``results/photos.csv``), to ``results/photos_diffusion.md``.
"""

import argparse
import csv
import time
import warnings

import numpy as np
from _common import RESULTS, setup, write_results
from skimage import data
from skimage.color import rgb2gray
from skimage.metrics import peak_signal_noise_ratio
from skimage.restoration import (
    denoise_nl_means,
    denoise_tv_chambolle,
    denoise_wavelet,
    estimate_sigma,
)

from sklearn_ae import AEDenoiser
from sklearn_ae.image import transform_image

TRAIN_IMAGES = [
    "astronaut", "coffee", "chelsea", "rocket", "brick",
    "grass", "gravel", "text", "page", "clock",
]  # fmt: skip
TEST_IMAGES = ["camera", "moon", "coins"]
SIGMAS = [25, 50]
PATCH = 32
N_PATCHES = 20_000


def gray(name):
    image = getattr(data, name)()
    if image.ndim == 3:
        image = rgb2gray(image[..., :3])
    image = image.astype(np.float64)
    return image / 255.0 if image.max() > 1 else image


def training_patches(n_patches, seed=0):
    """Random 32x32 patches, the same number from each training image."""
    rng = np.random.default_rng(seed)
    patches = []
    per_image = -(-n_patches // len(TRAIN_IMAGES))
    for name in TRAIN_IMAGES:
        image = gray(name)
        rows = rng.integers(0, image.shape[0] - PATCH + 1, per_image)
        cols = rng.integers(0, image.shape[1] - PATCH + 1, per_image)
        patches += [
            image[r : r + PATCH, c : c + PATCH].ravel() for r, c in zip(rows, cols, strict=False)
        ]
    return np.asarray(patches[:n_patches], dtype=np.float32)


def classical(noisy, sigma):
    estimated = float(estimate_sigma(noisy))
    return {
        "non-local means": denoise_nl_means(
            noisy,
            h=0.8 * estimated,
            sigma=estimated,
            patch_size=5,
            patch_distance=6,
            fast_mode=True,
        ),
        "BM3D": _bm3d(noisy, sigma),
        "total variation": denoise_tv_chambolle(noisy, weight=sigma),
        "wavelet": denoise_wavelet(noisy, method="BayesShrink", mode="soft", rescale_sigma=True),
    }


def _bm3d(noisy, sigma):
    import bm3d

    return bm3d.bm3d(noisy, sigma_psd=sigma)


def psnr(clean, denoised):
    return peak_signal_noise_ratio(clean, np.clip(denoised, 0, 1), data_range=1.0)


def diffusion(patches, sigmas, save):
    """One diffusion denoiser for every level, beside the committed main run."""
    pixel_std = float(patches.std())
    start = time.perf_counter()
    # The per-level U-Nets of the main run train for 8 epochs ("auto"
    # budget); the diffusion model gets the same 8 epochs for all levels.
    denoiser = AEDenoiser(
        model="diffusion",
        architecture="unet",
        image_shape=(1, PATCH, PATCH),
        max_iter=8,
        random_state=0,
    ).fit(patches)
    fit_seconds = time.perf_counter() - start
    print(f"diffusion: fit {fit_seconds:.0f} s, {denoiser.n_iter_} epochs", flush=True)
    with open(RESULTS / "photos.csv") as f:
        committed = {(row["image"], row["sigma (x/255)"]): row for row in csv.DictReader(f)}
    rows = []
    for sigma_255 in sigmas:
        sigma = sigma_255 / 255
        denoiser.set_params(noise_level=sigma / pixel_std)
        for name in TEST_IMAGES:
            clean = gray(name)
            noisy = clean + sigma * np.random.default_rng(1).normal(size=clean.shape)
            start = time.perf_counter()
            denoised = transform_image(denoiser, noisy.astype(np.float32))
            seconds = time.perf_counter() - start
            main_run = committed[name, str(sigma_255)]
            rows.append(
                [
                    name,
                    sigma_255,
                    f"{psnr(clean, noisy):.2f}",
                    main_run["BM3D"],
                    main_run["AEDenoiser (unet)"],
                    f"{psnr(clean, denoised):.2f}",
                    f"{fit_seconds:.0f}",
                    f"{seconds:.1f}",
                ]
            )
            print(rows[-1], flush=True)
    header = [
        "image",
        "sigma (x/255)",
        "noisy",
        "BM3D",
        "AEDenoiser (unet), one per level",
        "AEDenoiser (diffusion unet), one for all levels",
        "diffusion fit s",
        "diffusion denoise s",
    ]
    if save:
        details = (
            f"{len(patches)} training patches of {PATCH}x{PATCH}, PSNR in dB (higher is "
            "better); BM3D and the per-level U-Net are the committed results of "
            "`python benchmarks/bench_photos.py` on the same noisy images."
        )
        write_results("photos_diffusion", "Denoising photographs: diffusion", details, header, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=N_PATCHES)
    parser.add_argument("--sigmas", type=int, nargs="+", default=SIGMAS)
    parser.add_argument("--no-save", action="store_true", help="print only")
    parser.add_argument("--figure", action="store_true", help="also draw the figure")
    parser.add_argument("--diffusion", action="store_true", help="the diffusion denoiser only")
    args = parser.parse_args()
    setup()
    warnings.simplefilter("ignore")
    patches = training_patches(args.patches)
    if args.diffusion:
        diffusion(patches, args.sigmas, save=not args.no_save)
        return
    pixel_std = float(patches.std())
    rows, outputs = [], {}
    for sigma_255 in args.sigmas:
        sigma = sigma_255 / 255
        start = time.perf_counter()
        denoiser = AEDenoiser(
            architecture="unet",
            image_shape=(1, PATCH, PATCH),
            noise_level=sigma / pixel_std,
            random_state=0,
        ).fit(patches)
        fit_seconds = time.perf_counter() - start
        print(f"sigma {sigma_255}: fit {fit_seconds:.0f} s, {denoiser.n_iter_} epochs", flush=True)
        for name in TEST_IMAGES:
            clean = gray(name)
            noisy = clean + sigma * np.random.default_rng(1).normal(size=clean.shape)
            results = {"noisy": noisy, **classical(noisy, sigma)}
            start = time.perf_counter()
            results["AEDenoiser (unet)"] = transform_image(denoiser, noisy.astype(np.float32))
            seconds = time.perf_counter() - start
            outputs[name, sigma_255] = {"clean": clean, **results}
            row = [name, sigma_255] + [f"{psnr(clean, r):.2f}" for r in results.values()]
            rows.append([*row, f"{fit_seconds:.0f}", f"{seconds:.1f}"])
            print(rows[-1], flush=True)
    header = ["image", "sigma (x/255)", *results, "unet fit s", "unet denoise s"]
    if not args.no_save:
        details = (
            f"{len(patches)} training patches of {PATCH}x{PATCH}, PSNR in dB "
            "(higher is better), one AEDenoiser per noise level."
        )
        write_results("photos", "Denoising photographs", details, header, rows)
    if args.figure:
        figure(outputs)


def figure(outputs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = ["noisy", "non-local means", "BM3D", "AEDenoiser (unet)"]
    keys = sorted(outputs)
    fig, axes = plt.subplots(len(keys), len(methods), figsize=(3 * len(methods), 3 * len(keys)))
    for row, key in zip(np.atleast_2d(axes), keys, strict=False):
        result = outputs[key]
        for ax, method in zip(row, methods, strict=False):
            ax.imshow(np.clip(result[method], 0, 1), cmap="gray", vmin=0, vmax=1)
            score = psnr(result["clean"], result[method])
            ax.set_title(f"{key[0]} sigma={key[1]}/255: {method}\n{score:.2f} dB", fontsize=8)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(RESULTS / "photos.png", dpi=80)
    # Grey levels only: a third of the file size of an RGB image.
    from PIL import Image

    Image.open(RESULTS / "photos.png").convert("L").save(RESULTS / "photos.png", optimize=True)


if __name__ == "__main__":
    main()
