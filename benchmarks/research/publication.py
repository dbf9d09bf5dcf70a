"""How CloudWatch's late and lost minutes (simulate/model.py CLOUDWATCH_LATE) change
the figures: native 70 % and 90 % (stricter variant), the target mode through the
daemon's decide(), and the research policy (both read a minute without a datapoint
by core/minutes.py's rule: unknown until a later minute arrives or the publication
allowance has passed).

    python benchmarks/research/publication.py [--set tuning|validation]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
import corpus  # noqa: E402
import menu_eval  # noqa: E402
import results  # noqa: E402
from lean import Figures, figures, run_core  # noqa: E402

from dynamic_dynamodb.config.loader import from_command_line  # noqa: E402
from dynamic_dynamodb.simulate.model import CLOUDWATCH_LATE, ModelParams  # noqa: E402
from dynamic_dynamodb.simulate.runner import DEFAULT_TABLE  # noqa: E402

LATE = CLOUDWATCH_LATE
MENU = ["v1", "f1", "spiky75", "smooth"]
DAYS, MARGIN = 14, 0.1


def current_target(case: corpus.Case, params: ModelParams) -> Figures:
    key, mkey = "core-target-90-check60-7-5", baselines.model_key(params)
    cached = results.get(key, case.name, mkey)
    if cached is not None:
        return cached
    config = from_command_line(f"^{DEFAULT_TABLE}$", {"scaling-mode": "target",
                                                      "lookback-window-start": "7",
                                                      "lookback-period": "5"},
                               {"check-interval": "60"}, {}, runtime={"dry_run": False})
    t0 = time.perf_counter()
    f = figures(run_core(corpus.load(case), config, params), time.perf_counter() - t0)
    results.put(key, case.name, mkey, f)
    return f


def adaptive(case: corpus.Case, late: bool) -> Figures:
    key = menu_eval.menu_key(MENU, DAYS, MARGIN)
    mkey = baselines.model_key(LATE) if late else "default"
    cached = results.get(key, case.name, mkey)
    if cached is not None:
        return cached
    cache = menu_eval.load_cache()
    f, _ = menu_eval.run(MENU, case, cache, late, DAYS, MARGIN)
    menu_eval.save_cache(cache)
    results.put(key, case.name, mkey, f)
    return f


def cell(f: Figures) -> str:
    return f"{f.throttled_percent:.4f} % {f.cost_ratio:.3f}x"


def main(argv: list[str]) -> int:
    group = argv[argv.index("--set") + 1] if "--set" in argv else None
    print("| trace | policy | plain lag | late and lost minutes |")
    print("|---|---|---|---|")
    for case in corpus.cases(group):
        rows = [
            ("native 70 %", baselines.native(case, 70.0), baselines.native(case, 70.0, LATE)),
            ("native 90 %", baselines.native(case, 90.0), baselines.native(case, 90.0, LATE)),
            ("target mode", current_target(case, ModelParams()),
             current_target(case, LATE)),
            ("self-tuning research policy", adaptive(case, False), adaptive(case, True)),
        ]
        for name, plain, late in rows:
            print(f"| {case.name} | {name} | {cell(plain)} | {cell(late)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
