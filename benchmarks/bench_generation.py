"""Generation: AEGenerator's VAE, diffusion and codebook models against GaussianMixture.

Digits: ``load_digits`` pixels divided by 16, 30 % held out
(``train_test_split(random_state=0)``). Each model is fitted on the
training rows and draws as many rows as are held out; every sample set is
clipped to [0, 1] and rounded to the data's 1/16 grid in the same way.

- Two-sample accuracy: 5-fold cross-validated accuracy of
  ``HistGradientBoostingClassifier(random_state=0)`` telling the samples
  from the held-out digits. 0.5 means indistinguishable.
- Held-out log-likelihood per dimension: ``score`` on the held-out rows
  divided by 64. For GaussianMixture it is the log-density; for
  AEGenerator a lower bound on it (the VAE's ELBO, the diffusion model's
  estimated variational bound). Both are densities of x in the same units.
- Sampling time per 1,000 rows.
- Distance-to-closest-record ratio: the mean Euclidean distance from each
  sample to its nearest training row, over the same for the held-out rows.
  Near 0 means copies of training rows; about 1 or more, none.

The reference is ``GaussianMixture(n_components=10, random_state=seed)``.

Conditional (digits): every model is fitted with the digit classes,
``fit(X_train, y_train)``; the mixture reference fits one
``GaussianMixture(n_components=3)`` per class. An ``SVC()`` trained on the
real training digits labels 1,000 samples drawn for each class:

- Class accuracy: share of the samples it labels as the class they were
  drawn for (beside it, its accuracy on the real held-out digits).
- Per-class two-sample accuracy: for each class, as many of its samples as
  it has held-out digits against those digits; the mean over classes.
- Two-sample accuracy of ``sample(n)`` without y (classes drawn in the
  training proportions) against all held-out digits, and the
  distance-to-closest-record ratio of those samples.

Table: ``load_breast_cancer`` (569 rows, 30 features, 2 classes), 30 %
held out (stratified, ``random_state=0``). AEGenerator has no
class-conditional sampling, so every method fits one model per class on
that class's training rows and draws as many rows as the class has there.

- Two-sample accuracy against the held-out rows, as for digits (no
  rounding).
- Train on synthetic, test on real: accuracy on the held-out rows of
  ``make_pipeline(StandardScaler(), LogisticRegression())`` trained on the
  synthetic labelled rows; beside it the same classifier trained on the
  real training rows.
- Held-out log-likelihood per dimension under each row's class model.

The table's GaussianMixture picks its number of components per class by
BIC among 1 to 5 (full covariances).

Every AEGenerator runs with its defaults apart from the model and, on
digits, the image networks ("conv" for the VAE, "unet" for diffusion, with
``image_shape=(1, 8, 8)``) beside the default "mlp"; seeds set
``random_state`` of every method; results are means over the seeds.

    python benchmarks/bench_generation.py            # 3 seeds, every part
    python benchmarks/bench_generation.py --parts conditional --figure
    python benchmarks/bench_generation.py --figure-only   # the grids alone (seed 0)
"""

import argparse
import copy
import time
import warnings

import numpy as np
from _common import RESULTS, setup, write_results
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_ae import AEGenerator

SEEDS = [0, 1, 2]
IMAGE = {"image_shape": (1, 8, 8)}
MODELS = {
    "GaussianMixture": None,
    "AEGenerator (vae)": {"model": "vae"},
    "AEGenerator (diffusion)": {"model": "diffusion"},
    "AEGenerator (vae, conv)": {"model": "vae", "architecture": "conv", **IMAGE},
    "AEGenerator (diffusion, unet)": {"model": "diffusion", "architecture": "unet", **IMAGE},
    "AEGenerator (vq)": {"model": "vq"},
    "AEGenerator (vq, conv)": {"model": "vq", "architecture": "conv", **IMAGE},
}
# The table has no image networks.
TABLE_MODELS = [
    "GaussianMixture",
    "AEGenerator (vae)",
    "AEGenerator (diffusion)",
    "AEGenerator (vq)",
]
SAMPLES_PER_CLASS = 1_000


