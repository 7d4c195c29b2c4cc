"""Segmentation: AESegmenter against scikit-image's trainable segmentation and Otsu.

Data:

- **ISBI 2012 membranes** (``../shared/data/isbi2012``; Cardona et al. 2010,
  Arganda-Carreras et al. 2015; the U-Net paper's data): 30 electron
  microscopy images of 512 x 512 with membrane masks. Trained on images
  0-19, reported on 20-29. Classes: membrane (0) and cell interior (1).
- **NIH3T3 nuclei** (``benchmarks/data/nih3t3``; Coelho et al. 2009): 18
  fluorescence images at half resolution (672 x 512) with hand-drawn nucleus
  masks. Trained on the first 12, reported on the last 6. Classes:
  background (0) and nucleus (1).

Methods, trained on the same images:

- ``AESegmenter(random_state=seed)``: the defaults (a U-Net trained on
  random 128-pixel crops), one fit per seed; images as a 4-D X, masks as
  ``(n_samples, H, W)``.
- ``AESegmenter(boundary_class=0)``: the same fitted model, predicting with
  the gaps of class 0 (membranes; the background between nuclei) closed by
  watershed lines. Its seed level and smoothing were chosen on ISBI images
  15-19, predicted by a model fitted on images 0-14.
- scikit-image's trainable segmentation, the classical tool: per-pixel
  features of ``skimage.feature.multiscale_basic_features`` (intensity,
  edges, texture; ``sigma_max=16``) and ``skimage.future.fit_segmenter``
  with a random forest (50 trees, depth 10) on 200,000 training pixels drawn
  at random from the training images; fit time includes the features of the
  training images, predict time those of the test images.
- Otsu's threshold of each test image (membranes are dark, nuclei bright).

Metrics, per test image and averaged: pixel error (share of wrong pixels);
F1 and IoU of the structure (membranes on ISBI, nuclei on NIH3T3); on the
connected components (4-connectivity) of the objects (cell interiors on
ISBI, nuclei on NIH3T3), the adapted Rand error
(``skimage.metrics.adapted_rand_error``, the ISBI challenge's metric; lower
is better) and the variation of information (sum of both conditional
entropies, ``skimage.metrics.variation_of_information``), both leaving out
the pixels that are no object in the truth. Fit and predict times are wall
seconds on the whole training and test sets.

    python benchmarks/bench_segmentation.py            # tables, 2 seeds (about 45 minutes)
    python benchmarks/bench_segmentation.py --figure   # and results/segmentation.png
    python benchmarks/bench_segmentation.py --variants # other settings on ISBI (about an hour)
    python benchmarks/bench_segmentation.py --loss dice_cross_entropy  # the Dice loss

``--variants`` fits AESegmenter on ISBI (seed 0) with one setting changed
from the defaults at a time, each for the default budget of mini-batches,
and writes ``results/segmentation_variants.md``: how the defaults were
chosen. "no test-time augmentation" predicts with the defaults' model.
"""

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from _common import RESULTS, setup, write_results
from PIL import Image
from skimage.feature import multiscale_basic_features
from skimage.filters import threshold_otsu
from skimage.future import fit_segmenter, predict_segmenter
from skimage.measure import label
from skimage.metrics import adapted_rand_error, variation_of_information
from sklearn.ensemble import RandomForestClassifier

from sklearn_ae import AESegmenter

HERE = Path(__file__).resolve().parent
ISBI = HERE.parent.parent / "shared" / "data" / "isbi2012"
NIH3T3 = HERE / "data" / "nih3t3"
SEEDS = (0, 1)
FOREST_PIXELS = 200_000
DEFAULTS, CLOSED = "AESegmenter (defaults)", "AESegmenter(boundary_class=0)"
FOREST, OTSU = "random forest (scikit-image)", "Otsu threshold"
TARGETS = "membrane F1 >= 0.82, pixel error <= 0.075, adapted Rand error <= 0.15"


def read(path):
    return np.asarray(Image.open(path))


def isbi():
    """Train and test images ``(n, 1, 512, 512)`` and masks (0 membrane, 1 interior)."""
    images = np.stack([read(ISBI / "images" / f"{i:02d}.png") for i in range(30)])
    masks = np.stack([read(ISBI / "labels" / f"{i:02d}.png") > 127 for i in range(30)])
    X, Y = images[:, None].astype(np.float32), masks.astype(np.int64)
    return X[:20], Y[:20], X[20:], Y[20:]


