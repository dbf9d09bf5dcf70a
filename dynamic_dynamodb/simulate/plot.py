"""``--plot``: demand and provisioned capacity over time, throttled minutes marked.

matplotlib is an optional extra (``pip install 'dynamic-dynamodb[plot]'``); it is
imported only here, and only when a plot is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dynamic_dynamodb.simulate.runner import PolicyRun


class PlotUnavailable(Exception):
    """matplotlib is not installed."""


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install "
                              "'dynamic-dynamodb[plot]'") from None


def save(fig: Any, ax: Any, path: str | Path, title: str, legend: str,
         fontsize: int) -> None:
    """Legend, title, and the figure written to ``path`` (then closed: many plots in one
    process must not pile up)."""
    import matplotlib.pyplot as plt

    ax.legend(loc=legend, fontsize=fontsize)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_runs(runs: Sequence[PolicyRun], path: str | Path, title: str = "",
              first_minute: int = 0, minutes: int | None = None) -> None:
    """Demand, and each run's provisioned capacity, for minutes [first, first + minutes).

    Throttled minutes of the first run are marked in red on the demand curve.
    """
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")  # files only; never a window
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    main = runs[0].table
    total = len(main.demand)
    first = max(0, min(first_minute, total - 1))
    last = total if minutes is None else min(total, first + minutes)
    span = range(first, last)
    times = mdates.date2num([main.time_of(m) for m in span])

    fig, ax = plt.subplots(figsize=(14, 5), dpi=100)
    ax.plot(times, [main.demand[m] for m in span], lw=0.6, color="0.35", label="demand")
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
    for run, colour in zip(runs, colours, strict=False):
        t = run.table
        ax.step(times, [t.provisioned[m] for m in span], where="post", lw=0.9, color=colour,
                label=f"provisioned: {run.name}")
    throttled = [m for m in span if main.throttle_events[m] > 0]
    if throttled:
        ax.scatter(mdates.date2num([main.time_of(m) for m in throttled]),
                   [main.demand[m] for m in throttled],
                   s=10, color="red", zorder=5,
                   label=f"throttled minute ({runs[0].name})")
    ax.xaxis_date()
    ax.set_ylabel("capacity units / s")
    ax.set_xlabel("UTC")
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    save(fig, ax, path, title, legend="upper left", fontsize=8)
