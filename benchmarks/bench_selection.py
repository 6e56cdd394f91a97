"""Benchmark of the portfolio selection MILP (not a test).

A seeded instance of 1,000 candidate projects x 12 periods x 8 skills, start
windows of up to 4 periods, 100 precedence pairs and 30 exclusions, budget and
capacity at 30 % of the candidates' average per-period totals. Prints, for
HiGHS and CBC with the same time limit: model-build seconds (arrays + PuLP
objects), solve seconds, incumbent, bound and gap; then the value and time of
a 20-point efficient frontier, and the value of Microsoft's greedy rule
(fund in priority order, drop what does not fit) on the same instance.

Usage::

    .venv/bin/python benchmarks/bench_selection.py            # full: 1,000 projects, 60 s per solve
    .venv/bin/python benchmarks/bench_selection.py --quick    # 150 projects, 5 s per solve
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from pmo_analytics.exceptions import SolverWarning
from pmo_analytics.selection import (PortfolioSelector, build_model, efficient_frontier, greedy_portfolio,
                                     solve_model, synthetic_instance)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small instance, short limits (a smoke run)")
    ap.add_argument("--projects", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per solver run (default 60, quick 5)")
    ap.add_argument("--frontier-limit", type=float, default=None,
                    help="seconds per frontier level (default 10, quick 1)")
    ap.add_argument("--frontier-gap", type=float, default=0.01, help="relative gap accepted per frontier level")
    ap.add_argument("--levels", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--solvers", default="highs,cbc")
    a = ap.parse_args(argv)
    n = a.projects or (150 if a.quick else 1000)
    tl = a.time_limit or (5.0 if a.quick else 60.0)
    fl = a.frontier_limit or (1.0 if a.quick else 10.0)

    t0 = time.perf_counter()
    data = synthetic_instance(n_projects=n, seed=a.seed)
    gen_s = time.perf_counter() - t0
    model = build_model(data)
    print(f"instance: {data.n} projects x {data.horizon} periods x {len(data.skills)} skills, "
          f"{len(data.precedes)} precedences, {len(data.excludes)} exclusions, {int(data.mandatory.sum())} mandatory "
          f"(generated in {gen_s:.3f} s)")
    print(f"model: {model.nx} start variables, {model.n_rows} rows, {model.A.nnz} non-zeros; "
          f"array build {model.build_seconds:.3f} s")

    t0 = time.perf_counter()
    g = greedy_portfolio(model)
    g_s = time.perf_counter() - t0
    print(f"greedy (priority order, drop what does not fit): value {g.value:,.3f}, {int(g.x.sum())} funded, "
          f"{'feasible' if g.feasible else 'infeasible'}, {g_s:.3f} s")

    print(f"\n{'solver':8} {'build s':>8} {'solve s':>8} {'incumbent':>12} {'bound':>12} {'gap':>8}  status"
          f"   (time limit {tl:g} s, warm start = greedy)")
    results = {}
    for solver in a.solvers.split(","):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverWarning)
            out = solve_model(model, solver=solver, time_limit=tl, gap=0.0, warm_start=g.x if g.feasible else None)
        results[solver] = out
        print(f"{solver:8} {out.build_seconds:8.3f} {out.solve_seconds:8.2f} {out.objective:12,.3f} "
              f"{out.bound:12,.3f} {out.gap:8.3%}  {out.status}")
    best = max(results.values(), key=lambda o: o.objective)
    print(f"\nvalue advantage of the MILP over the greedy rule: {best.objective - g.value:,.3f} "
          f"({(best.objective - g.value) / abs(g.value):+.2%})")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        sel = PortfolioSelector(solver="highs", time_limit=fl, gap=a.frontier_gap).fit(data)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        fr = efficient_frontier(sel, levels=a.levels, low=0.2, high=1.5)
    fr_s = time.perf_counter() - t0
    ok = fr["value"].notna()
    print(f"\nfrontier: {a.levels} budget levels (x0.2 .. x1.5), {fl:g} s and {a.frontier_gap:.0%} gap per level: "
          f"{fr_s:.1f} s in all, {int((fr['status'] == 'optimal').sum())} proven within the gap")
    print(f"  value at x1.0 budget ~ {np.interp(1.0, fr.loc[ok, 'budget_factor'], fr.loc[ok, 'value']):,.3f}; "
          f"at x1.5: {fr['value'].iloc[-1]:,.3f}; largest level gap {fr['gap'].max():.2%}")
    for _, r in fr.iterrows():
        print(f"  x{r.budget_factor:4.2f}  value {r.value:10,.3f}  funded {r.funded:4d}  gap {r.gap:7.3%}  "
              f"{r.solve_seconds:5.1f} s")


if __name__ == "__main__":
    main()
