"""Files the advice writes: per-table CSVs and plots (``--output-dir``) and a config
file the daemon loads (``--write-config``)."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from dynamic_dynamodb.advise.recommend import ResourceAdvice, TableAdvice
from dynamic_dynamodb.advise.render import (
    dimension_setting,
    prices_text,
    settings_text,
    to_json,
)
from dynamic_dynamodb.advise.replay import (
    CURRENT,
    TARGET_GLOBAL_SETTINGS,
    TARGET_TABLE_SETTINGS,
    Replay,
    native_key,
)
from dynamic_dynamodb.core.types import Dimension

if TYPE_CHECKING:
    from dynamic_dynamodb.advise.command import AdviceRun

CSV_FIELDS = ["time", "resource", "dimension", "has_data", "demand", "consumed",
              "throttle_events", "provisioned_now", "provisioned_target",
              "provisioned_native", "provisioned_config", "provisioned_advised"]


def _file_name(table: str, suffix: str) -> str:
    # DynamoDB table names are [A-Za-z0-9_.-]; anything else is replaced all the same.
    return re.sub(r"[^A-Za-z0-9_.-]", "_", table) + suffix


def _replays(run: AdviceRun, resource: ResourceAdvice,
             dim: Dimension) -> dict[str, Replay | None]:
    outcome = run.outcomes[(resource.resource, dim)]
    d = resource.reads if dim is Dimension.READS else resource.writes
    table = next(t for t in run.tables if resource in t.resources)
    chosen = resource.chosen_key(d) if table.provisioned else None
    return {
        "now": outcome.get(CURRENT),
        "target": outcome.get(d.target_key) if d.target_key else None,
        "native": outcome.get(native_key(run.options.native_target)),
        "config": outcome.get("config"),
        "advised": outcome.get(chosen) if chosen else None,
    }


def _at(replay: Replay | None, m: int) -> int | str:
    return "" if replay is None else replay.provisioned[m]


def write_csv(run: AdviceRun, table: TableAdvice, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for resource in table.resources:
            h = resource.history
            for dim in Dimension:
                dh = h.of(dim)
                replays = _replays(run, resource, dim)
                for m in range(h.minutes):
                    writer.writerow([
                        (h.start + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%MZ"),
                        str(resource.resource), dim.value, int(h.covered[m]),
                        f"{dh.demand[m]:.6g}", f"{dh.consumed[m]:.6g}",
                        f"{dh.throttle_events[m]:.6g}",
                        *(_at(replays[k], m)
                          for k in ("now", "target", "native", "config", "advised")),
                    ])


def plot_table(run: AdviceRun, table: TableAdvice, path: Path) -> None:
    """Per table and GSI dimension with demand: demand, what was provisioned, what the
    target mode would have provisioned, and the target mode's throttled minutes."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never a window
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    panels = [(r, dim) for r in table.resources for dim in Dimension
              if r.history.of(dim).has_demand]
    panels = panels or [(table.resources[0], Dimension.READS)]
    fig, axes = plt.subplots(len(panels), 1, figsize=(14, 3.2 * len(panels)), dpi=100,
                             squeeze=False, sharex=True)
    for ax, (resource, dim) in zip(axes[:, 0], panels, strict=True):
        h = resource.history
        times = mdates.date2num([h.start + timedelta(minutes=m) for m in range(h.minutes)])
        replays = _replays(run, resource, dim)
        ax.plot(times, h.of(dim).demand, lw=0.6, color="0.35", label="demand (consumed + "
                                                                     "throttled)")
        styles = [("now", "tab:blue", "provisioned now"),
                  ("target", "tab:green", "target mode would provision")]
        for key, colour, label in styles:
            replay = replays[key]
            if replay is not None:
                ax.step(times, replay.provisioned, where="post", lw=0.9, color=colour,
                        label=f"{label}" + (f" ({replay.target:g} %)" if replay.target else ""))
        target = replays["target"]
        if target is not None:
            hot = [m for m in range(h.minutes) if target.throttled[m] > 0 and h.covered[m]]
            if hot:
                ax.scatter([times[m] for m in hot], [h.of(dim).demand[m] for m in hot], s=8,
                           color="red", zorder=5, label="throttled under target mode")
        gaps = [m for m in range(h.minutes) if not h.covered[m]]
        if gaps:
            ax.scatter([times[m] for m in gaps], [0.0] * len(gaps), s=4, color="orange",
                       marker="|", label="no data (gap)")
        ax.set_title(f"{resource.resource} {dim.value}", fontsize=9, loc="left")
        ax.set_ylabel("units / s")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=7)
    bottom = axes[-1, 0]
    bottom.xaxis_date()
    bottom.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(bottom.xaxis.get_major_locator()))
    bottom.set_xlabel("UTC")
    recommended = table.total_recommended()
    # "\$": a bare dollar sign starts matplotlib's math text.
    fig.suptitle(f"{table.table}: advised {settings_text(table, table.resources[0])} "
                 f"(\\${recommended.dollars_per_month:,.2f}/month, now "
                 f"\\${table.total_current().dollars_per_month:,.2f}/month)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_output_dir(run: AdviceRun, directory: str | Path) -> list[Path]:
    """Per table ``<table>.csv`` and ``<table>.png``, and ``advice.json`` (what --json
    prints)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    document = out / "advice.json"
    document.write_text(to_json(run) + "\n", encoding="utf-8")
    written = [document]
    for table in run.tables:
        csv_path = out / _file_name(table.table, ".csv")
        write_csv(run, table, csv_path)
        png_path = out / _file_name(table.table, ".png")
        plot_table(run, table, png_path)
        written += [csv_path, png_path]
    return written


# -- --write-config -------------------------------------------------------------------
def _figures_comment(resource: ResourceAdvice, table: TableAdvice) -> list[str]:
    lines = []
    for d in resource.dimensions:
        chosen = resource.chosen_key(d)
        f = d.policies.get(chosen) if chosen else None
        advised = (f"${f.dollars_per_month:,.2f}/month, throttled {f.throttled_percent:.4f} %"
                   if f else "-")
        lines.append(
            f"# {d.dimension.value}: demand mean {d.mean_demand:,.2f}, peak {d.peak_demand:,.2f} "
            f"units/s; advised {advised}; now ${d.current.dollars_per_month:,.2f}/month, "
            f"throttled {d.current.throttled_percent:.4f} %; on-demand "
            f"${d.on_demand_dollars_per_month:,.2f}/month")
    return lines


def _section_lines(resource: ResourceAdvice, table: TableAdvice) -> list[str] | None:
    """A section's option lines, or None when the resource needs no section."""
    lines = []
    targeted = False
    for d in resource.dimensions:
        s = dimension_setting(resource, d)
        if s["policy"] == "target":
            targeted = True
            lines.append(f"target-{d.dimension.value}-utilisation: {s['target_utilisation']:g}")
        else:
            why = ("keep what scales it now" if s["policy"] == "keep"
                   else "keep your configuration's settings")
            lines.append(f"enable-{d.dimension.value}-autoscaling: false  # {why}")
    return lines if targeted else None


def _key(name: str) -> str:
    return f"^{re.escape(name)}$"


def config_text(run: AdviceRun, now: datetime | None = None) -> tuple[str, bool]:
    """The config file, and whether it manages any table."""
    now = now or datetime.now(timezone.utc)
    w = run.window
    out = [
        f"# Written by dynamic-dynamodb advise on {now:%Y-%m-%d %H:%M} UTC, from "
        f"{run.options.days} days of {w.resolution // 60}-minute CloudWatch data",
        f"# ({w.start:%Y-%m-%d %H:%M} to {w.end:%Y-%m-%d %H:%M} UTC), at "
        f"{prices_text(run.prices)}; $/month = 730 hours.",
        f"# Each figure was replayed in the simulator's model; the advice keeps throttling "
        f"within {run.options.max_throttled_percent:g} % of demand or no worse than now.",
        "",
        "[global]",
        f"region: {run.region}",
        *(f"{k}: {v}" for k, v in TARGET_GLOBAL_SETTINGS.items()),
        "",
        "[default_options]",
        *(f"{k}: {v}" for k, v in TARGET_TABLE_SETTINGS.items()),
    ]
    managed = False
    for table in run.tables:
        total = table.total_recommended()
        current = table.total_current()
        out += ["", f"# {table.table}: {table.billing_mode} now "
                    f"(${current.dollars_per_month:,.2f}/month, throttled "
                    f"{current.throttled_percent:.4f} %); advised "
                    f"{table.recommended_billing_mode} (${total.dollars_per_month:,.2f}/month,"
                    f" throttled {total.throttled_percent:.4f} %); confidence "
                    f"{table.confidence.level}: {table.confidence.note}"]
        if not table.provisioned:
            out += [f"# {note}" for note in table.notes]
            out.append("# not managed here: advised on-demand")
            continue
        sections = [(r, _section_lines(r, table)) for r in table.resources]
        if all(lines is None for _, lines in sections):
            out.append("# not managed here: no part of it is advised the target mode")
            continue
        managed = True
        base, base_lines = sections[0]
        out += _figures_comment(base, table)
        out.append(f"[table: {_key(table.table)}]")
        out += base_lines or [f"enable-{d.value}-autoscaling: false" for d in Dimension]
        for resource, lines in sections[1:]:
            if lines is None:
                continue
            assert resource.resource.index is not None
            out += ["", *_figures_comment(resource, table),
                    f"[gsi: {_key(resource.resource.index)} table: {_key(table.table)}]",
                    *lines]
    return "\n".join(out) + "\n", managed


def write_config(run: AdviceRun, path: str | Path) -> bool:
    """Write the config file; returns whether it manages any table."""
    text, managed = config_text(run)
    Path(path).write_text(text, encoding="utf-8")
    return managed
