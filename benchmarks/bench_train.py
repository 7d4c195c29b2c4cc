"""Training speed: sklearn-ae against a hand-written torch loop and PyOD.

Synthetic standardised float32 data, network d-64-32-8-32-64-d, ReLU, MSE,
Adam (lr 1e-3), batch size 256, 5 epochs. Seconds per epoch are whole-fit
wall times divided by the epochs (so they include each library's set-up and,
for the outlier detectors, the scoring of the training set that sets the
threshold), median of 3 repeats timed in interleaved rounds, in one process.
The data are already standardised, so the estimators run with scaling=None
to train on exactly the same numbers as the reference; the row "(default
scaling)" shows what the built-in robust scaling costs. "train MSE" is the reconstruction error of
the trained model on the training data.

    python benchmarks/bench_train.py            # tables
    python benchmarks/bench_train.py --images   # conv and U-Net networks
    python benchmarks/bench_train.py --attention   # transformer and vq networks
    python benchmarks/bench_train.py --generation  # VAE and diffusion (AEGenerator)
    python benchmarks/bench_train.py --codebook    # both stages of AEGenerator(model="vq")
    python benchmarks/bench_train.py --segmentation  # AESegmenter: crops, turns, flips

``--segmentation`` trains ``AESegmenter``'s default U-Net on 20 synthetic
one-channel images of 256 x 256 with two classes, for 5 epochs of random
128-pixel crops (4 per image and epoch, batches of 8, each crop turned and
flipped at random), cross-entropy, Adam with a cosine decay; the
reference is a hand-written loop doing the same with the same module, with
and without fused Adam.
"""

import sys
import warnings
from functools import partial

import numpy as np
import torch
from _common import interleaved_times, plain_autoencoder, setup, write_results
from _common import synthetic as make_data

from sklearn_ae import AEDenoiser, AEGenerator, AEOutlierDetector, AESegmenter, AETransformer
from sklearn_ae.nn import PixelCrossEntropyLoss

SHAPES = [(20_000, 30), (200_000, 30), (50_000, 200)]
EPOCHS, BATCH, LR, REPEATS = 5, 256, 1e-3, 3
SETTINGS = {
    "hidden_layer_sizes": (64, 32),
    "n_components": 8,
    "batch_size": BATCH,
    "max_iter": EPOCHS,
    "learning_rate_init": LR,
    "dropout": 0.0,
    "random_state": 0,
}
# The detector's trimmed loss and dropout are off: the same work as the
# plain loop, so the ratio measures the package's overhead.
DETECTOR = {**SETTINGS, "trim_fraction": 0.0}


def train_mse(module, X):
    """Reconstruction error on X, or for a network with its own loss that loss."""
    with torch.inference_mode():
        module.eval()
        X_t = torch.from_numpy(X)
        if hasattr(module, "loss"):
            torch.manual_seed(0)  # a diffusion loss draws noise levels
            return float(np.mean([module.loss(module(b), b).item() for b in X_t.split(512)]))
        return float(torch.cat([((module(b) - b) ** 2).mean(1) for b in X_t.split(512)]).mean())


def plain_loop(X, fused, module=None, batch_size=BATCH):
    """The reference: randperm, slices of a pre-made tensor, Adam, MSE.

    ``module`` defaults to the hand-written d-64-32-8-32-64-d network.
    """
    torch.manual_seed(0)
    model = plain_autoencoder(X.shape[1]) if module is None else module()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=fused or None)
    X_t = torch.from_numpy(X)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(X_t))
        total = 0.0
        for start in range(0, len(X_t), batch_size):
            batch = X_t[order[start : start + batch_size]]
            optimizer.zero_grad()
            if hasattr(model, "loss"):  # a likelihood of its own (VAE, diffusion)
                loss = model.loss(model(batch), batch)
            else:
                loss = torch.nn.functional.mse_loss(model(batch), batch)
            if hasattr(model, "auxiliary_loss"):
                loss = loss + model.auxiliary_loss()
            loss.backward()
            optimizer.step()
            total += loss.item()  # one sync per batch, as skorch does
    return model


def pyod_autoencoder(X):
    from pyod.models.auto_encoder import AutoEncoder

    detector = AutoEncoder(
        hidden_neuron_list=[64, 32, 8],
        epoch_num=EPOCHS,
        batch_size=BATCH,
        lr=LR,
        batch_norm=False,
        dropout_rate=0.0,
        optimizer_params={"weight_decay": 0.0},
        preprocessing=False,
        verbose=0,
        random_state=0,
    )
    return detector.fit(X).model


