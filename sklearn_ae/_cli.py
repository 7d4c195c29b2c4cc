"""Command line: ``sklearn-ae {detect,reduce,denoise,segment}`` (also ``python -m sklearn_ae``)."""

import argparse
import os
import sys
import time
import warnings

import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from . import AEDenoiser, AEOutlierDetector, AETransformer, __version__
from ._callbacks import EpochProgressBar
from ._cli_segment import add_segment_command, run_segment
from ._table import categorical_mask
from .datasets import load_breast_cancer_outliers

_DEFAULT_DATA = "the embedded breast cancer outlier set (378 rows, 21 outliers)"
_DEFAULT_LABEL = "outlier"


def _int_tuple(text):
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 64,32, got {text!r}") from None


def _contamination(text):
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a float, got {text!r}") from None


def _build_parser():
    common = argparse.ArgumentParser(add_help=False)
    data = common.add_argument_group("data")
    data.add_argument(
        "-i",
        "--input",
        metavar="CSV",
        help=f"CSV file with a header row (default: {_DEFAULT_DATA})",
    )
    data.add_argument(
        "-o",
        "--output",
        metavar="CSV",
        default="-",
        help="where to write the result (default: stdout)",
    )
    data.add_argument(
        "--label-column",
        metavar="NAME",
        help="column to leave out of training (e.g. known labels); for detect, the "
        "1 = outlier labels used to report ROC-AUC "
        f"(default: '{_DEFAULT_LABEL}' for the embedded data)",
    )
    model = common.add_argument_group("model")
    model.add_argument("--n-components", type=int, help="size of the code (default: about sqrt(d))")
    model.add_argument(
        "--hidden-layer-sizes",
        type=_int_tuple,
        metavar="W1,W2",
        help="encoder widths, mirrored by the decoder (default: the estimator's)",
    )
    model.add_argument("--max-iter", type=int, help="maximum epochs (default: the estimator's)")
    model.add_argument("--batch-size", type=int, help="mini-batch size (default: min(256, n))")
    model.add_argument(
        "--learning-rate-init", type=float, help="Adam learning rate (default: the estimator's)"
    )
    model.add_argument(
        "--early-stopping",
        action="store_true",
        default=None,
        help="stop on a held-out 10%% of the rows (default: the estimator's)",
    )
    model.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    model.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default: cpu)")
    model.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no report")

    parser = argparse.ArgumentParser(
        prog="sklearn-ae",
        description="Fit an autoencoder on a CSV table and write the result as CSV "
        "(segment: on image files, writing mask files). "
        "Features are scaled inside the model; text columns are categorical (one "
        "indicator per category, a cross-entropy error) and empty cells are left out "
        "of the loss and the scores.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    detect = commands.add_parser(
        "detect",
        parents=[common],
        help="outlier scores and labels",
        description="Score each row with AEOutlierDetector. Writes columns score "
        "(higher = more normal) and label (1 inlier, -1 outlier); prints a report.",
    )
    detect.add_argument(
        "--contamination",
        type=_contamination,
        default="auto",
        help="share of outliers in (0, 0.5], or 'auto': what a detector finds rarer than 1 "
        "training row in 20 (default: auto)",
    )
    detect.add_argument(
        "--labels",
        metavar="NAME",
        help="column of the anomalies you know of: 1 known anomaly, 0 known normal, "
        "-1 or empty unlabelled; left out of training, it teaches the detector what to "
        "look for",
    )
    detect.add_argument("--top", type=int, default=5, help="outliers listed in the report")

    commands.add_parser(
        "reduce",
        parents=[common],
        help="codes (dimensionality reduction)",
        description="Encode each row with AETransformer; writes one column per code.",
    )
    denoise = commands.add_parser(
        "denoise",
        parents=[common],
        help="denoised values",
        description="Train AEDenoiser on the rows with synthetic noise, then write "
        "the denoised rows with the input's columns.",
    )
    denoise.add_argument(
        "--noise",
        choices=["gaussian", "masking"],
        help="(default: gaussian, or masking with --impute)",
    )
    denoise.add_argument(
        "--impute",
        action="store_true",
        help="fill the empty cells and keep the other values as they are",
    )
    denoise.add_argument(
        "--noise-level", type=float, help="noise std or mask rate (default: the estimator's)"
    )
    add_segment_command(commands, _int_tuple)
    return parser


def _load(args):
    if args.input is None:
        frame = load_breast_cancer_outliers(as_frame=True)
        table = frame.data.assign(**{_DEFAULT_LABEL: frame.target})
        label = args.label_column or _DEFAULT_LABEL
    else:
        table = pd.read_csv(args.input)
        label = args.label_column
    if label is not None and label not in table.columns:
        raise ValueError(f"--label-column {label!r} is not a column of the input.")
    labels = table.pop(label) if label is not None else None
    known = getattr(args, "labels", None)
    if known is not None and known not in table.columns:
        raise ValueError(f"--labels {known!r} is not a column of the input.")
    known_anomalies = table.pop(known) if known is not None else None
    return table, labels, known_anomalies