def two_sample_accuracy(real, samples):
    """Cross-validated accuracy of a classifier telling samples from real rows."""
    X = np.vstack([real, samples])
    y = np.r_[np.zeros(len(real)), np.ones(len(samples))]
    classifier = HistGradientBoostingClassifier(random_state=0)
    return float(cross_val_score(classifier, X, y, cv=5).mean())


def copy_ratio(X_train, X_test, samples):
    """Mean distance to the closest training row: samples over held-out rows."""
    neighbours = NearestNeighbors(n_neighbors=1).fit(X_train)
    distance = {
        name: neighbours.kneighbors(rows)[0].mean()
        for name, rows in (("samples", samples), ("held-out", X_test))
    }
    return float(distance["samples"] / distance["held-out"])


def on_digit_grid(samples):
    return np.round(np.clip(samples, 0, 1) * 16) / 16


def best_bic_mixture(X, seed):
    mixtures = [GaussianMixture(k, random_state=seed).fit(X) for k in range(1, 6)]
    return min(mixtures, key=lambda mixture: mixture.bic(X))


def fit_model(name, X, seed, *, table=False, y=None):
    if MODELS[name] is None:
        if y is not None:
            return MixturePerClass(seed).fit(X, y)
        if table:
            return best_bic_mixture(X, seed)
        return GaussianMixture(n_components=10, random_state=seed).fit(X)
    return AEGenerator(**MODELS[name], random_state=seed).fit(X, y)


class MixturePerClass:
    """The conditional reference: one GaussianMixture(3) per class."""

    def __init__(self, seed):
        self.seed = seed

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.class_prior_ = counts / len(y)
        self.mixtures_ = [
            GaussianMixture(3, random_state=self.seed).fit(X[y == c]) for c in self.classes_
        ]
        return self

    def sample(self, n_samples, y=None):
        if y is not None:
            index = int(np.searchsorted(self.classes_, y))
            return self.mixtures_[index].sample(n_samples)[0]
        rng = np.random.default_rng(self.seed)
        counts = rng.multinomial(n_samples, self.class_prior_)
        rows = np.vstack([m.sample(k)[0] for m, k in zip(self.mixtures_, counts, strict=True) if k])
        return rows[rng.permutation(n_samples)]


def draw(model, n_samples):
    if isinstance(model, GaussianMixture):
        return model.sample(n_samples)[0]
    return model.sample(n_samples)


def digits(seeds, save=True):
    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X / 16, test_size=0.3, random_state=0)
    results = {name: [] for name in MODELS}
    grids = {"held-out digits": X_test[:12]}
    for seed in seeds:
        for name in MODELS:
            start = time.perf_counter()
            model = fit_model(name, X_train, seed)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            samples = on_digit_grid(draw(model, len(X_test)))
            sample_seconds = (time.perf_counter() - start) / len(X_test) * 1000
            if seed == seeds[0]:
                # A random dozen: GaussianMixture returns its samples sorted by component.
                grids[name] = samples[np.random.default_rng(0).permutation(len(samples))[:12]]
            results[name].append(
                [
                    two_sample_accuracy(X_test, samples),
                    model.score(X_test) / X.shape[1],
                    copy_ratio(X_train, X_test, samples),
                    fit_seconds,
                    sample_seconds,
                ]
            )
            print(name, seed, np.round(results[name][-1], 3), flush=True)
    header = [
        "method",
        "two-sample accuracy",
        "held-out log-lik / dim",
        "closest-record ratio",
        "fit s",
        "sample s / 1,000",
    ]
    rows = [_summary_row(name, values) for name, values in results.items()]
    details = (
        f"load_digits / 16, 30 % held out; seeds {seeds}, mean (and std) over seeds. "
        "Two-sample accuracy: 0.5 is indistinguishable from the held-out digits "
        "(lower is better). Log-likelihood: a bound for AEGenerator (higher is better)."
    )
    if save:
        write_results("generation_digits", "Generation: digits", details, header, rows)
    return grids