METHODS = {
    "plain torch loop (reference)": lambda X: plain_loop(X, fused=False),
    "plain torch loop, fused Adam": lambda X: plain_loop(X, fused=True),
    "AEOutlierDetector": lambda X: AEOutlierDetector(**DETECTOR, scaling=None).fit(X).net_.module_,
    "AEOutlierDetector (default scaling)": lambda X: (
        AEOutlierDetector(**DETECTOR).fit(X).net_.module_
    ),
    "AETransformer": lambda X: AETransformer(**SETTINGS, scaling=None).fit(X).net_.module_,
    "PyOD AutoEncoder": pyod_autoencoder,
}


# Other architectures: the same module trained by a plain loop and by the
# estimator. Each case: architecture, image_shape (None: a table), rows,
# features, estimator, extra parameters, batch size.
ARCHITECTURE_CASES = {
    "images": [
        ("conv", (1, 28, 28), 2_000, 784, AETransformer, {"n_components": 16}, 32),
        ("unet", (1, 32, 32), 1_000, 1024, AEDenoiser, {}, 32),
    ],
    # Tables of 16, 64 and 256 features show the cost of attention growing
    # with the number of tokens; the MLP on the same data is beside it.
    "attention": [
        *(
            (architecture, None, 2_000, d, AETransformer, {"n_components": 8}, BATCH)
            for d in (16, 64, 256)
            for architecture in ("mlp", "transformer")
        ),
        ("transformer", (1, 28, 28), 2_000, 784, AETransformer, {"n_components": 16}, 32),
        ("vq", None, 20_000, 30, AETransformer, {"n_components": 8}, BATCH),
        ("vq", (1, 28, 28), 2_000, 784, AETransformer, {"n_components": 4}, 32),
    ],
    "generation": [
        ("mlp", None, 20_000, 30, AEGenerator, {"model": "vae", "n_components": 8}, BATCH),
        ("mlp", None, 20_000, 30, AEGenerator, {"model": "diffusion"}, BATCH),
        ("conv", (1, 28, 28), 2_000, 784, AEGenerator, {"model": "vae", "n_components": 16}, 32),
        ("unet", (1, 28, 28), 1_000, 784, AEGenerator, {"model": "diffusion"}, 32),
    ],
}
TITLES = {
    "images": "image networks",
    "attention": "transformer and vector-quantised networks",
    "generation": "generative models (AEGenerator)",
}


def epoch_settings(architecture, shape, batch, **extra):
    """Estimator parameters that train for exactly ``EPOCHS`` epochs on the data as it is."""
    return {
        "architecture": architecture,
        "image_shape": shape,
        "scaling": None,
        "max_iter": EPOCHS,
        "batch_size": batch,
        "early_stopping": False,
        "tol": 0.0,
        "n_iter_no_change": EPOCHS + 1,
        "random_state": 0,
        **extra,
    }


def architecture_rows(group):
    rows = []
    for architecture, shape, n, d, Estimator, extra, batch in ARCHITECTURE_CASES[group]:
        X = make_data(n, d)
        settings = epoch_settings(architecture, shape, batch, **extra)
        probe = Estimator(**settings).set_params(max_iter=1).fit(X[:64], X[:64])
        module_class = type(probe.net_.module_)
        arguments = probe.net_.get_params_for("module")

        def loop(fused, module_class=module_class, arguments=arguments, X=X, batch=batch):
            module = partial(module_class, **arguments)
            return plain_loop(X, fused, module=module, batch_size=batch)

        methods = {
            "plain torch loop (reference)": lambda loop=loop: loop(False),
            "plain torch loop, fused Adam": lambda loop=loop: loop(True),
            Estimator.__name__: lambda Estimator=Estimator, settings=settings, X=X: (
                Estimator(**settings).fit(X, X).net_.module_
            ),
        }
        seconds, modules = interleaved_times(list(methods.values()), REPEATS)
        reference, fused = seconds[0] / EPOCHS, seconds[1] / EPOCHS
        data = f"{n} x {shape}" if shape else f"{n} x {d}"
        if "model" in extra:
            data = f"{extra['model']} {data}"
        for name, secs, module in zip(methods, seconds, modules, strict=True):
            per_epoch = secs / EPOCHS
            rows.append(
                [
                    f"{architecture} {data}",
                    name,
                    f"{per_epoch:.3f}",
                    f"{per_epoch / reference:.2f}",
                    f"{per_epoch / fused:.2f}",
                    f"{train_mse(module, X):.4f}",
                ]
            )
            print(rows[-1], flush=True)
    quality = "loss" if group == "generation" else "MSE"
    header = ["data", "method", "s / epoch", "ratio to plain loop", "ratio to fused loop", quality]
    details = (
        f"{EPOCHS} epochs, median of {REPEATS} interleaved repeats; the loops train the "
        "estimator's own module class with its own loss terms (a codebook's commitment "
        "loss) or its own loss (a VAE's negative ELBO, a diffusion model's velocity error, "
        "shown in the last column instead of the MSE)."
        + (
            " A residual U-Net reconstructs X from X trivially: MSE about 0."
            if group == "images"
            else ""
        )
    )
    write_results(f"train_{group}", f"Training speed: {TITLES[group]}", details, header, rows)


