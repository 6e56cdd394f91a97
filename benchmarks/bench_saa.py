"""Benchmark: selection under uncertainty, the SAA chance-constrained MILP (selection.uncertainty).

    python benchmarks/bench_saa.py             # 100 candidates x 12 periods x 500 scenarios, 120 s, 1 % gap
    python benchmarks/bench_saa.py --quick     # 30 candidates x 12 periods x 100 scenarios
    python benchmarks/bench_saa.py --method cvar  # the CVaR limit (worst period's overrun) instead
    python benchmarks/bench_saa.py --safety-factor 8  # also a bisected safety factor on the costs, to compare
    python benchmarks/bench_saa.py --data DIR  # the review's SAA on a portfolio folder, each strategy

(``--data``: e.g. ``python data/generate_sample.py --scale 40 --out /tmp/x40``;
the SAA model the review solves under the default policy, in the record's
deterministic mode, once per ``solve_saa`` strategy: build, solve seconds,
value, bound and gap. The whole model's branch and bound is the baseline.)

A seeded synthetic instance (``selection.synthetic_instance``: start windows,
precedences, exclusions, mandatory projects, capacity) gets lognormal cost
and duration ratios (sigma 0.3 and 0.2, rank correlation 0.5, one reference
class correlated at 0.3; capacity rows off: they are deterministic). The deterministic MILP on mean costs (the same
instance with its budget rows) is solved first as the baseline measured in
the same run; then the SAA model with a joint chance constraint at alpha =
0.1 under a time limit and a 1 % relative gap. Printed: scenario draw, model
build (including the quantile big-M), solve seconds, status, gap reached,
the ratio to the baseline, peak memory, and the chosen portfolio's overrun
probability validated on 10,000 independent scenarios (Wilson interval).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from pmo_analytics.exceptions import SolverWarning
from pmo_analytics.selection import SelectionOptions, SolverSettings, build_model, solve_model, synthetic_instance
from pmo_analytics.selection.uncertainty import (draw_scenarios, evaluate_portfolios, overrun_indicators,
                                                 scenario_spec, solve_saa, wilson_interval)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=100)
    ap.add_argument("--periods", type=int, default=12)
    ap.add_argument("--scenarios", type=int, default=500)
    ap.add_argument("--alpha", type=float, default=0.1)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--quick", action="store_true", help="30 candidates, 100 scenarios, 60 s")
    ap.add_argument("--strategy", default="auto", choices=("auto", "branch_and_bound", "rens"))
    ap.add_argument("--method", default="chance", choices=("chance", "cvar"),
                    help="joint chance constraint (scenario indicators) or CVaR of the worst period's overrun <= 0")
    ap.add_argument("--safety-factor", type=int, default=0, metavar="STEPS",
                    help="also bisect a safety factor f (deterministic MILP with costs x f, 15 s each) until at most "
                         "alpha K scenarios overrun: a simple rule to compare the SAA portfolio with")
    ap.add_argument("--data", default=None, help="portfolio folder: time the review's SAA with each strategy")
    args = ap.parse_args(argv)
    if args.data:
        return review_saa(args.data)
    if args.quick:
        args.candidates, args.scenarios, args.time_limit = 30, 100, 60.0
    data = synthetic_instance(n_projects=args.candidates, n_periods=args.periods, n_skills=4, max_window=3,
                              n_precedences=args.candidates // 10, n_exclusions=args.candidates // 30,
                              n_mandatory=2, tightness=0.5, seed=20261125)
    fits = pd.DataFrame({"n": [40], "cost_mu": [0.1], "cost_sigma": [0.3], "duration_mu": [0.05],
                         "duration_sigma": [0.2], "rank_correlation": [0.5], "pooled": [False]},
                        index=pd.Index(["*"], name="reference_class"))
    spec = scenario_spec(data, None, fits=fits, class_correlation=0.3, success=np.full(data.n, 0.9))
    print(f"instance: {data.n} candidates x {data.horizon} periods x {args.scenarios} scenarios, alpha {args.alpha:g}, "
          f"{'joint chance constraint' if args.method == 'chance' else 'CVaR of the worst overrun <= 0'}, "
          f"time limit {args.time_limit:g} s, gap target {args.gap:.0%}")
    # baseline: the deterministic MILP on mean costs (budget rows), same instance
    mean_ratio = float(np.exp(0.1 + 0.3 ** 2 / 2))
    det = build_model(replace(data, cost=data.cost * mean_ratio), SelectionOptions(capacity=False))
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        base = solve_model(det, time_limit=args.time_limit, gap=args.gap)
    t_base = time.perf_counter() - t
    print(f"  deterministic MILP (mean costs):   {t_base:7.1f} s  {base.status}, gap {base.gap:.2%}")
    t = time.perf_counter()
    sc = draw_scenarios(spec, args.scenarios, seed=7)
    t_draw = time.perf_counter() - t
    model = build_model(data, SelectionOptions(budget=False, capacity=False))
    spend = sc.column_spend(model.vp, model.vt)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        out = solve_saa(model, spend, data.budget, args.alpha, committed=sc.committed, strategy=args.strategy,
                        method=args.method, settings=SolverSettings(time_limit=args.time_limit, gap=args.gap))
    total = time.perf_counter() - t
    print(f"  scenario draw:                     {t_draw:7.1f} s")
    print(f"  SAA build (incl. quantile big-M):  {out.build_seconds:7.1f} s  ({out.rows} scenario rows)")
    print(f"  SAA strategy:                      {out.strategy} ({out.nonzeros:,} scenario coefficients)")
    print(f"  SAA solve:                         {out.solve_seconds:7.1f} s  {out.status}, gap {out.gap:.2%} "
          f"(objective {out.objective:,.4g}, bound {out.bound:,.4g})")
    print(f"  SAA total / deterministic:         x{total / max(t_base, 1e-9):.1f}")
    print(f"  within {args.gap:.0%} gap in {args.time_limit:g} s: {'yes' if out.gap <= args.gap + 1e-12 else 'NO'}")
    sp = evaluate_portfolios(spec, model, out.x[None, :], 10_000, seed=7)
    over = overrun_indicators(sp[0], data.budget)
    lo, hi = wilson_interval(int(over.sum()), len(over))
    print(f"  in-sample P(overrun) {out.overrun.mean():.3f}; validated {over.mean():.3f} "
          f"(95 % Wilson {lo:.3f}-{hi:.3f}) on 10,000 scenarios; funded {int(out.x.sum())} start columns")
    if args.safety_factor:
        safety_factor(data, model, spend, sc.committed, args.alpha, args.safety_factor, out.objective)
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


def safety_factor(data, model, spend, committed, alpha, steps, saa_value) -> None:
    """Bisect f in [1, 2]: the deterministic MILP on costs x f, kept when <= alpha K of the scenarios overrun."""
    K = spend.shape[2]
    allowed = int(np.floor(alpha * K + 1e-9))
    c = 0.0 if committed is None else committed
    lo, hi, best = 1.0, 2.0, None
    print(f"  safety factor (deterministic MILP on costs x f, 15 s and 0.2 % gap each; keep f when <= {allowed} "
          f"of {K} scenarios overrun):")
    for _ in range(steps):
        f = (lo + hi) / 2
        det = build_model(replace(data, cost=data.cost * f), SelectionOptions(capacity=False))
        if not (np.array_equal(det.vp, model.vp) and np.array_equal(det.vt, model.vt)):
            raise RuntimeError("the deterministic model's start columns differ from the SAA model's")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverWarning)
            o = solve_model(det, solver="highs", time_limit=15, gap=0.002)
        x = o.x.astype(float)
        over = int(overrun_indicators(np.einsum("j,jtk->tk", x, spend) + c, data.budget).sum())
        value = float(model.obj[:model.nx] @ x)
        print(f"    f {f:.4f}: value {value:,.3f}, {over} scenarios overrun")
        if over <= allowed:
            hi = f
            best = value if best is None else max(best, value)
        else:
            lo = f
    if best is not None:
        print(f"  best safety-factor portfolio {best:,.3f}; the SAA's is {saa_value / best - 1:+.1%} against it")


def review_saa(folder) -> int:
    """The review's SAA (default policy, deterministic mode) on ``folder``, solved with each strategy."""
    from pmo_analytics.review import ReviewPolicy
    from pmo_analytics.risk import PortfolioRiskModel
    from pmo_analytics.selection import UncertainSelector
    from pmo_analytics.tables import read_portfolio

    pf = read_portfolio(folder)
    pol = ReviewPolicy()
    committed = PortfolioRiskModel(seed=pol.seed, iterations=pol.iterations,
                                   activity_correlation=pol.group_correlation).run(pf)
    print(f"review SAA of {folder}: alpha {pol.overrun_alpha:g}, {pol.scenarios} scenarios, "
          f"{pol.saa_node_limit} nodes per solve")
    base = None
    for strategy in ("branch_and_bound", "rens"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverWarning)
            sel = UncertainSelector(seed=pol.seed, alpha=pol.overrun_alpha, scenarios=pol.scenarios,
                                    validation_scenarios=2000, objective=pol.objective, hiring=pol.hiring,
                                    min_class_size=pol.min_class_size, time_limit=None, deterministic=True,
                                    node_limit=pol.saa_node_limit, compare=False, strategy=strategy,
                                    ).fit(pf, committed=committed)
        o = sel.outcome_
        base = base or o
        print(f"  {strategy:17s} {o.nonzeros:>11,} coefficients  build {o.build_seconds:6.1f} s  solve "
              f"{o.solve_seconds:7.1f} s (x{base.solve_seconds / max(o.solve_seconds, 1e-9):.1f})  value "
              f"{o.objective:,.0f} ({o.objective / base.objective - 1:+.2%})  bound {o.bound:,.0f}  gap {o.gap:.1%}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
