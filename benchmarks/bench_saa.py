"""Benchmark: selection under uncertainty, the SAA chance-constrained MILP and its calibration (selection.uncertainty).

    python benchmarks/bench_saa.py             # 100 candidates x 12 periods x 500 scenarios: time to the
                                               # calibrated portfolio, its value against a stated bound
    python benchmarks/bench_saa.py --quick     # 30 candidates x 12 periods x 100 scenarios
    python benchmarks/bench_saa.py --method cvar  # the CVaR limit (worst period's overrun) instead
    python benchmarks/bench_saa.py --safety-factor 8  # also a bisected safety factor on the costs, to compare
    python benchmarks/bench_saa.py --data DIR  # the review's SAA on a portfolio folder, each strategy
    python benchmarks/bench_saa.py --validate  # the review's offered portfolios on the sample, 10 seeds x alpha
                                               # 0.05 / 0.10 / 0.20, each measured on 100,000 independent scenarios
    python benchmarks/bench_saa.py --validate --seeds 5 --resolve  # also alpha' re-solved, the CVaR model

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
0.1 under a time limit and a 1 % relative gap, and its calibration
(``selection.uncertainty.calibration.offer``: the SAA portfolio and the
mean-cost portfolio tightened on 10,000 tuning scenarios, the most valuable
checked on 10,000 others). Printed: scenario draw, model build (including
the quantile big-M), solve seconds, status, gap reached, the calibration's
seconds, the time to the calibrated portfolio, its value against an upper
bound on every portfolio whose true P(overrun) is <= alpha (the dual bound
of the SAA at the level gamma with P(Binomial(K, alpha) <= gamma K) >= 0.95:
the best such portfolio meets the SAA(gamma) constraint with that
probability, so the bound holds with 95 % confidence; Pagnoncelli, Ahmed &
Shapiro, *J. Optim. Theory Appl.* 142, 2009, sect. 2.2), peak memory, and the
overrun probability of both portfolios on 100,000 independent scenarios.

``--validate`` runs :class:`~pmo_analytics.selection.UncertainSelector` as
the review does (policy defaults: 100 scenarios, 200 nodes per solve,
deterministic; the recommended portfolio as a candidate; the alpha levels
0.05 and 0.20 beside 0.10) for each seed, then measures every portfolio on
100,000 scenarios of a stream no step of the selection drew from (purpose
99): the offered portfolio at each alpha must overrun with probability at
most alpha + 3 standard errors; beside it the value it gives up against the
SAA as solved and today's deterministic rule at the same alpha (the P90 rule
at 0.10). ``--resolve`` adds the calibration the issue suggested first (the
SAA re-solved at alpha' < alpha, the most valuable level whose tuning bound
meets alpha) and the CVaR model at alpha, uncalibrated.
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

from scipy import stats

from pmo_analytics.exceptions import SolverWarning
from pmo_analytics.selection import SelectionOptions, SolverSettings, build_model, solve_model, synthetic_instance
from pmo_analytics.selection.uncertainty import (draw_scenarios, evaluate_portfolios, overrun_indicators,
                                                 scenario_spec, solve_saa, wilson_interval)
from pmo_analytics.selection.uncertainty.calibration import HireRule, offer

#: The stream of the independent measurements (no step of the selection draws from it).
_MEASURE = 99


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=100)
    ap.add_argument("--periods", type=int, default=12)
    ap.add_argument("--scenarios", type=int, default=500)
    ap.add_argument("--alpha", type=float, default=0.1)
    ap.add_argument("--time-limit", type=float, default=90.0, help="SAA solve [s] (the calibration follows it)")
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--quick", action="store_true", help="30 candidates, 100 scenarios, 60 s")
    ap.add_argument("--strategy", default="auto", choices=("auto", "branch_and_bound", "rens"))
    ap.add_argument("--method", default="chance", choices=("chance", "cvar"),
                    help="joint chance constraint (scenario indicators) or CVaR of the worst period's overrun <= 0")
    ap.add_argument("--bound-time", type=float, default=60.0, help="solve of SAA(gamma) for the stated bound [s]")
    ap.add_argument("--safety-factor", type=int, default=0, metavar="STEPS",
                    help="also bisect a safety factor f (deterministic MILP with costs x f, 15 s each) until at most "
                         "alpha K scenarios overrun: a simple rule to compare the SAA portfolio with")
    ap.add_argument("--data", default=None, help="portfolio folder: time the review's SAA with each strategy")
    ap.add_argument("--validate", nargs="?", const="", default=None, metavar="DIR",
                    help="the review's offered portfolios on DIR (default: the sample), measured out of sample")
    ap.add_argument("--seeds", type=int, default=10, help="--validate: seeds 1..N")
    ap.add_argument("--resolve", action="store_true", help="--validate: also alpha' re-solved and the CVaR model")
    args = ap.parse_args(argv)
    if args.data:
        return review_saa(args.data)
    if args.validate is not None:
        return validate(args.validate or None, args.seeds, args.resolve)
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
    t0 = time.perf_counter()
    sc = draw_scenarios(spec, args.scenarios, seed=7)
    t_draw = time.perf_counter() - t0
    model = build_model(data, SelectionOptions(budget=False, capacity=False))
    if not (np.array_equal(det.vp, model.vp) and np.array_equal(det.vt, model.vt)):
        raise RuntimeError("the deterministic model's start columns differ from the SAA model's")
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
    t = time.perf_counter()
    xb = base.x[: model.nx].astype(float)
    offers, _ = offer(spec, model, {args.alpha: {"SAA": out.x, "mean-cost MILP": xb}}, budget=data.budget, seed=7,
                      tuning_scenarios=10_000, check_scenarios=10_000)
    o = offers[args.alpha]
    t_cal = time.perf_counter() - t
    print(f"  calibration (tune 10,000 + check 10,000): {t_cal:5.1f} s  from {o.source or '-'}: "
          f"{len(o.dropped)} dropped, {len(o.added)} added; check {o.p_check:.4f}, bound {o.bound:.4f} "
          f"({'shown' if o.shown else 'NOT shown'} <= {args.alpha:g})")
    t_all = time.perf_counter() - t0
    print(f"  time to the calibrated portfolio:  {t_all:7.1f} s (draw, build, solve, calibrate; target 120 s: "
          f"{'met' if t_all <= 120 else 'NOT met'})")
    # a bound on every portfolio whose true P(overrun) <= alpha, with 95 % confidence
    K = spend.shape[2]
    k_g = int(stats.binom.ppf(0.95, K, args.alpha))
    gamma = (k_g + 0.5) / K
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        og = solve_saa(model, spend, data.budget, gamma, committed=sc.committed, strategy=args.strategy,
                       method="chance", settings=SolverSettings(time_limit=args.bound_time, gap=args.gap))
    theta = float(stats.binom.cdf(k_g, K, args.alpha))
    if o.x is not None:
        print(f"  calibrated value {o.value:,.4g} against the bound {og.bound:,.4g} (SAA at gamma {gamma:.3f}: "
              f"{k_g} of {K} may overrun; holds with confidence {theta:.3f}): {o.value / og.bound:.1%} of it; "
              f"SAA as solved {out.objective:,.4g} ({out.objective / og.bound:.1%})")
    X = [out.x, xb] + ([o.x] if o.x is not None else [])
    rule = HireRule(model)
    sp = evaluate_portfolios(spec, model, np.array(X), 100_000, seed=7, purpose=_MEASURE)
    for lab, s_ in zip(["SAA as solved", "mean-cost MILP", "calibrated"], sp):
        over = overrun_indicators(s_, data.budget)
        lo, hi = wilson_interval(int(over.sum()), len(over))
        x = X[["SAA as solved", "mean-cost MILP", "calibrated"].index(lab)]
        print(f"  {lab:16s} value {float(model.obj @ np.concatenate([x, rule.hire(x)])):9,.3f}  P(overrun) on "
              f"100,000 independent scenarios {over.mean():.4f} (95 % {lo:.4f}-{hi:.4f})")
    if args.safety_factor:
        safety_factor(data, model, spend, sc.committed, args.alpha, args.safety_factor, out.objective)
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


def validate(folder, seeds: int, resolve: bool) -> int:
    """The review's offered portfolios, measured on 100,000 scenarios of a stream the selection never drew from."""
    from pmo_analytics.review import ReviewPolicy, load_review
    from pmo_analytics.selection import UncertainSelector

    pol = ReviewPolicy()
    review = load_review(folder, uncertainty=False)
    pf, rec = review.portfolio_, review.selection_.selector_ if review.selection_.feasible else None
    from pmo_analytics.risk import PortfolioRiskModel

    committed = PortfolioRiskModel(seed=pol.seed, iterations=pol.iterations,
                                   activity_correlation=pol.group_correlation).run(pf)
    levels = (0.05, 0.10, 0.20)
    N = 100_000
    print(f"review's selection under uncertainty on {folder or 'the sample'}: {pol.scenarios} scenarios, "
          f"{pol.saa_node_limit} nodes per solve, alpha {', '.join(f'{a:g}' for a in levels)}, seeds 1-{seeds}; "
          f"every portfolio measured on {N:,} scenarios of stream {_MEASURE}")
    print(f"{'alpha':>5} {'seed':>4} | {'offered':>8} {'P(over)':>7} {'+-3SE':>6} ok | {'SAA':>8} {'P(over)':>7} "
          f"{'given up':>8} | {'det':>8} {'P(over)':>7} {'given up':>8} | {'fit s':>6}" +
          (f" | {'resolved':>8} {'P(over)':>7} | {'CVaR':>8} {'P(over)':>7}" if resolve else ""))
    rows = []
    for seed in range(1, seeds + 1):
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            u = UncertainSelector(seed=seed, alpha=0.1, scenarios=pol.scenarios, validation_scenarios=10_000,
                                  objective=pol.objective, hiring=pol.hiring, min_class_size=pol.min_class_size,
                                  time_limit=None, deterministic=True, node_limit=pol.saa_node_limit,
                                  frontier_alphas=(0.05, 0.2)).fit(pf, committed=committed, reference=rec)
            f = u.frontier(levels)
        t_fit = time.perf_counter() - t
        rule = HireRule(u.model_)
        extra = {}
        if resolve:
            extra = _resolve_and_cvar(u, pf, committed, seed, pol, rule)
        for a in levels:
            o = u._offers[a]
            rows_a = {r["kind"]: r for r in u._rows[a]}
            X, E, labs = [], [], []
            for kind in ("offered", "SAA", "deterministic"):
                r = rows_a.get(kind)
                if r is not None and r["x"] is not None:
                    X.append(r["x"]), E.append(r["hire_spend"]), labs.append(kind)
            for kind, (x, h) in extra.get(a, {}).items():
                X.append(x), E.append(h), labs.append(kind)
            sp = evaluate_portfolios(u.spec_, u.model_, np.array(X), N, seed=10 ** 6 + seed, extra=np.array(E),
                                     purpose=_MEASURE)
            p = {lab: float(overrun_indicators(s_, u.budget_).mean()) for lab, s_ in zip(labs, sp)}
            v = {lab: float(u.model_.obj[: u.model_.nx] @ x) - float(np.sum(h)) * u._hire_weight()
                 for lab, x, h in zip(labs, X, E)}
            se = np.sqrt(a * (1 - a) / N)
            ok = "offered" in p and p["offered"] <= a + 3 * se
            rows.append({"alpha": a, "seed": seed, "offered": "offered" in p, "p": p.get("offered", np.nan),
                         "ok": ok or "offered" not in p, "value": v.get("offered", np.nan),
                         "saa_value": v.get("SAA", np.nan), "saa_p": p.get("SAA", np.nan),
                         "det_value": v.get("deterministic", np.nan), "det_p": p.get("deterministic", np.nan),
                         **{f"{k}_value": v[k] for k in extra.get(a, {})}, **{f"{k}_p": p[k] for k in extra.get(a, {})}})
            fmt = lambda x: f"{x / 1e6:8.2f}" if np.isfinite(x) else f"{'-':>8}"  # noqa: E731
            r = rows[-1]
            line = (f"{a:5.2f} {seed:4d} | {fmt(r['value'])} {r['p']:7.4f} {a + 3 * se:6.4f} "
                    f"{('ok' if ok else 'NO') if r['offered'] else '--'} | {fmt(r['saa_value'])} {r['saa_p']:7.4f} "
                    f"{fmt(r['saa_value'] - r['value'])} | {fmt(r['det_value'])} {r['det_p']:7.4f} "
                    f"{fmt(r['det_value'] - r['value'])} | {t_fit:6.1f}")
            if resolve and a in extra:
                line += (f" | {fmt(r.get('resolved_value', np.nan))} {r.get('resolved_p', np.nan):7.4f} | "
                         f"{fmt(r.get('cvar_value', np.nan))} {r.get('cvar_p', np.nan):7.4f}")
            if not r["offered"]:
                line += f"  (none offered: {o.source or 'no candidate could be tightened'})"
            print(line, flush=True)
    t = pd.DataFrame(rows)
    print("values in M; 'given up' = that portfolio's value - the offered one's")
    for a, g in t.groupby("alpha"):
        off = g[g["offered"]]
        print(f"alpha {a:g}: offered in {len(off)} of {len(g)} seeds, within alpha + 3 SE in "
              f"{int(off['ok'].sum())} of {len(off)} (worst {off['p'].max():.4f}); mean value {off['value'].mean() / 1e6:.2f} M; "
              f"given up against the SAA as solved {(off['saa_value'] - off['value']).mean() / 1e6:.2f} M (its "
              f"P(overrun) {g['saa_p'].min():.3f}-{g['saa_p'].max():.3f}), against the deterministic rule "
              f"{(off['det_value'] - off['value']).mean() / 1e6:.2f} M (its {g['det_p'].min():.3f}-{g['det_p'].max():.3f})"
              + (f"; alpha' re-solved {g['resolved_value'].mean() / 1e6:.2f} M (P {g['resolved_p'].max():.3f} worst), "
                 f"CVaR {g['cvar_value'].mean() / 1e6:.2f} M (P {g['cvar_p'].max():.3f} worst)"
                 if resolve and "resolved_value" in g else ""))
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0 if t.loc[t["offered"], "ok"].all() else 1


