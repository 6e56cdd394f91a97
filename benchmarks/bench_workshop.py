"""Workshop what-if round trip on the sample portfolio: re-optimise + redraw, target < 2 s.

    python benchmarks/bench_workshop.py [--rounds N]

A round trip is what one widget change does: solve the selection MILP to
proven optimality under the new levers, re-solve the efficient frontier
(6 budget levels, 2 % gap, 0.15 s per level), and render the frontier,
roadmap and capacity charts to SVG (what the notebook displays). The baseline
measured in the same run is the same what-if with a 20-level frontier solved
to optimality (what 02_portfolio_selection does), to show what the fast
frontier buys.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import vl_convert as vlc

import pmo_analytics as pmo
from pmo_analytics.exceptions import SolverWarning
from pmo_analytics.workshop import WorkshopPanel

LEVERS = [dict(budget_scale=0.9), dict(budget_scale=1.1), dict(capacity_delta={"DEV": 2.0}),
          dict(force_in=("P-014",)), dict(force_out=("P-010",)), dict(objective="npv")]


def round_trip(panel: WorkshopPanel, levers: dict) -> float:
    t0 = time.perf_counter()
    r = panel.apply(**levers)
    for chart in panel.charts(r).values():
        vlc.vegalite_to_svg(chart.to_dict())
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2, help="repeats of the lever list")
    args = ap.parse_args()
    warnings.simplefilter("ignore", SolverWarning)
    pf = pmo.load_sample()
    panel = WorkshopPanel(pf)
    round_trip(panel, {})  # warm-up: selection data, solver, vl-convert
    times = [round_trip(panel, lv) for _ in range(args.rounds) for lv in LEVERS]
    slow = WorkshopPanel(pf, base=panel.base.__class__(frontier_levels=20, frontier_gap=0.0,
                                                        frontier_time_limit=None, frontier_range=(0.2, 1.5)))
    base_times = [round_trip(slow, lv) for lv in LEVERS[:2]]
    med, worst = statistics.median(times), max(times)
    print(f"what-if round trips: {len(times)}; median {med:.2f} s, worst {worst:.2f} s (target < 2 s)")
    print(f"baseline (20-level optimal frontier) median {statistics.median(base_times):.2f} s; "
          f"ratio baseline / workshop = {statistics.median(base_times) / med:.1f}x")
    print("PASS" if worst < 2.0 else "SLOWER THAN TARGET")


if __name__ == "__main__":
    main()
