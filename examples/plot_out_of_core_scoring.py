"""
==============================================
Scoring a table larger than memory, with Dask
==============================================

An outlier detector is trained on a sample that fits in memory; the table
to score does not. Here the table is a memory-mapped file on disk, 2.5
million rows of 24 float32 features (229 MiB), scored in blocks of 8 MiB,
with the scores written back to disk: :class:`sklearn_ae.dask.ParallelPostFit`
(dask-ml's wrapper, with the outlier scores added) turns
``score_samples`` into a lazy `dask.array <https://docs.dask.org/en/stable/array.html>`_
computation, one block of rows at a time.

Needs the optional dependencies: ``pip install "sklearn-ae[dask]"``.
"""

# %%
# A table on disk
# ---------------
# The rows lie near a 4-D non-linear manifold in 24 dimensions; one row in
# a thousand is an outlier, drawn uniformly over the data's range. The file
# is written in blocks, so making it needs no more memory than scoring it.
import tempfile
import threading
import time
from pathlib import Path

import dask
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score

from sklearn_ae import AEOutlierDetector
from sklearn_ae.dask import ParallelPostFit

N_ROWS, N_FEATURES, BLOCK = 2_500_000, 24, 250_000
MIXING = np.random.default_rng(0).normal(size=(4, N_FEATURES)) / 2


def make_rows(n_rows, seed):
    """Rows on the manifold, with 0.1 % uniform outliers, and their labels."""
    rng = np.random.default_rng(seed)
    rows = np.sin(rng.normal(size=(n_rows, 4)) @ MIXING)
    rows += 0.05 * rng.normal(size=rows.shape)
    is_outlier = rng.random(n_rows) < 0.001
    rows[is_outlier] = rng.uniform(-1.5, 1.5, size=(is_outlier.sum(), N_FEATURES))
    return rows.astype(np.float32), is_outlier


folder = Path(tempfile.mkdtemp())
table = np.lib.format.open_memmap(
    folder / "table.npy", mode="w+", dtype=np.float32, shape=(N_ROWS, N_FEATURES)
)
labels = np.empty(N_ROWS, dtype=bool)
for seed, start in enumerate(range(0, N_ROWS, BLOCK)):
    table[start : start + BLOCK], labels[start : start + BLOCK] = make_rows(BLOCK, seed + 1)
table.flush()
del table
print(f"table on disk: {(folder / 'table.npy').stat().st_size / 2**20:.0f} MiB")

# %%
# Train on a sample
# -----------------
# 10,000 rows are plenty for the detector, and fit in memory.
X_train, _ = make_rows(10_000, seed=0)
model = ParallelPostFit(AEOutlierDetector(max_iter=10, random_state=0)).fit(X_train)

# %%
# Score the whole table, block by block
# -------------------------------------
# ``np.load(..., mmap_mode="r")`` maps the file without reading it;
# ``da.from_array`` cuts it into blocks of rows whose size sets the memory
# budget: 8 MiB of float32 data per block, computed by two threads, so
# about two blocks (and their batches inside the network) are in memory at
# once. Nothing is read until ``da.store`` computes the scores, and it
# writes each block's scores into a memory-mapped output file as soon as
# they are ready, so that the scores of all rows (19 MiB) are not held in
# memory either. The extra memory of the process is sampled while it works
# (Linux's ``RssAnon``: what it allocates, not the file pages it maps).
on_disk = np.load(folder / "table.npy", mmap_mode="r")
rows_per_block = 8 * 2**20 // (N_FEATURES * 4)
X = da.from_array(on_disk, chunks=(rows_per_block, N_FEATURES))
scores = model.score_samples(X)
print(f"{X.numblocks[0]} blocks of {rows_per_block:,} rows; result: {scores}")


def anonymous_memory():
    """Memory the process has allocated (Linux), not counting mapped file pages."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


output = np.lib.format.open_memmap(
    folder / "scores.npy", mode="w+", dtype=np.float64, shape=(N_ROWS,)
)
baseline = anonymous_memory()


def score_to_disk(n_rows):
    """Score the first n_rows into the output file; seconds and peak extra MiB."""
    samples, done = [], threading.Event()

    def watch():
        while not done.wait(0.02):
            samples.append(anonymous_memory())

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=2):
        da.store(scores[:n_rows], output[:n_rows], lock=False)
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    return seconds, (max(samples, default=baseline) - baseline) / 2**20


# %%
# The memory it takes does not grow with the table: scoring a quarter of
# the rows and then all of them peaks at about the same extra memory (the
# blocks in flight, and each thread's working memory in numpy, torch and
# the allocator), well under the size of the table.
for n_rows in (N_ROWS // 4, N_ROWS):
    seconds, extra = score_to_disk(n_rows)
    print(
        f"{n_rows:>9,} rows ({n_rows * N_FEATURES * 4 / 2**20:3.0f} MiB on disk): "
        f"{seconds:4.1f} s ({n_rows / seconds:,.0f} rows/s), "
        f"peak extra memory {extra:.0f} MiB"
    )

# %%
# The scores
# ----------
# Read back from their file (this small array fits in memory). Outliers
# (orange) score far below the rows on the manifold.
result = np.load(folder / "scores.npy")
print(f"ROC-AUC against the known outliers: {roc_auc_score(labels, -result):.3f}")
fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.linspace(np.percentile(result, 0.01), result.max(), 80)
ax.hist(result[~labels], bins=bins, log=True, label="rows on the manifold")
ax.hist(result[labels], bins=bins, log=True, label="outliers", alpha=0.8)
ax.set_xlabel("score_samples (higher is more normal)")
ax.set_ylabel("rows")
ax.set_title(f"{N_ROWS:,} rows scored from a memory-mapped file")
ax.legend()
fig.tight_layout()
plt.show()