def _resolve_and_cvar(u, pf, committed, seed, pol, rule) -> dict:
    """alpha' re-solved (the SAA at 0.7, 0.5, 0.3 alpha: the most valuable whose tuning bound meets alpha, no
    tightening) and the CVaR model at alpha, uncalibrated, for each alpha of the frontier: {alpha: {kind: (x, hire)}}."""
    from pmo_analytics.selection.uncertainty.calibration import TUNING_MARGIN, allowed_overruns, tuning_set
    from scipy import special

    out = {}
    z = float(special.ndtri(1 - 0.05 / 2)) + TUNING_MARGIN
    kw = u._solve_kw()
    for a in (0.05, 0.10, 0.20):
        sols = {}
        for f in (1.0, 0.7, 0.5, 0.3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    o = solve_saa(u.model_, u._spend, u.budget_, a * f, committed=u.scenarios_.committed, **kw)
                    sols[f] = o.x
                except Exception:  # noqa: BLE001 - infeasible levels are skipped
                    pass
        X = np.array(list(sols.values()))
        ts = tuning_set(u.spec_, u.model_, X, 10_000, seed)
        allowed = allowed_overruns(a, ts.N, z)
        best = None
        pos = {int(c): i for i, c in enumerate(ts.cols)}
        for f, x in sols.items():
            h = rule.hire(x)
            S = ts.committed + rule.spend(h)[:, None] + sum(ts.spend[pos[int(j)]].astype(float)
                                                           for j in np.flatnonzero(x > 0.5))
            if int((S > u.budget_[:, None]).any(axis=0).sum()) <= allowed:
                v = float(u.model_.obj @ np.concatenate([x, h]))
                if best is None or v > best[0]:
                    best = (v, x, rule.spend(h))
        out[a] = {}
        if best is not None:
            out[a]["resolved"] = (best[1], best[2])
        kwc = dict(kw, method="cvar")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                oc = solve_saa(u.model_, u._spend, u.budget_, a, committed=u.scenarios_.committed, **kwc)
                out[a]["cvar"] = (oc.x, rule.spend(oc.hire))
            except Exception:  # noqa: BLE001
                pass
    return out


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
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverWarning)
            sel = UncertainSelector(seed=pol.seed, alpha=pol.overrun_alpha, scenarios=pol.scenarios,
                                    validation_scenarios=10_000, objective=pol.objective, hiring=pol.hiring,
                                    min_class_size=pol.min_class_size, time_limit=None, deterministic=True,
                                    node_limit=pol.saa_node_limit, compare=False, strategy=strategy,
                                    ).fit(pf, committed=committed)
        o, f = sel.outcome_, sel.offered_
        base = base or o
        print(f"  {strategy:17s} {o.nonzeros:>11,} coefficients  build {o.build_seconds:6.1f} s  solve "
              f"{o.solve_seconds:7.1f} s (x{base.solve_seconds / max(o.solve_seconds, 1e-9):.1f})  value "
              f"{o.objective:,.0f} ({o.objective / base.objective - 1:+.2%})  bound {o.bound:,.0f}  gap {o.gap:.1%}; "
              f"P(overrun) {sel.comparison_.loc['SAA', 'p_overrun']:.3f} on 10,000 scenarios")
        print(f"  {'':17s} calibrated: value {f.value:,.0f} ({len(f.dropped)} dropped, {len(f.added)} added), "
              f"P(overrun) {f.p_check:.3f}, bound {f.bound:.3f} ({'shown' if f.shown else 'NOT shown'}), "
              f"fit {time.perf_counter() - t:.1f} s wall")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
