"""Scoring speed and memory on 1,000,000 x 30 float32 rows.

Each estimator (d-64-32-8-32-64-d) is fitted on 20,000 rows for 2 epochs,
then scores / transforms 1,000,000 rows. The reference is a plain torch
forward pass of the same fitted module over slices of one pre-made tensor, in
batches of the same size, under ``torch.inference_mode``. Peak extra memory is
the rise of the peak RSS during the call (Linux ``VmHWM``, reset before the
call) in a fresh process per method, so that memory freed by an earlier
method cannot hide it; next to it, tracemalloc's peak of Python/numpy
allocations (torch's own allocations are not traced). The detector's
default score adds an isolation forest and a nearest-neighbour distance to
the network; the rows with ``isolation=False, n_neighbors=None`` measure the
network's path alone, and scikit-learn's IsolationForest (fitted on the
same 20,000 rows) is timed next to them.
X itself (float32) takes 114 MiB. Median of 7 calls timed in interleaved
rounds (PyOD: 1 call).

    python benchmarks/bench_score.py
"""

import json
import subprocess
import sys
import warnings

import torch
from _common import (
    interleaved_times,
    peak_memory,
    setup,
    synthetic,
    write_results,
)
from sklearn.ensemble import IsolationForest

from sklearn_ae import AEOutlierDetector, AETransformer

N_ROWS, N_FEATURES, REPEATS = 1_000_000, 30, 7
SETTINGS = {
    "hidden_layer_sizes": (64, 32),
    "n_components": 8,
    "batch_size": 256,
    "max_iter": 2,
    "random_state": 0,
}
MIB = 2**20


def plain_forward(module, X, batch_rows, method):
    """Reference: the fitted module over slices of one tensor, no extra work."""
    X_t = torch.from_numpy(X)
    forward = getattr(module, method)
    out = None
    with torch.inference_mode():
        module.eval()
        for start in range(0, len(X_t), batch_rows):
            batch = X_t[start : start + batch_rows]
            result = forward(batch)
            if method == "forward":
                result = ((result - batch) ** 2).mean(dim=1)
            if out is None:
                out = torch.empty((len(X_t), *result.shape[1:]))
            out[start : start + len(batch)] = result
    return out.numpy()


def pyod_scores(X_train, X):
    from pyod.models.auto_encoder import AutoEncoder

    detector = AutoEncoder(
        hidden_neuron_list=[64, 32, 8],
        epoch_num=2,
        batch_size=256,
        batch_norm=False,
        dropout_rate=0.0,
        preprocessing=False,
        verbose=0,
    ).fit(X_train)

    def run():
        return detector.decision_function(X)

    run.once = True
    return run


def build_cases():
    """Fit the models once; return ``(task, name, function)`` cases and batch rows."""
    X = synthetic(N_ROWS, N_FEATURES)
    X_train = X[:20_000]
    alone = {"isolation": False, "n_neighbors": None}
    detector = AEOutlierDetector(**SETTINGS, **alone, scaling=None).fit(X_train)
    detector_scaled = AEOutlierDetector(**SETTINGS, **alone).fit(X_train)
    detector_neighbors = AEOutlierDetector(**SETTINGS, isolation=False).fit(X_train)
    detector_default = AEOutlierDetector(**SETTINGS).fit(X_train)
    forest = IsolationForest(random_state=0).fit(X_train)
    transformer = AETransformer(**SETTINGS, scaling=None).fit(X_train)
    batch_rows = detector._inference_rows()
    module = detector.net_.module_
    cases = [
        (
            "score_samples",
            "plain torch forward (reference)",
            lambda: plain_forward(module, X, batch_rows, "forward"),
        ),
        (
            "score_samples",
            "AEOutlierDetector(isolation=False, n_neighbors=None, scaling=None)",
            lambda: detector.score_samples(X),
        ),
        (
            "score_samples",
            "AEOutlierDetector(isolation=False, n_neighbors=None)",
            lambda: detector_scaled.score_samples(X),
        ),
        (
            "score_samples",
            "AEOutlierDetector(isolation=False): with the neighbour distance",
            lambda: detector_neighbors.score_samples(X),
        ),
        (
            "score_samples",
            "AEOutlierDetector (defaults: isolation forest and neighbour distance)",
            lambda: detector_default.score_samples(X),
        ),
        ("score_samples", "IsolationForest.score_samples", lambda: forest.score_samples(X)),
        ("score_samples", "PyOD AutoEncoder.decision_function", pyod_scores(X_train, X)),
        (
            "transform",
            "plain torch encoder (reference)",
            lambda: plain_forward(transformer.net_.module_, X, batch_rows, "encode"),
        ),
        ("transform", "AETransformer(scaling=None)", lambda: transformer.transform(X)),
    ]
    return cases, batch_rows, X.nbytes


def memory_in_subprocess(index):
    """Peak memory of one case, measured in a fresh process (no allocator reuse)."""
    done = subprocess.run(
        [sys.executable, __file__, "--memory", str(index)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    setup()
    warnings.simplefilter("ignore")
    if sys.argv[1:2] == ["--memory"]:
        cases, _, _ = build_cases()
        print(json.dumps(peak_memory(cases[int(sys.argv[2])][2])))
        return
    cases, batch_rows, x_bytes = build_cases()
    seconds, _ = interleaved_times([func for _, _, func in cases], REPEATS)
    rows, reference = [], {}
    for index, ((task, name, _), secs) in enumerate(zip(cases, seconds, strict=True)):
        rss, traced = memory_in_subprocess(index)
        reference.setdefault(task, secs)
        rows.append(
            [
                task,
                name,
                f"{secs:.3f}",
                f"{N_ROWS / secs:,.0f}",
                f"{secs / reference[task]:.2f}",
                f"{rss / MIB:.0f}",
                f"{traced / MIB:.0f}",
            ]
        )
        print(rows[-1], flush=True)
    header = [
        "task",
        "method",
        "seconds",
        "rows / s",
        "ratio to reference",
        "peak extra RSS (MiB)",
        "peak traced (MiB)",
    ]
    details = (
        f"{N_ROWS:,} x {N_FEATURES} float32 (X = {x_bytes / MIB:.0f} MiB), "
        f"inference batches of {batch_rows} rows."
    )
    write_results("score", "Scoring speed and memory", details, header, rows)


if __name__ == "__main__":
    main()
