"""Memory of scoring and transforming 2,000,000 x 50 rows.

Each case runs in a fresh process: the models are fitted on 20,000 rows,
then the peak RSS rise during one call to ``score_samples`` / ``transform``
on the full X is measured (Linux ``VmHWM``, reset just before the call),
with tracemalloc's peak of Python/numpy allocations beside it. Inference runs
in fixed-size batches, so the extra memory should be the output plus a few
batches, whatever the number of rows.

    python benchmarks/bench_memory.py
"""

import json
import subprocess
import sys
import warnings

import numpy as np
from _common import peak_memory, setup, synthetic, write_results

from sklearn_ae import AEOutlierDetector, AETransformer

N_ROWS, N_FEATURES = 2_000_000, 50
MIB = 2**20
CASES = [
    ("AEOutlierDetector.score_samples", "float32"),
    ("AEOutlierDetector.score_samples", "float64"),
    ("AETransformer.transform", "float32"),
    ("AETransformer.transform", "float64"),
]


def measure(index):
    name, dtype = CASES[index]
    X = synthetic(N_ROWS, N_FEATURES).astype(dtype)
    Estimator = AEOutlierDetector if name.startswith("AEOutlier") else AETransformer
    est = Estimator(max_iter=2, random_state=0).fit(X[:20_000])
    method = getattr(est, name.split(".")[1])
    rss, traced = peak_memory(lambda: method(X))
    return {"x_mib": X.nbytes / MIB, "rss_mib": rss / MIB, "traced_mib": traced / MIB}


def main():
    setup()
    warnings.simplefilter("ignore")
    if sys.argv[1:2] == ["--case"]:
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    rows = []
    for index, (name, dtype) in enumerate(CASES):
        done = subprocess.run(
            [sys.executable, __file__, "--case", str(index)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(
            [
                name,
                dtype,
                f"{result['x_mib']:.0f}",
                f"{result['rss_mib']:.0f}",
                f"{result['traced_mib']:.0f}",
            ]
        )
        print(rows[-1], flush=True)
    header = ["call", "X dtype", "X (MiB)", "peak extra RSS (MiB)", "peak traced (MiB)"]
    title = f"Memory of inference on {N_ROWS:,} x {N_FEATURES}"
    write_results("memory", title, "one fresh process per row.", header, rows)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
