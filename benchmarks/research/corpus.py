"""The traces of the policy research, split once into tuning and validation sets.

The split was fixed before any search (see benchmarks/research/README.md):

* tuning: worldcup98 (real, 1-minute), the synthetic daily cycle + sales of
  benchmarks/synthetic_trace.py (its seed 20240304), and seed 1 of the generated
  kinds flash, nightly, hourly, walk, spiky5;
* validation: NAB ELB 8c0756 (real, 5-minute, ``--step 5 --scale 20``; never looked
  at during the search), the ``weekly`` kind (a kind never tuned on), and seed 2 of
  every generated kind.

The public traces are read where they are (``--traces-dir``), never copied; generated
ones are written once to a cache directory and read back with the simulator's own
reader, so every figure is for exactly what ``dynamic-dynamodb simulate`` would read.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent))

import trace_generators  # noqa: E402

from dynamic_dynamodb.simulate.trace import Trace, read_trace  # noqa: E402

TRACES_DIR = Path(os.environ.get("DDB_TRACES_DIR", "/work/shared/traces"))
CACHE_DIR = Path(os.environ.get("DDB_RESEARCH_CACHE",
                                Path.home() / ".cache" / "dynamic-dynamodb-research"))

TUNING = "tuning"
VALIDATION = "validation"


@dataclass(frozen=True)
class Case:
    """One trace of the research: a public file or a generated kind and seed."""

    name: str
    group: str
    path: str = ""  # relative to TRACES_DIR, for a public trace
    kind: str = ""  # trace_generators kind, for a generated trace
    seed: int = 0
    step: int = 1
    scale: float = 1.0

    def file(self) -> Path:
        if self.path:
            return TRACES_DIR / self.path
        out = CACHE_DIR / "traces" / f"{self.kind}-s{self.seed}.csv.gz"
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp.gz")
            trace_generators.write_csv(tmp, trace_generators.generate(self.kind, self.seed))
            tmp.replace(out)
        return out

    def load(self) -> Trace:
        return read_trace(self.file(), self.step, self.scale)


GENERATED_TUNING = ("sales", "flash", "nightly", "hourly", "walk", "spiky5")

CASES: tuple[Case, ...] = (
    Case("worldcup98", TUNING, path="worldcup98/invocation_count.csv.gz"),
    Case("sales-s20240304", TUNING, kind="sales", seed=trace_generators.synthetic_trace.SEED),
    *(Case(f"{k}-s1", TUNING, kind=k, seed=1) for k in GENERATED_TUNING[1:]),
    Case("nab", VALIDATION, path="nab/elb_request_count_8c0756.csv", step=5, scale=20),
    Case("weekly-s1", VALIDATION, kind="weekly", seed=1),
    *(Case(f"{k}-s2", VALIDATION, kind=k, seed=2) for k in (*GENERATED_TUNING, "weekly")),
)


def cases(group: str | None = None, names: list[str] | None = None) -> list[Case]:
    chosen = [c for c in CASES if group is None or c.group == group]
    if names:
        chosen = [c for c in chosen if c.name in names]
    return chosen


_LOADED: dict[str, Trace] = {}


def load(case: Case) -> Trace:
    if case.name not in _LOADED:
        _LOADED[case.name] = case.load()
    return _LOADED[case.name]