def _estimator(args):
    params = {
        "n_components": args.n_components,
        "batch_size": args.batch_size or "auto",
        "random_state": args.random_state,
        "device": args.device,
        # A bar on the terminal, for fits that last over a second.
        "net_params": {
            "callbacks": [EpochProgressBar(disable=True if args.quiet else None, delay=1.0)]
        },
    }
    # Options left out keep the estimator's own defaults.
    for name in ("hidden_layer_sizes", "max_iter", "learning_rate_init", "early_stopping"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    if args.command == "detect":
        return AEOutlierDetector(contamination=args.contamination, **params)
    if args.command == "reduce":
        return AETransformer(**params)
    if args.noise_level is not None:
        params["noise_level"] = args.noise_level
    noise = args.noise or ("masking" if args.impute else "gaussian")
    return AEDenoiser(noise=noise, impute=args.impute, **params)


def _report_detection(detector, X, result, labels, top, log, known=None):
    n_outliers = int((result["label"] == -1).sum())
    log(f"flagged {n_outliers} of {len(X)} rows as outliers ({n_outliers / len(X):.1%})")
    if labels is not None:
        truth = pd.Series(labels).astype(int).to_numpy()
        scores = -result["score"].to_numpy()
        # The known anomalies were given: judge the detector on the other rows.
        rows = known != 1 if known is not None else slice(None)
        roc_auc = roc_auc_score(truth[rows], scores[rows])
        average_precision = average_precision_score(truth[rows], scores[rows])
        judged = "" if known is None else ", on the rows not given as known anomalies"
        log(
            f"against column '{labels.name}'{judged}: ROC-AUC {roc_auc:.3f}, "
            f"average precision {average_precision:.3f}"
        )
    worst = result["score"].nsmallest(top).index
    sources = detector.score_sources(X.loc[worst])
    components = detector.score_components(X.loc[worst])
    errors = pd.DataFrame(detector.feature_errors(X.loc[worst]), index=worst, columns=X.columns)
    combined = (
        "the largest is the outlier score"
        if known is None
        else "the score weighs the classifier's against the largest of the others"
    )
    log(
        f"top {len(worst)} outliers (row: surprisal of the {' / '.join(detector.source_names_)}"
        f", {combined}; the autoencoder's reconstruction + code parts; features "
        "reconstructed worst):"
    )
    for row, surprisals, (reconstruction, code) in zip(worst, sources, components, strict=True):
        features = ", ".join(errors.loc[row].nlargest(3).index)
        evidence = " / ".join(f"{value:.1f}" for value in surprisals)
        log(f"  {row}: {evidence}; {reconstruction:.1f} + {code:.1f}; {features}")


def _describe(table, log):
    """Say which columns are categorical and how many numeric cells are empty."""
    columns = list(table.columns[categorical_mask(table, "from_dtype")])
    numeric = table.drop(columns=columns)
    n_empty = int(numeric.isna().to_numpy().sum())
    if n_empty:
        log(
            f"{n_empty} empty cell(s) in numeric columns ({n_empty / numeric.size:.1%}): "
            "left out of the loss and the scores"
        )
    if columns:
        log(
            f"{len(columns)} categorical column(s), one indicator per category and a "
            f"cross-entropy error each: {', '.join(map(str, columns))}"
        )


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "segment":
        return run_segment(args)

    def log(message):
        if not args.quiet:
            print(message, file=sys.stderr)

    try:
        table, labels, known_anomalies = _load(args)
        estimator = _estimator(args)
        log(
            f"sklearn-ae {args.command}: {table.shape[0]} rows x {table.shape[1]} features "
            f"from {args.input or _DEFAULT_DATA}"
        )
        _describe(table, log)
        X = table
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X, known_anomalies)
        for warning in caught:
            log(f"note: {warning.message}")
        log(
            f"trained {estimator.n_iter_} epochs in {time.perf_counter() - start:.1f} s, "
            f"final loss {estimator.loss_curve_[-1]:.4f}"
        )
        if args.command == "detect":
            result = pd.DataFrame(
                {"score": estimator.score_samples(X), "label": estimator.predict(X)},
                index=X.index,
            )
            known = None
            if known_anomalies is not None:
                known = known_anomalies.fillna(-1).to_numpy()
                log(f"learned from {int((known == 1).sum())} known anomalies")
            _report_detection(estimator, X, result, labels, args.top, log, known)
        else:
            result = estimator.set_output(transform="pandas").transform(X)
    except (ValueError, TypeError, OSError) as exc:
        print(f"sklearn-ae: error: {exc}", file=sys.stderr)
        return 2
    if args.output != "-":
        result.to_csv(args.output, index_label="row")
        log(f"wrote {args.output}")
        return 0
    try:
        result.to_csv(sys.stdout, index_label="row")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. `head`) closed the pipe: stop quietly, as cat does
        # (the recipe of Python's signal docs, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
