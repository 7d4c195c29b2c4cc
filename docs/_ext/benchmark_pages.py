"""Sphinx extension: one page per benchmark result table.

The benchmark scripts in ``benchmarks/`` write their tables as Markdown to
``benchmarks/results/*.md`` (title, machine, the command that produced the
table, the tables), and some figures as PNG. At the start of every build
this extension turns each of those files into a MyST page in a git-ignored
folder (``benchmark_pages_dir``, default ``generated/benchmarks``): the
command that produced it in a box at the top, the measuring protocol from
the script's docstring, the tables, and the figures that belong to it. An
``index.md`` there groups the pages by topic. Nothing is committed, so the
pages always show the committed results.
"""

import ast
import re
import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

# Topic of each result file (by stem); files not listed go to "Other results".
GROUPS = {
    "Speed and memory": [
        "train",
        "train_images",
        "train_attention",
        "train_generation",
        "train_codebook",
        "train_segmentation",
        "score",
        "scaling",
        "memory",
        "dask_search",
    ],
    "Outlier detection quality": [
        "outliers",
        "outliers_cv",
        "outliers_sources",
        "outliers_holdout",
        "outliers_missing",
        "outliers_labels",
    ],
    "Missing values": ["imputation"],
    "Images: reduction and denoising": [
        "digits_reduction",
        "digits_denoising",
        "photos",
        "photos_diffusion",
    ],
    "Generation": ["generation_digits", "generation_conditional", "generation_table"],
    "Segmentation": ["segmentation", "segmentation_dice_cross_entropy", "segmentation_variants"],
    "Choice of defaults": ["architecture"],
}

# Figures written beside the tables: the page they belong to and the command
# that draws them. A PNG named like a table goes to that table's page.
FIGURES = {
    "outliers_roc.png": (
        "outliers",
        "python benchmarks/bench_outliers.py",
        "ROC-AUC of each method on each ODDS set.",
    ),
    "photos.png": (
        "photos",
        "python benchmarks/bench_photos.py --figure",
        "Noisy image, non-local means, BM3D and the U-Net denoiser.",
    ),
    "segmentation.png": (
        "segmentation",
        "python benchmarks/bench_segmentation.py --figure",
        "A test image of each data set, its hand-drawn mask, the random forest's and "
        "AESegmenter's segmentations.",
    ),
    "generation_digits.png": (
        "generation_digits",
        "python benchmarks/bench_generation.py --figure",
        "Held-out digits and samples of each model.",
    ),
    "generation_conditional.png": (
        "generation_conditional",
        "python benchmarks/bench_generation.py --parts conditional --seeds 0 --figure",
        "Three samples of each digit class from each model fitted with the classes.",
    ),
}

COMMAND = re.compile(r"\s*Command: `([^`]+)`")


def _script_docstring(results_dir, command):
    """The docstring of the benchmark script that ``command`` runs, or None."""
    match = re.search(r"benchmarks/(\w+\.py)", command)
    if match is None:
        return None
    script = Path(results_dir).parent / match.group(1)
    if not script.is_file():
        return None
    return ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))


def _page(stem, text, results_dir, figures):
    """The MyST source of the page for one result file."""
    lines = text.strip().splitlines()
    title = lines[0].lstrip("#").strip() if lines and lines[0].startswith("# ") else stem
    body = "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines)
    commands = COMMAND.findall(body)
    body = COMMAND.sub("", body).strip()
    out = [
        # The tables get the whole width: no outline column on the right.
        "---",
        "html_theme.sidebar_secondary.remove: true",
        "---",
        "",
        f"(benchmark-{stem.replace('_', '-')})=",
        f"# {title}",
        "",
    ]
    out += ["````{admonition} How this table was made", ":class: note", ""]
    if commands:
        out.append("This table was written by")
        out += ["", "```bash", *sorted(set(commands)), "```", ""]
    else:
        out.append("The command is not recorded in the result file.")
    saved = f"`benchmarks/results/{stem}.md`"
    if (Path(results_dir) / f"{stem}.csv").is_file():
        saved += f" (the numbers also in `{stem}.csv`)"
    out += [
        f"which saves it to {saved}. `make bench` reruns every benchmark, after "
        "installing the packages they compare against (the `benchmark` extra).",
        "````",
        "",
        body,
        "",
    ]
    for name, command, caption in figures:
        out += [
            f"```{{figure}} {name}",
            ":width: 100%",
            "",
            f"{caption} Drawn by `{command}`.",
            "```",
            "",
        ]
    docstring = _script_docstring(results_dir, commands[0]) if commands else None
    if docstring:
        script = re.search(r"benchmarks/\w+\.py", commands[0]).group(0)
        out += [
            "## How it is measured",
            "",
            f"From the docstring of `{script}`:",
            "",
            "```{eval-rst}",
            docstring,
            "```",
            "",
        ]
    return "\n".join(out)


def _index(stems):
    """The MyST source of the index page: the result pages grouped by topic."""
    out = [
        "(benchmarks)=",
        "# Benchmarks",
        "",
        "Every table here is a file in `benchmarks/results/`, written by one of the "
        "scripts in `benchmarks/`; each page names the command that produced it. "
        "`make bench` reruns them all (it installs PyOD, scikit-image and the other "
        "comparison packages first, and takes hours on a laptop). The numbers were "
        "measured on a shared 2-core CPU machine: compare ratios within one table "
        "rather than absolute times across tables.",
        "",
    ]
    groups = list(GROUPS.items())
    others = sorted(s for s in stems if not any(s in group for _, group in groups))
    for caption, group in [*groups, ("Other results", others)]:
        present = [stem for stem in group if stem in stems]
        if not present:
            continue
        out += ["```{toctree}", ":maxdepth: 1", f":caption: {caption}", ""]
        out += [*present, "```", ""]
    return "\n".join(out)


def _write_if_changed(path, text):
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate_pages(app):
    """Write the benchmark pages before Sphinx reads the sources."""
    results_dir = Path(app.config.benchmark_results_dir)
    out_dir = Path(app.srcdir) / app.config.benchmark_pages_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = sorted(results_dir.glob("*.md"))
    if not tables:
        logger.warning("benchmark_pages: no result tables in %s", results_dir)
    stems = [path.stem for path in tables]
    figures = {stem: [] for stem in stems}
    for png in sorted(results_dir.glob("*.png")):
        stem, command, caption = FIGURES.get(png.name, (png.stem, "", ""))
        if stem not in figures:
            logger.warning("benchmark_pages: no table page for figure %s", png.name)
            continue
        if not command:
            command, caption = f"python benchmarks/bench_{stem}.py", ""
        target = out_dir / png.name
        if not target.exists() or target.read_bytes() != png.read_bytes():
            shutil.copyfile(png, target)
        figures[stem].append((png.name, command, caption))
    wanted = {"index.md"} | {f"{stem}.md" for stem in stems}
    wanted |= {name for items in figures.values() for name, _, _ in items}
    for stale in out_dir.iterdir():
        if stale.name not in wanted and stale.is_file():
            stale.unlink()
    for path in tables:
        page = _page(path.stem, path.read_text(encoding="utf-8"), results_dir, figures[path.stem])
        _write_if_changed(out_dir / f"{path.stem}.md", page)
    _write_if_changed(out_dir / "index.md", _index(stems))


def setup(app):
    app.add_config_value("benchmark_results_dir", "", "env")
    app.add_config_value("benchmark_pages_dir", "generated/benchmarks", "env")
    app.connect("builder-inited", generate_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
