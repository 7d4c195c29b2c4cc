"""How AEOutlierDetector's fit time grows with rows and features.

d-64-32-8-32-64-d, batch size 256, 2 epochs, default robust scaling; the
whole fit (scaling, training, scoring the training set for the threshold) is
timed once per size, for the autoencoder alone (``isolation=False,
n_neighbors=None``) and with the defaults' isolation forest and neighbour
distance, which add their fits and their scores of the training set. Time
per epoch per row should stay flat as n grows (linear in n).

    python benchmarks/bench_scaling.py
"""

import time
import warnings

from _common import setup, synthetic, write_results

from sklearn_ae import AEOutlierDetector

EPOCHS = 2
SIZES = [
    (10_000, 30),
    (100_000, 30),
    (1_000_000, 30),
    (100_000, 10),
    (100_000, 100),
    (100_000, 1_000),
]


def main():
    setup()
    warnings.simplefilter("ignore")
    # Warm-up: the first fit in a process pays for torch's lazy initialisation.
    AEOutlierDetector(max_iter=1).fit(synthetic(1000, 10))
    rows = []
    for n, d in SIZES:
        X = synthetic(n, d)
        seconds = {}
        for defaults in (False, True):
            others = {} if defaults else {"isolation": False, "n_neighbors": None}
            detector = AEOutlierDetector(
                hidden_layer_sizes=(64, 32),
                n_components=8,
                batch_size=256,
                max_iter=EPOCHS,
                random_state=0,
                **others,
            )
            start = time.perf_counter()
            detector.fit(X)
            seconds[defaults] = time.perf_counter() - start
        per_row = seconds[False] / EPOCHS / n * 1e6
        rows.append(
            [
                n,
                d,
                f"{seconds[False]:.2f}",
                f"{seconds[False] / EPOCHS:.2f}",
                f"{per_row:.1f}",
                f"{seconds[True]:.2f}",
            ]
        )
        print(rows[-1], flush=True)
    header = [
        "n rows",
        "d features",
        "fit s (autoencoder alone)",
        "s / epoch",
        "us / row / epoch",
        "fit s (defaults: with the isolation forest and neighbour distance)",
    ]
    details = f"batch 256, {EPOCHS} epochs."
    write_results("scaling", "Fit time against n and d", details, header, rows)


if __name__ == "__main__":
    main()