CONDITIONAL_MODELS = [
    "GaussianMixture",
    "AEGenerator (vae)",
    "AEGenerator (vae, conv)",
    "AEGenerator (diffusion)",
    "AEGenerator (diffusion, unet)",
    "AEGenerator (vq)",
    "AEGenerator (vq, conv)",
]


# Also measured without guidance (the same fitted model, guidance=0).
WITHOUT_GUIDANCE = ["AEGenerator (diffusion, unet)", "AEGenerator (vq, conv)"]


def conditional(seeds, save=True):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.3, random_state=0)
    classifier = SVC().fit(X_train, y_train)
    real_accuracy = classifier.score(X_test, y_test)
    results = {}
    grids = {}
    for seed in seeds:
        for name in CONDITIONAL_MODELS:
            start = time.perf_counter()
            model = fit_model(name, X_train, seed, y=y_train)
            fit_seconds = time.perf_counter() - start
            variants = {name: model}
            if name in WITHOUT_GUIDANCE:
                unguided = copy.deepcopy(model).set_params(guidance=0.0)
                variants[f"{name[:-1]}, guidance=0)"] = unguided
            for label, variant in variants.items():
                row = conditional_row(variant, classifier, X_train, X_test, y_test)
                results.setdefault(label, []).append([*row[:-1], fit_seconds, row[-1]])
                print(label, seed, np.round(results[label][-1], 3), flush=True)
            if seed == seeds[0]:
                grids[name] = np.stack([model.sample(3, y=c) for c in range(10)], axis=1)
    header = [
        "method",
        "class accuracy",
        "per-class two-sample accuracy",
        "two-sample accuracy",
        "closest-record ratio",
        "fit s",
        "sample s / 1,000",
    ]
    rows = [_summary_row(name, values) for name, values in results.items()]
    details = (
        f"load_digits / 16, 30 % held out, fit with the digit classes; seeds {seeds}, mean "
        "(and std) over seeds. Class accuracy: an SVC trained on the real training digits "
        f"labels {SAMPLES_PER_CLASS:,} samples per class (it scores {real_accuracy:.3f} on "
        "the real held-out digits). Two-sample accuracies: 0.5 is indistinguishable "
        "(lower is better). AEGenerator runs with guidance=1 (the default) unless the "
        "row says otherwise."
    )
    if save:
        write_results(
            "generation_conditional", "Generation: digits by class", details, header, rows
        )
    return {name: on_digit_grid(images) for name, images in grids.items()}


def conditional_row(model, classifier, X_train, X_test, y_test):
    """Class accuracy, per-class and overall two-sample accuracy, copy ratio, sample time."""
    start = time.perf_counter()
    by_class = {c: on_digit_grid(model.sample(SAMPLES_PER_CLASS, y=c)) for c in range(10)}
    sample_seconds = (time.perf_counter() - start) / (10 * SAMPLES_PER_CLASS) * 1000
    class_accuracy = np.mean(
        [np.mean(classifier.predict(rows) == c) for c, rows in by_class.items()]
    )
    per_class = np.mean(
        [
            two_sample_accuracy(X_test[y_test == c], rows[: np.sum(y_test == c)])
            for c, rows in by_class.items()
        ]
    )
    marginal = on_digit_grid(model.sample(len(X_test)))
    return [
        class_accuracy,
        per_class,
        two_sample_accuracy(X_test, marginal),
        copy_ratio(X_train, X_test, marginal),
        sample_seconds,
    ]


