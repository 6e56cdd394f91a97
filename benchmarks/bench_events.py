"""Benchmark of the schedule events (issue 34): probabilistic branching and risk calendars against the plain engine.

Usage::

    python benchmarks/bench_events.py            # 1,000 activities x 10,000 iterations (target <= 1.5x)
    python benchmarks/bench_events.py --quick    # 200 x 2,000

The network is ``bench_risk.random_network`` (seeded, layered, ~2 FS
predecessors each), dated from 2027-01-04, plus 40 rework paths of two
activities: after 40 activities (branch points) a rework path (probability
0.3) feeds one of the point's successors; a quarter of the activities are
outdoor work on a weather risk calendar (a winter window, probability 0.6 a
year, work at 50 %; a 15-day stop somewhere in spring, probability 0.4).
Times the same ScheduleRiskModel (Latin hypercube, criticality, 2 threads):
plain (no branch table, no risk calendar: every path always exists), with
branches, with risk calendars, with both; each the best of ``--repeat`` runs,
all in the same process so that they see the same machine load. Prints the
ratios to the plain run (target: each <= 1.5x).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_risk import random_network  # noqa: E402

from pmo_analytics.risk import ScheduleRiskModel  # noqa: E402
from pmo_analytics.schedule import build_network  # noqa: E402


def event_network(n: int, points: int = 40, seed: int = 11):
    acts = random_network(n, max(4, n // 25), seed).drop(columns=["correlation_group"])
    rng = np.random.default_rng(seed)
    succ = {}
    for aid, text in zip(acts["activity_id"], acts["predecessors"]):
        for p in str(text or "").split(";"):
            if p:
                succ.setdefault(p, []).append(aid)
    cands = [a for a in acts["activity_id"] if a in succ]
    chosen = rng.choice(cands, size=min(points, len(cands)), replace=False)
    rows, branches = [], []
    preds = dict(zip(acts["activity_id"], acts["predecessors"]))
    for k, a in enumerate(chosen):
        r1, r2 = f"R{k:03d}a", f"R{k:03d}b"
        rows += [dict(activity_id=r1, name=r1, min_duration=3.0, most_likely=5.0, max_duration=10.0,
                      distribution="triangular", fixed_cost=5000.0, cost_rate=500.0, predecessors=a),
                 dict(activity_id=r2, name=r2, min_duration=2.0, most_likely=3.0, max_duration=6.0,
                      distribution="triangular", fixed_cost=2000.0, cost_rate=500.0, predecessors=r1)]
        s = succ[a][0]
        preds[s] = f"{preds[s]};{r2}"
        branches += [dict(activity_id=a, branch_id="pass", probability=0.7, path=None),
                     dict(activity_id=a, branch_id="rework", probability=0.3, path=f"{r1};{r2}")]
    acts["predecessors"] = acts["activity_id"].map(preds)
    acts = pd.concat([acts, pd.DataFrame(rows)], ignore_index=True)
    acts["risk_calendar_id"] = np.where(rng.random(len(acts)) < 0.25, "WX", None)
    rc = pd.DataFrame([dict(risk_calendar_id="WX", season_start="12-01", season_end="02-28", probability=0.6,
                            productivity=0.5),
                       dict(risk_calendar_id="WX", season_start="03-15", season_end="05-15", probability=0.4,
                            productivity=0.0, window_days=15)])
    dry = build_network(acts.drop(columns=["risk_calendar_id"]), start_date="2027-01-04")
    return build_network(acts, start_date="2027-01-04"), dry, pd.DataFrame(branches), rc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--activities", type=int, default=None)
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    n = args.activities or (200 if args.quick else 1000)
    N = args.iterations or (2000 if args.quick else 10_000)
    net, dry, branches, rc = event_network(n)  # dry: the same network without the weather
    print(f"{net!r}; {len(branches) // 2} branch points, {int(net.activities['risk_calendar_id'].notna().sum())} "
          f"activities on the weather calendar")
    runs = {"plain": {}, "branches": {"branches": branches}, "risk calendars": {"risk_calendars": rc},
            "both": {"branches": branches, "risk_calendars": rc}}
    best = {k: np.inf for k in runs}
    finish = {}
    for _ in range(args.repeat):  # interleaved rounds: every variant sees the same load
        for name, opts in runs.items():
            m = ScheduleRiskModel(net if "risk_calendars" in opts else dry, seed=3, iterations=N,
                                  threads=args.threads, **opts)
            t = time.perf_counter()
            m.run()
            best[name] = min(best[name], time.perf_counter() - t)
            finish[name] = np.quantile(m.finish_, [0.5, 0.8])
    base = best["plain"]
    for name in runs:
        print(f"{name:15s} {best[name]:7.3f} s  {best[name] / base:5.2f}x the plain engine  "
              f"({net.n * N / best[name] / 1e6:5.1f} M activity-iterations/s); P50/P80 finish "
              f"{finish[name][0]:.1f} / {finish[name][1]:.1f} working days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