# The codebook model on a table and on images: architecture, image_shape,
# rows, features, extra parameters, batch size.
CODEBOOK_CASES = [
    ("mlp", None, 20_000, 30, {"n_components": 8}, BATCH),
    ("conv", (1, 28, 28), 2_000, 784, {"n_components": 4}, 32),
]


def codebook_rows():
    """AEGenerator(model="vq"): both stages against two plain loops over the same modules."""
    rows = []
    for architecture, shape, n, d, extra, batch in CODEBOOK_CASES:
        X = make_data(n, d)
        settings = epoch_settings(architecture, shape, batch, model="vq", **extra)
        probe = AEGenerator(**settings).set_params(max_iter=1).fit(X[:256])
        stages = [
            (type(net.module_), net.get_params_for("module"))
            for net in (probe.net_, probe.prior_.net_)
        ]

        def loop(fused, stages=stages, X=X, batch=batch):
            (vq_class, vq_arguments), (prior_class, prior_arguments) = stages
            vq = plain_loop(X, fused, module=partial(vq_class, **vq_arguments), batch_size=batch)
            vq.eval()
            with torch.inference_mode():
                codes = torch.cat([vq.codebook_indices(b) for b in torch.from_numpy(X).split(4096)])
            sequences = torch.cat([torch.zeros(len(codes), 1, dtype=torch.long), codes], dim=1)
            prior = partial(prior_class, **prior_arguments)
            plain_loop(sequences.numpy(), fused, module=prior, batch_size=batch)
            return vq

        methods = {
            "plain torch loops (reference)": lambda loop=loop: loop(False),
            "plain torch loops, fused Adam": lambda loop=loop: loop(True),
            "AEGenerator": lambda settings=settings, X=X: (
                AEGenerator(**settings).fit(X).net_.module_
            ),
        }
        seconds, modules = interleaved_times(list(methods.values()), REPEATS)
        data = f"{n} x {shape}" if shape else f"{n} x {d}"
        for name, secs, module in zip(methods, seconds, modules, strict=True):
            rows.append(
                [
                    f"{architecture} vq {data}",
                    name,
                    f"{secs / EPOCHS:.3f}",
                    f"{secs / seconds[0]:.2f}",
                    f"{secs / seconds[1]:.2f}",
                    f"{train_mse(module, X):.4f}",
                ]
            )
            print(rows[-1], flush=True)
    header = ["data", "method", "s / epoch", "ratio to plain loop", "ratio to fused loop", "MSE"]
    details = (
        f"{EPOCHS} epochs of each stage, median of {REPEATS} interleaved repeats. The "
        f"loops train the VQ autoencoder for {EPOCHS} epochs, encode the data, then train "
        f"the prior on the codes for {EPOCHS} epochs, with the estimator's own module "
        "classes and losses; the estimator's time is its whole fit (which also measures "
        "the decoder's scales and calibration). s / epoch: the total over both stages "
        f"divided by {EPOCHS}. MSE: the VQ autoencoder's reconstruction error."
    )
    write_results(
        "train_codebook", "Training speed: the codebook model (two stages)", details, header, rows
    )


