"""Command line: ``sklearn-ae segment``, image files in, mask files out."""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ._callbacks import EpochProgressBar
from ._segmenter import AESegmenter, mean_iou
from .datasets import load_membranes

# File types read as images (what Pillow reads without plug-ins).
IMAGE_SUFFIXES = {".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp"}
# The embedded membranes: the first images train, the others are segmented.
EMBEDDED_TRAIN = 20


def add_segment_command(commands, int_tuple):
    """The ``segment`` sub-command and its options."""
    segment = commands.add_parser(
        "segment",
        help="segment images: a class for every pixel (U-Net)",
        description="Train AESegmenter on images and their hand-drawn masks (files with "
        "the same names in two folders; a mask's grey values are the classes), then "
        "write the predicted mask of every image to segment. Without --images, trains "
        "on 20 of the embedded electron microscopy images of membranes and segments "
        "the other 10.",
    )
    data = segment.add_argument_group("data")
    data.add_argument("--images", metavar="DIR", help="folder of training images")
    data.add_argument("--masks", metavar="DIR", help="folder of their masks, same file names")
    data.add_argument(
        "--predict",
        metavar="DIR",
        help="folder of images to segment, of any size (default: the training images)",
    )
    data.add_argument(
        "-o", "--output", metavar="DIR", help="folder for the predicted masks (PNG files)"
    )
    data.add_argument(
        "--ignore-value",
        type=int,
        help="mask value of unannotated pixels, left out of training (default: none)",
    )
    data.add_argument(
        "--boundary-value",
        type=int,
        help="mask value of the class that separates objects (e.g. membranes): the "
        "predicted masks close its gaps (default: none)",
    )
    model = segment.add_argument_group("model")
    model.add_argument("--crop-size", type=int, help="side of the training crops (default: 128)")
    model.add_argument(
        "--hidden-layer-sizes",
        type=int_tuple,
        metavar="W1,W2",
        help="channels of the U-Net's stages (default: 8,16,32,64,128,256)",
    )
    model.add_argument("--max-iter", type=int, help="epochs (default: a budget of crops)")
    model.add_argument("--batch-size", type=int, help="crops per mini-batch (default: 8)")
    model.add_argument(
        "--learning-rate-init", type=float, help="Adam learning rate (default: the estimator's)"
    )
    model.add_argument(
        "--class-weight",
        choices=["balanced"],
        help="weigh classes inversely to their share of pixels (default: equal weights)",
    )
    model.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    model.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default: cpu)")
    model.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no report")
    return segment


def read_image(path):
    """An image file as ``(C, H, W)``: grey images have one channel, colour ones three."""
    from PIL import Image

    with Image.open(path) as image:
        if image.mode not in ("L", "I", "I;16", "F", "RGB"):
            image = image.convert("RGB")
        pixels = np.asarray(image)
    return pixels[None] if pixels.ndim == 2 else np.moveaxis(pixels, -1, 0)


def read_mask(path):
    """A mask file as ``(H, W)`` integer labels (its grey values)."""
    from PIL import Image

    with Image.open(path) as image:
        pixels = np.asarray(image)
    if pixels.ndim != 2:
        raise ValueError(
            f"{path} is a colour image; a mask must be one grey channel whose values are "
            "the classes."
        )
    return pixels.astype(np.int64)


def write_mask(path, labels):
    """Labels ``(H, W)`` as a PNG file, 8-bit if they fit, else 16-bit."""
    from PIL import Image

    if labels.min() < 0 or labels.max() > 65535:
        raise ValueError(f"Labels from {labels.min()} to {labels.max()} do not fit in a PNG file.")
    dtype = np.uint8 if labels.max() <= 255 else np.uint16
    Image.fromarray(labels.astype(dtype)).save(path)


