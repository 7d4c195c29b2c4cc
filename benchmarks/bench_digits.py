"""Digits: reduction against PCA and denoising against kernel PCA.

Reduction: ``load_digits`` pixels divided by 16, 30 % held out
(``train_test_split(random_state=0)``); the held-out reconstruction mean
squared error of ``AETransformer(n_components=k)`` with default parameters
("mlp", "conv" with ``image_shape=(1, 8, 8)``, "transformer" on feature
tokens and on 2x2 patches, "vq" with scalar and two-value codebook entries)
against ``PCA(k)``.

Denoising: scikit-learn's "image denoising using kernel PCA" setting on
``load_digits``: pixels scaled to [0, 1] by ``MinMaxScaler``, 1,000
training and 100 test images (stratified split, ``random_state=0``),
Gaussian noise of std 0.25 drawn as in that example; every model is
trained on the noisy training images only (no clean targets) and
evaluated by the mean squared error between the denoised and the clean
test images. The reference is the example's
``KernelPCA(n_components=400, kernel="rbf", gamma=1e-3,
fit_inverse_transform=True, alpha=5e-3)``; PCA is shown too.

    python benchmarks/bench_digits.py                # both
    python benchmarks/bench_digits.py --denoising    # or --reduction: one of them
"""

import sys
import time
import warnings

import numpy as np
from _common import setup, write_results
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA, KernelPCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from sklearn_ae import AEDenoiser, AETransformer

IMAGE = {"image_shape": (1, 8, 8)}
KS = [2, 8, 16]


def mse(a, b):
    return float(np.mean((a - b) ** 2))


def timed(fit):
    start = time.perf_counter()
    result = fit()
    return result, time.perf_counter() - start


def reduction():
    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X / 16, test_size=0.3, random_state=0)
    methods = {
        "PCA": lambda k: PCA(k),
        "AETransformer (mlp)": lambda k: AETransformer(n_components=k, random_state=0),
        "AETransformer (conv)": lambda k: AETransformer(
            n_components=k, architecture="conv", **IMAGE, random_state=0
        ),
        "AETransformer (transformer)": lambda k: AETransformer(
            n_components=k, architecture="transformer", random_state=0
        ),
        "AETransformer (transformer, 2x2 patches)": lambda k: AETransformer(
            n_components=k,
            architecture="transformer",
            **IMAGE,
            architecture_params={"patch_size": 2},
            random_state=0,
        ),
        "AETransformer (vq)": lambda k: AETransformer(
            n_components=k, architecture="vq", random_state=0
        ),
        "AETransformer (vq, groups of 2)": lambda k: AETransformer(
            n_components=k,
            architecture="vq",
            architecture_params={"n_groups": k // 2},
            random_state=0,
        ),
    }
    rows = []
    for name, make in methods.items():
        errors, usage, seconds = [], [], 0.0
        for k in KS:
            est, secs = timed(lambda make=make, k=k: make(k).fit(X_train))
            errors.append(mse(est.inverse_transform(est.transform(X_test)), X_test))
            if hasattr(est, "codebook_usage_"):
                usage.append(f"{est.codebook_usage_:.0%} / {est.codebook_perplexity_:.1f}")
            seconds += secs
        rows.append([name, *(f"{e:.4f}" for e in errors), f"{seconds:.1f}", ", ".join(usage)])
        print(rows[-1], flush=True)
    header = [
        "method",
        *(f"MSE k={k}" for k in KS),
        "fit s (all k)",
        "codebook used / perplexity (per k)",
    ]
    details = (
        "held-out reconstruction MSE of load_digits / 16 (30 % test), default parameters. "
        "vq: codebook of 64 entries; by default each code value is one scalar entry "
        "(k entries per row), with groups of 2 it is k/2 two-value entries; codebook "
        "use is measured on the training data."
    )
    write_results("digits_reduction", "Digits: reduction against PCA", details, header, rows)


def denoising():
    X, y = load_digits(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)
    X_train, X_test, _, _ = train_test_split(
        X, y, stratify=y, random_state=0, train_size=1_000, test_size=100
    )
    rng = np.random.RandomState(0)
    X_test_noisy = X_test + rng.normal(scale=0.25, size=X_test.shape)
    X_train_noisy = X_train + rng.normal(scale=0.25, size=X_train.shape)
    methods = {
        "noisy input": None,
        "KernelPCA (reference)": lambda: KernelPCA(
            n_components=400,
            kernel="rbf",
            gamma=1e-3,
            fit_inverse_transform=True,
            alpha=5e-3,
            random_state=42,
        ),
        "PCA(16)": lambda: PCA(16),
        "AEDenoiser (mlp)": lambda: AEDenoiser(random_state=0),
        "AEDenoiser (mlp, image_shape)": lambda: AEDenoiser(**IMAGE, random_state=0),
        "AEDenoiser (conv)": lambda: AEDenoiser(architecture="conv", **IMAGE, random_state=0),
        "AEDenoiser (unet)": lambda: AEDenoiser(architecture="unet", **IMAGE, random_state=0),
    }
    rows, reference = [], None
    for name, make in methods.items():
        if make is None:
            error, secs = mse(X_test_noisy, X_test), 0.0
        else:
            est, secs = timed(lambda make=make: make().fit(X_train_noisy))
            if isinstance(est, KernelPCA | PCA):
                denoised = est.inverse_transform(est.transform(X_test_noisy))
            else:
                denoised = est.transform(X_test_noisy)
            error = mse(denoised, X_test)
        reference = error if name.startswith("KernelPCA") else reference
        ratio = f"{error / reference:.2f}" if reference else ""
        rows.append([name, f"{error:.4f}", ratio, f"{secs:.1f}"])
        print(rows[-1], flush=True)
    # A diffusion model learns the distribution of clean data, so it needs
    # clean training images; the plain denoiser trained on the same clean
    # images with noise of the test level is beside it.
    level = 0.25 / X_train.std()  # the test noise in units of the pixels' spread
    clean_methods = {
        "AEDenoiser (mlp, image_shape), clean training": lambda: AEDenoiser(
            **IMAGE, noise_level=level, random_state=0
        ),
        "AEDenoiser (diffusion, image_shape), clean training": lambda: AEDenoiser(
            model="diffusion", **IMAGE, noise_level=level, random_state=0
        ),
        "AEDenoiser (diffusion, image_shape, 10 steps), clean training": lambda: AEDenoiser(
            model="diffusion", n_sampling_steps=10, **IMAGE, noise_level=level, random_state=0
        ),
    }
    for name, make in clean_methods.items():
        est, secs = timed(lambda make=make: make().fit(X_train))
        error = mse(est.transform(X_test_noisy), X_test)
        rows.append([name, f"{error:.4f}", f"{error / reference:.2f}", f"{secs:.1f}"])
        print(rows[-1], flush=True)
    header = ["method", "test MSE", "ratio to KernelPCA", "fit s"]
    details = (
        "scikit-learn's kernel PCA denoising setting on load_digits (noise std 0.25, "
        "trained on 1,000 noisy images only), default parameters. The last rows are "
        "trained on the 1,000 clean images instead, with noise_level set to the test "
        "noise (0.25 / the training pixels' std): a diffusion model must learn clean data."
    )
    write_results("digits_denoising", "Digits: denoising against kernel PCA", details, header, rows)


def main():
    setup()
    warnings.simplefilter("ignore")
    if "--denoising" not in sys.argv:
        reduction()
    if "--reduction" not in sys.argv:
        denoising()


if __name__ == "__main__":
    main()
