"""Tables in and out: reading and writing data files, checking paths, and the
feature pairs as a table, JSON or a picture."""

import os
import sys

from ._errors import PLOT_EXTRA, CommandError

TABLE_READERS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}
COMPRESSIONS = (".gz", ".bz2", ".zip", ".xz", ".zst")


# ------------------------------------------------------------------ tables
def _table_kind(path, what):
    name = os.fspath(path).lower()
    for suffix in COMPRESSIONS:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    kind = TABLE_READERS.get(os.path.splitext(name)[1])
    if kind is None:
        raise CommandError(
            f"{what} {os.fspath(path)!r}: unknown file type; use .csv, .tsv "
            "(optionally compressed: .csv.gz, ...) or .parquet."
        )
    return kind


def _check_input(path, what):
    if not os.path.exists(path):
        raise CommandError(f"{what} {path!r} does not exist.")
    if os.path.isdir(path):
        raise CommandError(f"{what} {path!r} is a directory, not a file.")


def _check_output(path, what):
    """Fail before any work when ``path`` cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CommandError(f"{what} {path!r}: the folder {folder!r} does not exist.")
    if os.path.isdir(path):
        raise CommandError(f"{what} {path!r} is a directory; give a file name.")


def read_table(path, what="data file"):
    """A CSV, TSV or Parquet file as a DataFrame (the type from the extension)."""
    import pandas as pd

    _check_input(path, what)
    kind = _table_kind(path, what)
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if kind == "tsv" else ",")
    except ImportError as error:
        raise CommandError(
            f"reading Parquet needs pyarrow ({PLOT_EXTRA}): {error}"
        ) from error
    except (ValueError, OSError) as error:  # pandas' parser errors are ValueErrors
        raise CommandError(f"cannot read {what} {path!r}: {error}") from error


def write_table(frame, path):
    """Write ``frame`` to ``path`` (type from the extension) or, for "-", stdout."""
    if path == "-":
        frame.to_csv(sys.stdout, index=False)
        return
    kind = _table_kind(path, "output file")
    try:
        if kind == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False, sep="\t" if kind == "tsv" else ",")
    except ImportError as error:
        raise CommandError(
            f"writing Parquet needs pyarrow ({PLOT_EXTRA}): {error}"
        ) from error


def _listed(names, limit=8):
    names = [str(name) for name in names]
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _count(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


def feature_frame(frame, source):
    """The feature columns as the estimators take them: numbers, text and
    categories, with or without missing values (text columns are categorical)."""
    if frame.shape[1] == 0:
        raise CommandError(f"{source} has no feature columns left.")
    return frame


def interactions_table(pairs):
    """The pairs of ``top_interactions`` as text, ranked from 1."""
    pairs = pairs.copy()
    pairs.insert(0, "rank", range(1, len(pairs) + 1))
    return pairs.to_string(index=False, float_format=lambda value: f"{value:.4f}")


def interactions_json(pairs):
    """The pairs of ``top_interactions`` as a JSON list of objects."""
    import json

    records = [
        {"rank": rank, "feature_a": a, "feature_b": b, "weight": float(weight)}
        for rank, (a, b, weight) in enumerate(pairs.itertuples(index=False), start=1)
    ]
    return json.dumps(records, indent=2)


def draw_graph(graph, path, *, top=20, plot="both", title=None):
    """Write the feature graph ``graph`` (an F x F frame) to an image file.

    ``plot`` is "heatmap" (the whole graph), "network" (the ``top`` strongest
    pairs) or "both", side by side. The Agg backend is used: no display needed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise CommandError(
            f"drawing the graph needs matplotlib ({PLOT_EXTRA})."
        ) from error
    if plot != "heatmap":
        try:
            import networkx  # noqa: F401
        except ImportError as error:
            raise CommandError(
                f"the network plot needs networkx ({PLOT_EXTRA}); or use "
                "--plot heatmap."
            ) from error
    from ..plotting import plot_feature_graph, plot_feature_network

    side = min(16.0, max(4.5, 2.5 + 0.28 * len(graph)))
    panels = ["heatmap", "network"] if plot == "both" else [plot]
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(side * len(panels) + 1.0, side),
        squeeze=False,
        layout="constrained",
    )
    try:
        for ax, panel in zip(axes[0], panels, strict=True):
            if panel == "heatmap":
                plot_feature_graph(graph, ax=ax)
            else:
                plot_feature_network(graph, k=top, ax=ax)
                ax.margins(x=0.2, y=0.05)  # room for the labels of the outer nodes
                ax.set_aspect("equal", adjustable="datalim")
        if title:
            figure.suptitle(title)
        figure.savefig(path, dpi=100, bbox_inches="tight")
    except ValueError as error:  # matplotlib: unknown image format
        raise CommandError(f"cannot write {path!r}: {error}") from error
    finally:
        plt.close(figure)