def image_files(folder):
    """The image files of a folder, by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder.")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder} holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))}).")
    return files


def training_data(args, log):
    """Training images and masks, the images to segment and their names and masks."""
    if args.images is None:
        if args.masks is not None:
            raise ValueError("--masks needs --images, the folder of the training images.")
        images, masks = load_membranes(return_X_y=True)
        names = [f"membranes_{i:02d}" for i in range(len(images))]
        train = slice(None, EMBEDDED_TRAIN)
        test = slice(EMBEDDED_TRAIN, None)
        n_test = len(images) - EMBEDDED_TRAIN
        log(
            f"{EMBEDDED_TRAIN} embedded membrane images for training, {n_test} to segment "
            "(192 x 192, 0 = membrane, 1 = cell interior)"
        )
        return images[train], masks[train], list(images[test]), names[test], list(masks[test])
    if args.masks is None:
        raise ValueError("--images needs --masks, the folder of their hand-drawn masks.")
    by_name = {p.stem: p for p in image_files(args.masks)}
    files = [p for p in image_files(args.images) if p.stem in by_name]
    if not files:
        raise ValueError(f"No image of {args.images} has a mask of the same name in {args.masks}.")
    images = [read_image(p) for p in files]
    masks = [read_mask(by_name[p.stem]) for p in files]
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise ValueError(
            f"The training images must share one size and number of channels; found {shapes}."
        )
    for path, image, mask in zip(files, images, masks, strict=True):
        if mask.shape != image.shape[1:]:
            raise ValueError(
                f"{path.name}: mask of shape {mask.shape}, image of {image.shape[1:]}."
            )
    log(f"{len(files)} training images of {images[0].shape} (C, H, W) from {args.images}")
    predict = image_files(args.predict) if args.predict else files
    to_segment = [read_image(p) for p in predict]
    truth = [read_mask(by_name[p.stem]) if p.stem in by_name else None for p in predict]
    return np.stack(images), np.stack(masks), to_segment, [p.stem for p in predict], truth


def check_boundary_value(value, Y, ignore_value):
    """Refuse a --boundary-value that no mask holds, before training."""
    if value is None:
        return
    values = np.unique(Y)
    values = values[values != ignore_value] if ignore_value is not None else values
    if value not in values:
        raise ValueError(
            f"--boundary-value {value} is not a value of the masks ({values.tolist()})."
        )


def estimator(args):
    params = {
        "random_state": args.random_state,
        "device": args.device,
        "ignore_label": args.ignore_value,
        "boundary_class": args.boundary_value,
        "net_params": {
            "callbacks": [EpochProgressBar(disable=True if args.quiet else None, delay=1.0)]
        },
    }
    for name in (
        "crop_size",
        "hidden_layer_sizes",
        "max_iter",
        "batch_size",
        "learning_rate_init",
        "class_weight",
    ):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    return AESegmenter(**params)


def run_segment(args):
    """Train, segment, report and write the masks; returns the exit status."""

    def log(message):
        if not args.quiet:
            print(message, file=sys.stderr)

    try:
        X, Y, to_segment, names, truth = training_data(args, log)
        check_boundary_value(args.boundary_value, Y, args.ignore_value)
        segmenter = estimator(args)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            segmenter.fit(X, Y)
        for warning in caught:
            log(f"note: {warning.message}")
        log(
            f"trained {segmenter.n_iter_} epochs in {time.perf_counter() - start:.1f} s, "
            f"final loss {segmenter.loss_curve_[-1]:.4f}; classes {segmenter.classes_.tolist()}"
        )
        if args.output is not None:
            Path(args.output).mkdir(parents=True, exist_ok=True)
        scored = []
        for name, image, mask in zip(names, to_segment, truth, strict=True):
            labels = segmenter.predict(image[None]).reshape(image.shape[1:])
            if mask is not None and mask.shape == labels.shape:
                scored.append((labels, mask))
            if args.output is not None:
                write_mask(Path(args.output) / f"{name}.png", labels)
        report(segmenter, scored, len(to_segment), args, log)
    except (ValueError, TypeError, OSError) as exc:
        print(f"sklearn-ae: error: {exc}", file=sys.stderr)
        return 2
    return 0


def report(segmenter, scored, n_segmented, args, log):
    """Pixel error, mean IoU and each class's F1 on the segmented images with masks."""
    where = f"to {args.output}" if args.output else "(no --output: masks not written)"
    log(f"segmented {n_segmented} images {where}")
    if not scored:
        return
    predicted = np.concatenate([labels.ravel() for labels, _ in scored])
    true = np.concatenate([mask.ravel() for _, mask in scored])
    labelled = segmenter._labelled(true)
    predicted, true = predicted[labelled], true[labelled]
    f1 = []
    for label in segmenter.classes_:
        found, actual = predicted == label, true == label
        total = found.sum() + actual.sum()
        f1.append(f"{label}: {2 * np.sum(found & actual) / total:.3f}" if total else f"{label}: -")
    log(
        f"against the masks of {len(scored)} of them: pixel error "
        f"{np.mean(predicted != true):.3f}, mean IoU {mean_iou(true, predicted):.3f}, "
        f"F1 per class {', '.join(f1)}"
    )
