"""Helpers shared by the benchmark scripts (not part of the package)."""

import csv
import platform
import shlex
import statistics
import sys
import time
import tracemalloc
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).parent / "results"
THREADS = 2


def setup():
    """Fix the thread count, as stated in every result file."""
    torch.set_num_threads(THREADS)
    RESULTS.mkdir(exist_ok=True)


def machine():
    return (
        f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"torch {torch.__version__}, Python {platform.python_version()}"
    )


def synthetic(n_samples, n_features, seed=0):
    """Standardised float32 data on a noisy non-linear 8-D manifold."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_samples, 8)).astype(np.float32)
    mixing = rng.normal(size=(8, n_features)).astype(np.float32) / np.sqrt(8)
    X = np.tanh(latent @ mixing) + 0.1 * rng.normal(size=(n_samples, n_features)).astype(np.float32)
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32)


def interleaved_times(funcs, repeats):
    """Median seconds of each function, and its last result, over interleaved rounds.

    Round-robin order spreads the drift of a shared, noisy machine evenly
    over the methods instead of favouring whichever runs first. A function
    with a true ``once`` attribute runs in the first round only.
    """
    times = [[] for _ in funcs]
    results = [None] * len(funcs)
    for _ in range(repeats):
        for i, func in enumerate(funcs):
            if getattr(func, "once", False) and times[i]:
                continue
            start = time.perf_counter()
            results[i] = func()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times], results


def write_results(name, title, details, header, rows):
    """Print the table and save it as results/NAME.csv and results/NAME.md."""
    table = markdown_table(header, rows)
    print(table)
    with open(RESULTS / f"{name}.csv", "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    (RESULTS / f"{name}.md").write_text(
        f"# {title}\n\n{machine()}; {details}\nCommand: `{command()}`\n\n{table}\n"
    )


def command():
    """The command line that ran this script, as the README would give it."""
    return shlex.join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def plain_autoencoder(n_features, hidden=(64, 32), code=8):
    """The hand-written reference network: d-64-32-8-32-64-d, ReLU."""
    widths = [n_features, *hidden, code]
    layers = []
    for sizes in (widths, widths[::-1]):
        for i, (n_in, n_out) in enumerate(pairwise(sizes)):
            layers.append(torch.nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def peak_memory(func):
    """Peak extra RSS and peak traced (Python/numpy) allocations of func()."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak RSS to the current RSS
    rss_before = _status("VmRSS:")
    tracemalloc.start()
    result = func()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return _status("VmHWM:") - rss_before, traced
