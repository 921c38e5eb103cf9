"""Report plots as PNG bytes: matplotlib's Agg backend, fixed size and no metadata, so same data = same bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

_RC: dict[RcKeyType, Any] = {"font.size": 10, "axes.spines.top": False, "axes.spines.right": False}


def _matplotlib() -> ModuleType:
    """matplotlib on the Agg backend, imported when a plot is first drawn: importing it costs about a
    second, and most processes that import the report module (test workers, grading runs without a
    report) never draw."""
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def score_histogram(percents: Sequence[float], mean: float | None = None) -> bytes:
    """Students per 10-point band of the percentage score (100% in the top band), the class mean marked."""
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(8, 3.2))
        ax = fig.add_subplot()
        bins = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001]
        ax.hist(list(percents), bins=bins, color="#3b6fb6", edgecolor="white")
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 10))
        ax.set_xlabel("score (%)")
        ax.set_ylabel("students")
        locator = ax.yaxis.get_major_locator()
        assert isinstance(locator, MaxNLocator)  # the default AutoLocator is one
        locator.set_params(integer=True)
        if mean is not None:
            ax.axvline(mean, color="#1d2330", linestyle="--", linewidth=1.5)
            ax.annotate(
                f"class mean {mean:.0f}%",
                xy=(mean, 1),
                xycoords=("data", "axes fraction"),
                xytext=(4, -4),
                textcoords="offset points",
                va="top",
                ha="left" if mean < 75 else "right",
                fontsize=9,
            )
        fig.tight_layout()
        return _png(fig)


def success_bars(
    labels: Sequence[str],
    correct: Sequence[float],
    partial: Sequence[float],
    incorrect: Sequence[float],
    invalid: Sequence[float],
    blank: Sequence[float],
) -> bytes:
    """Per problem, the share of students right, partly right, wrong, invalid and blank (stacked, in %)."""
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(8, 1.4 + 0.42 * max(len(labels), 1)))  # room for the legend and axis label
        ax = fig.add_subplot()
        y = list(range(len(labels)))
        left = [0.0] * len(labels)
        for values, color, name in (
            (correct, "#2e8b57", "correct"),
            (partial, "#d68910", "partly right"),
            (incorrect, "#c0392b", "incorrect"),
            (invalid, "#8e44ad", "invalid"),
            (blank, "#b8bec8", "blank or missing"),
        ):
            ax.barh(y, list(values), left=left, color=color, label=name, height=0.6)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(y, list(labels))
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of students")
        ax.set_ylabel("problem")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, frameon=False, fontsize=9)
        fig.tight_layout()
        return _png(fig)