def nih3t3():
    """Train and test images ``(n, 1, 512, 672)`` and masks (1 nucleus, 0 background)."""
    numbers = sorted(int(p.stem.split("_")[1]) for p in NIH3T3.glob("image_*.png"))
    images = np.stack([read(NIH3T3 / f"image_{n:02d}.png") for n in numbers])
    masks = np.stack([read(NIH3T3 / f"mask_{n:02d}.png") > 127 for n in numbers])
    X, Y = images[:, None].astype(np.float32), masks.astype(np.int64)
    return X[:12], Y[:12], X[12:], Y[12:]


# Each data set: loader, the class whose F1 is reported (the structure) and
# the class whose connected components are the objects.
DATASETS = {
    "ISBI 2012 membranes": (isbi, 0, 1),
    "NIH3T3 nuclei": (nih3t3, 1, 1),
}


def scores(predicted, truth, structure, objects):
    """The metrics of one predicted mask against the truth."""
    found, true = predicted == structure, truth == structure
    overlap = np.sum(found & true)
    true_objects = label(truth == objects, connectivity=1)
    found_objects = label(predicted == objects, connectivity=1)
    rand_error = adapted_rand_error(true_objects, found_objects)[0]
    information = variation_of_information(true_objects, found_objects, ignore_labels=(0,))
    return {
        "pixel error": float(np.mean(predicted != truth)),
        "F1": float(2 * overlap / (found.sum() + true.sum())),
        "IoU": float(overlap / np.sum(found | true)),
        "adapted Rand error": float(rand_error),
        "VI": float(sum(information)),
    }


def mean_scores(predicted, truth, structure, objects):
    """The metrics of :func:`scores`, averaged over the images."""
    per_image = [scores(p, t, structure, objects) for p, t in zip(predicted, truth, strict=True)]
    return {key: np.mean([s[key] for s in per_image]) for key in per_image[0]}


def segmenter(X_train, Y_train, X_test, seed, **settings):
    """The defaults' predictions, and the same model's with the gaps of class 0 closed."""
    start = time.perf_counter()
    model = AESegmenter(random_state=seed, **settings).fit(X_train, Y_train)
    fit_time = time.perf_counter() - start
    results = {}
    for method, boundary_class in ((DEFAULTS, None), (CLOSED, 0)):
        start = time.perf_counter()
        model.set_params(boundary_class=boundary_class)
        predicted = model.predict(X_test).reshape(len(X_test), *X_test.shape[2:])
        results[method] = (predicted, fit_time, time.perf_counter() - start)
    return results


# One setting changed from the defaults at a time.
VARIANTS = {
    "defaults": {},
    "no test-time augmentation": {"test_time_augmentation": False},
    "five stages (8, 16, 32, 64, 128)": {"hidden_layer_sizes": (8, 16, 32, 64, 128)},
    "batches of 16 crops": {"batch_size": 16},
    "class_weight='balanced'": {"class_weight": "balanced"},
    "loss='dice_cross_entropy'": {"loss": "dice_cross_entropy"},
}


def variants():
    X_train, Y_train, X_test, Y_test = isbi()
    rows, model = [], None
    for name, settings in VARIANTS.items():
        start = time.perf_counter()
        if name == "no test-time augmentation":
            variant = model.set_params(**settings)
        else:
            variant = AESegmenter(random_state=0, **settings).fit(X_train, Y_train)
        fit_time = time.perf_counter() - start
        if name == "defaults":
            model = variant
        predicted = variant.predict(X_test).reshape(Y_test.shape)
        mean = mean_scores(predicted, Y_test, 0, 1)
        rows.append(
            [name, f"{fit_time:.0f}" if name != "no test-time augmentation" else "(defaults)"]
            + [f"{v:.3f}" for v in mean.values()]
        )
        print(rows[-1], flush=True)
    write_results(
        "segmentation_variants",
        "Segmentation: how the defaults were chosen (ISBI 2012)",
        "AESegmenter(random_state=0) with one setting changed at a time, trained on images "
        "0-19 for the default budget of mini-batches, reported on images 20-29 (mean over "
        "images). F1 and IoU of the membranes, adapted Rand error and VI of the connected "
        f"cell interiors. Targets: {TARGETS}.",
        ["setting", "fit s", "pixel error", "F1", "IoU", "adapted Rand error", "VI"],
        rows,
    )


def features(images):
    return [multiscale_basic_features(image[0], sigma_max=16) for image in images]


def random_forest(X_train, Y_train, X_test, seed):
    rng = np.random.RandomState(seed)
    start = time.perf_counter()
    train_features = features(X_train)
    per_image = FOREST_PIXELS // len(X_train)
    rows, labels = [], []
    for image_features, mask in zip(train_features, Y_train, strict=True):
        chosen = rng.choice(mask.size, per_image, replace=False)
        rows.append(image_features.reshape(mask.size, -1)[chosen])
        labels.append(mask.ravel()[chosen] + 1)  # fit_segmenter: 0 means unlabelled
    forest = RandomForestClassifier(n_estimators=50, max_depth=10, n_jobs=-1, random_state=seed)
    fit_segmenter(np.concatenate(labels), np.concatenate(rows), forest)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    predicted = np.stack([predict_segmenter(f, forest) - 1 for f in features(X_test)])
    return {FOREST: (predicted, fit_time, time.perf_counter() - start)}