def table(seeds):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    real_accuracy = classifier.fit(X_train, y_train).score(X_test, y_test)
    results = {name: [] for name in TABLE_MODELS}
    for seed in seeds:
        for name in TABLE_MODELS:
            start = time.perf_counter()
            samples, labels, log_likelihood = [], [], np.empty(len(X_test))
            for label in np.unique(y_train):
                model = fit_model(name, X_train[y_train == label], seed, table=True)
                samples.append(draw(model, int(np.sum(y_train == label))))
                labels.append(np.full(len(samples[-1]), label))
                log_likelihood[y_test == label] = model.score_samples(X_test[y_test == label])
            seconds = time.perf_counter() - start
            samples, labels = np.vstack(samples), np.concatenate(labels)
            synthetic_accuracy = classifier.fit(samples, labels).score(X_test, y_test)
            results[name].append(
                [
                    two_sample_accuracy(X_test, samples),
                    synthetic_accuracy,
                    log_likelihood.mean() / X.shape[1],
                    seconds,
                ]
            )
            print(name, seed, np.round(results[name][-1], 3), flush=True)
    header = [
        "method",
        "two-sample accuracy",
        "train synthetic, test real",
        "held-out log-lik / dim",
        "fit + sample s",
    ]
    rows = [_summary_row(name, values) for name, values in results.items()]
    details = (
        f"load_breast_cancer, 30 % held out (stratified), one model per class; seeds "
        f"{seeds}, mean (and std) over seeds. The classifier trained on the real "
        f"training rows scores {real_accuracy:.3f} on the held-out rows."
    )
    write_results("generation_table", "Generation: a table (breast cancer)", details, header, rows)


def _summary_row(name, values):
    values = np.asarray(values)
    means, stds = values.mean(axis=0), values.std(axis=0)
    cells = [f"{means[0]:.3f} ({stds[0]:.3f})"]
    cells += [f"{m:.3f} ({s:.3f})" for m, s in zip(means[1:-2], stds[1:-2], strict=True)]
    cells += [f"{m:.3g}" for m in means[-2:]]
    return [name, *cells]


def class_figure(grids):
    """Three samples of each digit class per model, one block of rows per model."""
    import matplotlib.pyplot as plt

    n_rows = 3 * len(grids)
    fig, axes = plt.subplots(n_rows, 10, figsize=(6.5, 0.62 * n_rows + 0.4))
    for block, (name, images) in enumerate(grids.items()):
        for r in range(3):
            for c in range(10):
                ax = axes[3 * block + r, c]
                ax.imshow(images[r, c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
        label = name.replace("AEGenerator ", "").replace("GaussianMixture", "mixture per class")
        axes[3 * block + 1, 0].set_ylabel(label, rotation=0, ha="right", va="center")
    for c in range(10):
        axes[0, c].set_title(str(c))
    fig.suptitle("sample(3, y=digit) for each model")
    fig.tight_layout()
    fig.savefig(RESULTS / "generation_conditional.png", dpi=110)
    print("wrote", RESULTS / "generation_conditional.png")


def figure(grids):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(grids), 12, figsize=(9, 0.85 * len(grids) + 0.3))
    for row, (name, images) in zip(axes, grids.items(), strict=True):
        for ax, image in zip(row, images, strict=True):
            ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(name.replace(" (", "\n("), rotation=0, ha="right", va="center")
    fig.suptitle("Held-out digits and samples (rounded to the 1/16 grid)")
    fig.tight_layout()
    fig.savefig(RESULTS / "generation_digits.png", dpi=120)
    print("wrote", RESULTS / "generation_digits.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=SEEDS)
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=["digits", "conditional", "table"],
        default=["digits", "conditional", "table"],
    )
    parser.add_argument("--figure", action="store_true", help="also draw the sample grids")
    parser.add_argument(
        "--figure-only", action="store_true", help="only the grids (first seed), no tables"
    )
    args = parser.parse_args()
    setup()
    warnings.simplefilter("ignore")
    if args.figure_only:
        if "digits" in args.parts:
            figure(digits(args.seeds[:1], save=False))
        if "conditional" in args.parts:
            class_figure(conditional(args.seeds[:1], save=False))
        return
    if "digits" in args.parts:
        grids = digits(args.seeds)
        if args.figure:
            figure(grids)
    if "conditional" in args.parts:
        grids = conditional(args.seeds)
        if args.figure:
            class_figure(grids)
    if "table" in args.parts:
        table(args.seeds)


if __name__ == "__main__":
    main()