def segmentation_images(n_images=20, size=256, seed=0):
    """Smooth random images and the mask of their bright regions, plus noise."""
    rng = np.random.default_rng(seed)
    coarse = torch.from_numpy(rng.normal(size=(n_images, 1, size // 16, size // 16)))
    smooth = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear")
    masks = (smooth[:, 0] > 0).long().numpy()
    images = (smooth + 0.5 * torch.from_numpy(rng.normal(size=smooth.shape))).float().numpy()
    return images, masks


def segmentation_loop(module_class, arguments, images, masks, crop, batch_size, fused=True):
    """The reference: random crops turned and flipped, cross-entropy, Adam, cosine decay."""
    torch.manual_seed(0)
    model = module_class(**arguments)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=fused or None)
    X = torch.from_numpy((images - images.mean()) / images.std())
    Y = torch.from_numpy(masks)
    n_images, _, height, width = X.shape
    n_crops = n_images * (height // crop) * (width // crop)
    n_batches = -(-n_crops // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, EPOCHS * n_batches)
    criterion = PixelCrossEntropyLoss()
    model.train()
    for _ in range(EPOCHS):
        which = torch.randperm(n_crops) % n_images
        rows = torch.randint(height - crop + 1, (n_crops,))
        cols = torch.randint(width - crop + 1, (n_crops,))
        turns, flips = torch.randint(4, (n_crops,)), torch.randint(2, (n_crops, 2))
        for start in range(0, n_crops, batch_size):
            crops, labels = [], []
            for i in range(start, min(start + batch_size, n_crops)):
                r, c = int(rows[i]), int(cols[i])
                x = X[int(which[i]), :, r : r + crop, c : c + crop].rot90(int(turns[i]), (1, 2))
                y = Y[int(which[i]), r : r + crop, c : c + crop].rot90(int(turns[i]), (0, 1))
                axes = [a for a, f in zip((-2, -1), flips[i].tolist(), strict=True) if f]
                crops.append(x.flip(axes) if axes else x)
                labels.append(y.flip(axes) if axes else y)
            batch = torch.stack(crops).reshape(len(crops), -1)
            target = torch.stack(labels).reshape(len(labels), -1)
            optimizer.zero_grad()
            loss = criterion(model(batch), target)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss.item()  # one sync per batch, as skorch does
    return model


def segmentation_rows():
    images, masks = segmentation_images()
    settings = {"max_iter": EPOCHS, "random_state": 0}
    probe = AESegmenter(**{**settings, "max_iter": 1}).fit(images[:2], masks[:2])
    module_class = type(probe.net_.module_)
    arguments = probe.net_.get_params_for("module")
    crop, batch = probe.crop_shape_[0], probe.batch_size_

    def loop(fused):
        return segmentation_loop(module_class, arguments, images, masks, crop, batch, fused)

    def estimator():
        return AESegmenter(**settings).fit(images, masks).net_.module_

    methods = {
        "plain torch loop (reference)": lambda: loop(False),
        "plain torch loop, fused Adam": lambda: loop(True),
        "AESegmenter": estimator,
    }
    seconds, _ = interleaved_times(list(methods.values()), REPEATS)
    rows = []
    for name, secs in zip(methods, seconds, strict=True):
        per_epoch = secs / EPOCHS
        rows.append(
            [
                f"20 x (1, 256, 256), crops of {crop}",
                name,
                f"{per_epoch:.3f}",
                f"{secs / seconds[0]:.2f}",
                f"{secs / seconds[1]:.2f}",
            ]
        )
        print(rows[-1], flush=True)
    header = ["data", "method", "s / epoch", "ratio to plain loop", "ratio to fused loop"]
    details = (
        f"{EPOCHS} epochs of {len(images) * 4} random crops in batches of {batch}, median of "
        f"{REPEATS} interleaved repeats; the loops train AESegmenter's own module "
        f"({module_class.__name__}, {arguments['hidden_layer_sizes']}) with the same "
        "augmentation, loss and learning-rate decay. The estimator's time includes "
        "scaling the images and building the net."
    )
    write_results("train_segmentation", "Training speed: segmentation", details, header, rows)


def main():
    setup()
    warnings.simplefilter("ignore")
    if "--segmentation" in sys.argv:
        segmentation_rows()
        return
    if "--codebook" in sys.argv:
        codebook_rows()
        return
    for group in ARCHITECTURE_CASES:
        if f"--{group}" in sys.argv:
            architecture_rows(group)
            return
    rows = []
    for n, d in SHAPES:
        X = make_data(n, d)
        funcs = [lambda fit=fit, X=X: fit(X) for fit in METHODS.values()]
        seconds, modules = interleaved_times(funcs, REPEATS)
        reference = seconds[0] / EPOCHS
        for name, secs, module in zip(METHODS, seconds, modules, strict=True):
            per_epoch = secs / EPOCHS
            mse = (
                "n/a (scaled space)" if "default scaling" in name else f"{train_mse(module, X):.4f}"
            )
            rows.append(
                [f"{n} x {d}", name, f"{per_epoch:.3f}", f"{per_epoch / reference:.2f}", mse]
            )
            print(rows[-1], flush=True)
    header = ["data", "method", "s / epoch", "ratio to reference", "train MSE"]
    details = f"batch 256, 5 epochs, median of {REPEATS} interleaved repeats."
    write_results("train", "Training speed", details, header, rows)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
