"""``simulate --sweep``: where each choice of target utilisation sits on one trace.

AWS native target tracking at 40 to 90 % and the target mode at several targets run
on the same trace and model; the result is a table and, with --plot, a frontier plot
(throttled % of demand against cost x oracle). Native runs in its ``STRICTER``
variant (core/native_rule.py), the one every comparison of this project uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dynamic_dynamodb.core.native_rule import STRICTER
from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.settings import Config
from dynamic_dynamodb.simulate import report
from dynamic_dynamodb.simulate.model import ModelParams
from dynamic_dynamodb.simulate.runner import PolicySpec, Progress, run_policy
from dynamic_dynamodb.simulate.trace import Trace

NATIVE_TARGETS = (40.0, 50.0, 60.0, 70.0, 80.0, 90.0)
# The target mode's constants are stated for 90 % (core/target_rule.py DESIGN_TARGET);
# other targets scale them.
MODE_TARGETS = (70.0, 80.0, 90.0, 100.0)
NATIVE = "AWS native"
MODE = "target mode"

# The configuration with the target mode at a target utilisation (percent).
Configure = Callable[[float], Config]


@dataclass(frozen=True)
class Point:
    """One run of the sweep."""

    family: str  # NATIVE or MODE
    target: float
    summary: report.Summary


def specs(configure: Configure) -> list[tuple[str, float, PolicySpec]]:
    """Every run of a sweep: (family, target, what to run)."""
    out = [(NATIVE, t, PolicySpec(f"{NATIVE} {t:g} %",
                                  native=dataclasses.replace(STRICTER, target_percent=t)))
           for t in NATIVE_TARGETS]
    out += [(MODE, t, PolicySpec(f"{MODE} {t:g} %", config=configure(t)))
            for t in MODE_TARGETS]
    return out


def run_sweep(trace: Trace, configure: Configure, dimension: Dimension, start: int,
              model: ModelParams, table: str, progress: Progress | None = None
              ) -> list[Point]:
    oracle = report.oracle_unit_minutes(trace)
    points = []
    for family, target, spec in specs(configure):
        run = run_policy(spec, trace, dimension, start, model, table, progress)
        points.append(Point(family, target, report.summarize(run, oracle, dimension)))
    return points


def table_text(points: Sequence[Point]) -> str:
    """A Markdown table, one row per run, natives first."""
    lines = ["| policy | target % | throttled % of demand | cost x oracle | $/month |",
             "|---|---:|---:|---:|---:|"]
    for p in points:
        s = p.summary
        lines.append(f"| {p.family} | {p.target:g} | {s.throttled_percent or 0:.4f} | "
                     f"{s.cost_ratio:.3f} | {s.dollars_per_month:,.2f} |")
    return "\n".join(lines)


def plot_frontier(points: Sequence[Point], path: str | Path, title: str = "") -> None:
    """Throttled % (x, symmetric log: 0 is a value) against cost x oracle (y), a line
    per family, each point labelled with its target."""
    from dynamic_dynamodb.simulate.plot import require_matplotlib, save

    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")  # files only; never a window
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=100)
    for family, colour, marker in ((NATIVE, "tab:orange", "s"), (MODE, "tab:blue", "o")):
        mine = [p for p in points if p.family == family]
        xs = [p.summary.throttled_percent or 0.0 for p in mine]
        ys = [p.summary.cost_ratio for p in mine]
        ax.plot(xs, ys, marker=marker, color=colour, label=family)
        for p, x, y in zip(mine, xs, ys, strict=True):
            ax.annotate(f"{p.target:g} %", (x, y), textcoords="offset points",
                        xytext=(5, 4), fontsize=8, color=colour)
    smallest = min((p.summary.throttled_percent or 0.0 for p in points
                    if (p.summary.throttled_percent or 0.0) > 0), default=0.001)
    ax.set_xscale("symlog", linthresh=smallest)
    ax.set_xlim(left=0)  # throttling is never negative
    ax.set_xlabel("throttled % of demand (lower is better)")
    ax.set_ylabel("cost x oracle (lower is better)")
    ax.grid(alpha=0.3, which="both")
    save(fig, ax, path, title, legend="upper right", fontsize=9)
