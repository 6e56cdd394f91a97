"""Benchmark of minimum-cost recovery (issue 34): the time-cost LP and the recovery at a confidence level.

Usage::

    python benchmarks/bench_recovery.py            # 1,000 activities: deterministic and 1,000 scenarios
    python benchmarks/bench_recovery.py --quick    # 200 activities (seconds)
    python benchmarks/bench_recovery.py --sp10     # also the real P6 schedule SP10 (3,991 activities, Java)

Prints, on a seeded layered network (``bench_risk.random_network``: ~2 FS
predecessors per activity) with crash limits of 10-40 % of each duration:

* the deterministic recovery (``schedule.crash``: build the LP from the
  network's compiled passes, solve with HiGHS, confirm by the forward pass)
  to a target 10 % before the plan's finish — target < 1 s at 1,000
  activities — and the whole time-cost curve (exact breakpoints);
* the recovery at 80 % confidence (``risk.Recovery``) on 1,000 in-sample
  scenarios and 10,000 validation scenarios, curve off — target < 30 s at
  1,000 activities x 1,000 scenarios on 2 cores — with the time of the
  simulation that draws the scenarios in the same run (the baseline), the
  cutting-plane rounds and LP solves, and the confidence before / after;
* the same with the curve "cost to recover vs confidence" (6 levels).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_risk import random_network  # noqa: E402

from pmo_analytics.risk import Recovery, ScheduleRiskModel  # noqa: E402
from pmo_analytics.schedule import build_network, crash, time_cost_curve  # noqa: E402


def network(n: int, seed: int = 7):
    acts = random_network(n, max(4, n // 25), seed)
    rng = np.random.default_rng(seed + 1)
    acts["crash_limit"] = (acts["most_likely"] * rng.uniform(0.1, 0.4, n)).round(1)
    acts["crash_cost_rate"] = rng.uniform(500, 5000, n).round(0)
    return build_network(acts)


def timed(fn, repeat: int = 1):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--activities", type=int, default=None)
    ap.add_argument("--scenarios", type=int, default=1000)
    ap.add_argument("--validation", type=int, default=10_000)
    ap.add_argument("--sp10", action="store_true", help="also crash the real P6 schedule SP10 (needs Java)")
    args = ap.parse_args(argv)
    n = args.activities or (200 if args.quick else 1000)
    net = network(n)
    base = ScheduleRiskModel(net, seed=5, iterations=args.scenarios, criticality=False).run()
    det = base.deterministic_finish_
    target = round(det * 0.9, 1)
    t, plan = timed(lambda: crash(net, target), repeat=3)
    print(f"network: {net!r}")
    print(f"deterministic recovery to {target} (plan {det:.1f}): {t:.3f} s (best of 3; target < 1 s at 1,000 "
          f"activities) -> {plan!r}")
    t, curve = timed(lambda: time_cost_curve(net))
    print(f"time-cost curve: {len(curve)} breakpoints from {curve['finish'].iloc[0]:.1f} to "
          f"{curve['finish'].iloc[-1]:.1f}, {t:.2f} s")
    p80 = float(np.quantile(base.finish_, 0.8))
    T = round(det + 0.4 * (p80 - det), 1)  # a commitment between the plan and its P80
    t_mc, _ = timed(lambda: ScheduleRiskModel(net, seed=5, iterations=args.scenarios + args.validation,
                                              criticality=False, store_samples=(args.scenarios + args.validation)
                                              * n).run())
    t, rec = timed(lambda: Recovery(net, target=T, confidence=0.8, seed=5, scenarios=args.scenarios,
                                    validation=args.validation, curve=()).run())
    s = rec._saa
    print(f"recovery at 80 % to {T} ({n} activities x {args.scenarios} scenarios, {args.validation} to validate): "
          f"{t:.2f} s (target < 30 s at 1,000 x 1,000 on 2 cores); the simulation of its "
          f"{args.scenarios + args.validation} scenarios alone {t_mc:.2f} s; {s.rounds} cutting-plane rounds, "
          f"{s.lp_solves} LP solves; confidence {rec.confidence_before_:.1%} -> {rec.confidence_after_:.1%} "
          f"(Wilson 95 % {rec.interval_after_[0]:.1%}-{rec.interval_after_[1]:.1%}), in sample "
          f"{rec.in_sample_after_:.1%} at level {rec.in_sample_level_:.3f}; cost {rec.cost_:,.0f}, "
          f"{len(rec.crashed_)} activities crashed")
    t, rec = timed(lambda: Recovery(net, target=T, confidence=0.8, seed=5, scenarios=args.scenarios,
                                    validation=args.validation).run())
    print(f"... with the curve at {', '.join(f'{c:.0%}' for c in rec.curve)}: {t:.2f} s")
    print(rec.curve_.to_string(index=False))
    if args.sp10:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from test_crashing import real_network

        big = real_network("SP10_COST_LOADED.xer")
        from pmo_analytics.schedule import cpm

        f0 = float(cpm(big)["early_finish"].max())
        t, p = timed(lambda: crash(big, f0 - 10))
        print(f"SP10 ({big.n} activities, {len(big.links)} links, calendars linearised): crash 10 days {t:.2f} s "
              f"-> {p!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
