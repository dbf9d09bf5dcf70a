"""A cache of replay figures, so that no replay is ever run twice.

Keyed by (policy key, trace name, model key); stored as one JSON object per line in
CACHE_DIR/results.jsonl. A key names everything that changes a figure: a policy's
class and constants, the model's parameters (change the code of a policy and you
must change its key, e.g. with a version in it).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import CACHE_DIR  # noqa: E402
from lean import Figures  # noqa: E402

FILE = CACHE_DIR / "results.jsonl"
_CACHE: dict[tuple[str, str, str], Figures] | None = None


def _load() -> dict[tuple[str, str, str], Figures]:
    global _CACHE
    if _CACHE is None:
        _CACHE = {}
        if FILE.exists():
            for line in FILE.read_text().splitlines():
                row = json.loads(line)
                _CACHE[(row["policy"], row["trace"], row["model"])] = Figures(**row["figures"])
    return _CACHE


def get(policy: str, trace: str, model: str) -> Figures | None:
    return _load().get((policy, trace, model))


def put(policy: str, trace: str, model: str, figures: Figures) -> None:
    _load()[(policy, trace, model)] = figures
    FILE.parent.mkdir(parents=True, exist_ok=True)
    with FILE.open("a") as handle:
        handle.write(json.dumps({"policy": policy, "trace": trace, "model": model,
                                 "figures": asdict(figures)}) + "\n")