def otsu(X_train, Y_train, X_test, seed):
    """Class 1 above each image's Otsu threshold: cell interiors and nuclei are bright."""
    start = time.perf_counter()
    predicted = [image > threshold_otsu(image) for image in X_test[:, 0]]
    return {OTSU: (np.stack(predicted).astype(np.int64), 0.0, time.perf_counter() - start)}


def run(seeds, loss=None):
    settings = {} if loss is None else {"loss": loss}
    rows, csv_rows, examples = [], [], {}
    for dataset, (load, structure, objects) in DATASETS.items():
        X_train, Y_train, X_test, Y_test = load()
        per_method = {}
        for fit_predict in (segmenter, random_forest, otsu):
            for seed in seeds if fit_predict is segmenter else seeds[:1]:
                own = settings if fit_predict is segmenter else {}
                results = fit_predict(X_train, Y_train, X_test, seed, **own)
                for method, (predicted, fit_time, predict_time) in results.items():
                    mean = mean_scores(predicted, Y_test, structure, objects)
                    per_method.setdefault(method, []).append(
                        {"fit s": fit_time, "predict s": predict_time, **mean}
                    )
                    values = [f"{v:.4f}" for v in per_method[method][-1].values()]
                    csv_rows.append([dataset, method, seed, *values])
                    print(csv_rows[-1], flush=True)
                    examples.setdefault(dataset, {"image": X_test[0, 0], "truth": Y_test[0]})
                    examples[dataset].setdefault(method, predicted[0])
        for method, per_seed in per_method.items():
            keys = list(per_seed[0])
            cells = []
            for key in keys:
                values = [s[key] for s in per_seed]
                text = f"{np.mean(values):.1f}" if key.endswith(" s") else f"{np.mean(values):.3f}"
                if len(values) > 1 and not key.endswith(" s"):
                    text += f" ({min(values):.3f}-{max(values):.3f})"
                cells.append(text)
            rows.append([dataset, method, len(per_seed), *cells])
    header_metrics = ["fit s", "predict s", "pixel error", "F1", "IoU", "adapted Rand error", "VI"]
    details = (
        "mean over the test images; for AESegmenter the mean over seeds "
        f"{', '.join(map(str, seeds))} (range over seeds in brackets). F1 and IoU of the "
        "membranes (ISBI) or nuclei (NIH3T3); adapted Rand error and VI of the connected "
        f"cell interiors (ISBI) or nuclei (NIH3T3). Targets on ISBI: {TARGETS}."
    )
    name = "segmentation" if loss is None else f"segmentation_{loss}"
    title = "Segmentation" + ("" if loss is None else f" with loss={loss!r}")
    write_results(
        name,
        f"{title}: ISBI 2012 membranes and NIH3T3 nuclei",
        details,
        ["data", "method", "seeds", *header_metrics],
        rows,
    )
    with open(RESULTS / f"{name}_seeds.csv", "w", newline="") as f:
        csv.writer(f).writerows([["data", "method", "seed", *header_metrics], *csv_rows])
    return examples


def figure(examples):
    import matplotlib.pyplot as plt

    columns = ["image", "truth", FOREST, CLOSED]
    titles = ["image", "hand-drawn mask", "random forest", "AESegmenter (U-Net)"]
    fig, axes = plt.subplots(len(examples), 4, figsize=(12, 3.2 * len(examples)))
    for row, (dataset, images) in zip(axes, examples.items(), strict=True):
        for ax, column, title in zip(row, columns, titles, strict=True):
            ax.imshow(images[column], cmap="gray", interpolation="nearest")
            ax.set_title(title if dataset == next(iter(examples)) else "", fontsize=11)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(dataset, fontsize=11)
    fig.tight_layout()
    fig.savefig(RESULTS / "segmentation.png", dpi=80)
    print(f"wrote {RESULTS / 'segmentation.png'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", action="store_true", help="also draw the figure")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--variants", action="store_true", help="other settings on ISBI")
    parser.add_argument(
        "--loss",
        choices=["cross_entropy", "dice_cross_entropy"],
        help="AESegmenter's loss (default: its own); results go to segmentation_LOSS.md",
    )
    args = parser.parse_args()
    setup()
    if args.variants:
        variants()
        return
    examples = run(tuple(args.seeds), args.loss)
    if args.figure:
        figure(examples)


if __name__ == "__main__":
    main()
