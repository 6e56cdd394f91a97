"""Workshop what-if round trip (answer + charts), at the sample's size or an enterprise one: target < 2 s.

    python benchmarks/bench_workshop.py                 # the sample (52 candidates)
    python benchmarks/bench_workshop.py --scale 10      # generate_sample.py --scale 10 (520 candidates)
    python benchmarks/bench_workshop.py --data DIR      # your own portfolio
    python benchmarks/bench_workshop.py --scale 10 --refine   # also time the background refinement

A round trip is what one widget change does before the room sees the answer:
:meth:`WorkshopPanel.apply` (the anytime answer within the panel's time budget,
started from the portfolio in the room: carried, repaired, HiGHS root pass,
LP bound) and the frontier (LP bound curve), roadmap and capacity charts
rendered to SVG. Each answer's status words are printed beside its time.
The baseline measured in the same run is the same question answered by the
deterministic solve of a record (``time_budget=None``: what every what-if
did before), on the first two levers.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pmo_analytics as pmo
from pmo_analytics.exceptions import InfeasiblePortfolioError, SolverWarning
from pmo_analytics.workshop import WorkshopPanel, chart_svg

ROOT = Path(__file__).resolve().parents[1]


def levers_for(panel: WorkshopPanel, base) -> list[dict]:
    """The questions of the benchmark: budget down and up, more people, a project out, a project in."""
    pf = base.selector.portfolio_
    funded = pf[pf["selected"] & ~pf["mandatory"]].sort_values("base_value")
    left = pf[~pf["selected"]].sort_values("base_value", ascending=False)
    skill = base.selector.data_.skills[0] if base.selector.data_.skills else None
    out = [dict(budget_scale=0.9), dict(budget_scale=1.1)]
    if skill is not None:
        out.append(dict(capacity_delta={skill: 2.0}))
    if len(funded):
        out.append(dict(force_out=(funded.index[0],)))
    if len(left):
        out.append(dict(force_in=(left.index[0],)))
    out += [dict(budget_scale=0.8), dict(objective="npv")]
    return out


def round_trip(panel: WorkshopPanel, levers: dict):
    """Seconds to the answer on the screen, and the answer (None when no portfolio fits: the room is shown the
    conflicting constraints instead, which is part of the round trip)."""
    t0 = time.perf_counter()
    try:
        r = panel.apply(**levers)
    except InfeasiblePortfolioError:
        return time.perf_counter() - t0, None
    panel.pictures(r)  # the charts as SVG, as the widget draws them
    return time.perf_counter() - t0, r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1, help="generate_sample.py --scale N (1 = the bundled sample)")
    ap.add_argument("--data", default=None, help="a portfolio folder or workbook instead of the sample")
    ap.add_argument("--rounds", type=int, default=1, help="repeats of the lever list (fresh panel each round)")
    ap.add_argument("--budget", type=float, default=None, help="the panel's time budget [s] (default the panel's)")
    ap.add_argument("--refine", action="store_true", help="also time each answer's deterministic refinement")
    ap.add_argument("--no-baseline", action="store_true", help="skip the deterministic baseline")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", SolverWarning)
    with tempfile.TemporaryDirectory(prefix="pmo-ws-") as tmp:
        if args.data:
            pf = pmo.read_portfolio(args.data)
        elif args.scale > 1:
            subprocess.run([sys.executable, str(ROOT / "data" / "generate_sample.py"), "--scale", str(args.scale),
                            "--out", f"{tmp}/data"], check=True, capture_output=True)
            pf = pmo.read_portfolio(f"{tmp}/data")
        else:
            pf = pmo.load_sample()
        opts = {} if args.budget is None else {"time_budget": args.budget}
        n = len(pf.projects_in("proposal"))
        times, words = [], []
        for k in range(args.rounds):
            panel = WorkshopPanel(pf, **opts)
            t0 = time.perf_counter()
            base = panel.refine(panel.apply())  # the base case the room starts from (the record's solve)
            chart_svg(panel.charts(base)["roadmap"])  # warm-up: vl-convert
            print(f"round {k + 1}: {n} candidates; base case {base.numbers['status']}, "
                  f"value {base.numbers['value']:,.0f} ({time.perf_counter() - t0:.1f} s, not timed)")
            for lv in levers_for(panel, base):
                dt, r = round_trip(panel, lv)
                times.append(dt)
                if r is None:
                    words.append("infeasible")
                    print(f"  {dt:5.2f} s  {'infeasible (conflicts named)':<28} {'':>22}  {lv}", flush=True)
                    continue
                words.append(r.numbers["status"])
                line = f"  {dt:5.2f} s  {r.numbers['status']:<28} value {r.numbers['value']:>16,.0f}  {lv}"
                if args.refine and not r.refined:
                    t1 = time.perf_counter()
                    f = panel.refine(r)
                    line += (f"\n           refined in {time.perf_counter() - t1:.1f} s: {f.numbers['status']}, "
                             f"value {f.numbers['value']:,.0f} ({f.numbers['value'] - r.numbers['value']:+,.0f})")
                print(line, flush=True)
        med, worst = statistics.median(times), max(times)
        print(f"what-if round trips: {len(times)}; median {med:.2f} s, worst {worst:.2f} s "
              f"(targets: median < 1 s, worst < 2 s: {'met' if med < 1 and worst < 2 else 'NOT met'}); "
              f"proven optimal {sum(w == 'optimal' for w in words)} of {len(words)}")
        if not args.no_baseline:
            slow = WorkshopPanel(pf, time_budget=None)
            slow.apply()
            base_times = [round_trip(slow, lv)[0] for lv in levers_for(slow, slow.result_)[:2]]
            bm = statistics.median(base_times)
            print(f"baseline (the deterministic solve of a record for each question) median {bm:.2f} s; "
                  f"ratio baseline / workshop median = {bm / med:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
