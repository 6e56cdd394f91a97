"""Benchmark: portfolio Monte Carlo (risk.portfolio) on local threads and on a 2-worker Dask LocalCluster.

    python benchmarks/bench_portfolio_mc.py                 # 200 projects x 500 activities x 10,000 iterations
    python benchmarks/bench_portfolio_mc.py --quick         # 20 x 500 x 2,000 (a minute)
    python benchmarks/bench_portfolio_mc.py --in-progress   # also the portfolio under way, on 2 threads

A seeded synthetic portfolio (random precedence networks with triangular
durations, 10 own risks per project, 20 risks shared by 3 projects each, 30
cross-project 'precedes' links, 4 reference classes correlated at 0.3) is
simulated three times with the same seed: in one thread (the baseline), in 2
local threads, and on a LocalCluster of 2 single-threaded worker processes.
It prints seconds, the speed-up over the baseline measured in the same run,
peak memory (this process; the workers' peak from RUSAGE_CHILDREN) and checks
that the three runs give identical numbers. The tables are built in memory
(no CSV round trip or validation: that is not what is timed).

Dask's nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``
(``distributed.nanny.pre-spawn-environ``). Setting any glibc malloc threshold
turns glibc's dynamic mmap threshold off, so every numpy temporary above
128 kB is a fresh ``mmap`` that page-faults as it is filled: a block of this
simulation ran 3.6-4.4 s on such a worker against 1.9 s without the
variable (50 projects x 500 activities x 1,000 iterations, one worker). The
cluster here is started without it (``pre-spawn-environ``
``MALLOC_TRIM_THRESHOLD_: null``, as the README recommends for workers that
run these simulations); ``--dask-malloc`` keeps Dask's default to measure it.

``--in-progress`` times a second path users take: the same portfolio under
way (every project started on 2025-01-06, data date 2025-03-03, its first 30 %
of activities complete and the next 5 % in progress with half their work
left), simulated from the data date on its dated network, beside the
not-started portfolio on 2 threads in the same run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from pmo_analytics.exceptions import DataWarning
from pmo_analytics.risk.portfolio import PortfolioRiskModel
from pmo_analytics.tables import Portfolio


def synthetic_portfolio(n_projects: int, n_activities: int, seed: int = 20261125, periods: int = 12) -> Portfolio:
    rng = np.random.default_rng(seed)
    classes = ["IT", "Infrastructure", "Process", "Product"]
    projects, acts, risks, costs = [], [], [], []
    for p in range(n_projects):
        pid = f"S-{p:04d}"
        start = int(rng.integers(1, 4))
        projects.append(dict(project_id=pid, name=pid, business_unit="BU", sponsor="S", stage="active", bucket="Run",
                             category=classes[p % 4], estimated_cost=1e6, benefit_npv=2e6, estimate_class=3,
                             probability_of_success=0.9, earliest_start=start, latest_start=start,
                             duration_periods=6, mandatory=True))
        costs += [dict(project_id=pid, period_offset=k, cost=1e6 / 6) for k in range(6)]
        ml = rng.integers(2, 12, n_activities).astype(float)
        lo = np.maximum(ml - rng.integers(0, 3, n_activities), 0.5)
        hi = ml + rng.integers(1, 8, n_activities)
        for i in range(n_activities):
            preds = ""
            if i:
                k = rng.integers(1, 3)
                cand = rng.integers(max(0, i - 20), i, k)
                preds = "; ".join(f"T{j:04d}" for j in sorted(set(cand.tolist())))
            acts.append(dict(project_id=pid, activity_id=f"T{i:04d}", name="t", phase="p", min_duration=lo[i],
                             most_likely=ml[i], max_duration=hi[i], distribution="triangular", predecessors=preds,
                             fixed_cost=float(rng.integers(0, 5000)), cost_rate=float(rng.integers(100, 900)),
                             correlation_group=""))
        for r in range(10):
            aff = rng.choice(n_activities, 3, replace=False)
            risks.append(dict(risk_id=f"R-{p:04d}-{r}", project_id=pid, title="r", owner="o", probability=0.3,
                              impact_type="days" if r % 2 else "percent", schedule_min=1.0, schedule_most_likely=3.0,
                              schedule_max=8.0, cost_min=1000.0, cost_most_likely=5000.0, cost_max=20000.0,
                              affected_activities="; ".join(f"T{j:04d}" for j in sorted(aff))))
    for s in range(20):
        ps = rng.choice(n_projects, 3, replace=False)
        refs = [f"S-{q:04d}/T{int(rng.integers(0, n_activities)):04d}" for q in ps]
        risks.append(dict(risk_id=f"SH-{s}", project_id=f"S-{ps[0]:04d}", title="shared", owner="o", probability=0.2,
                          impact_type="days", schedule_min=2.0, schedule_most_likely=5.0, schedule_max=15.0,
                          cost_min=5000.0, cost_most_likely=20000.0, cost_max=60000.0,
                          affected_activities="; ".join(refs)))
    deps = []
    for _ in range(30):
        a, b = sorted(rng.choice(n_projects, 2, replace=False))
        deps.append(dict(project_id=f"S-{a:04d}", other_project_id=f"S-{b:04d}", type="precedes"))
    hist = [dict(project_id=f"H{k}", reference_class=classes[k % 4], estimated_cost=1e6,
                 actual_cost=1e6 * float(np.exp(rng.normal(0.2, 0.3))), estimated_duration=4.0,
                 actual_duration=4.0 * float(np.exp(rng.normal(0.1, 0.2)))) for k in range(40)]
    tables = {"projects": pd.DataFrame(projects), "activities": pd.DataFrame(acts), "risks": pd.DataFrame(risks),
              "costs": pd.DataFrame(costs), "dependencies": pd.DataFrame(deps).drop_duplicates(),
              "history": pd.DataFrame(hist),
              "budget": pd.DataFrame({"period": range(1, periods + 1), "budget": [n_projects * 2.5e5] * periods})}
    return Portfolio(tables, Path("synthetic"))


def in_progress(pf: Portfolio, done: float = 0.30, started: float = 0.05) -> Portfolio:
    """The portfolio under way: activities are numbered in precedence order, so the first ``done`` of them are
    complete (a set closed under predecessors) and the next ``started`` in progress with half their work left."""
    acts = pf.activities.copy()
    k = acts.groupby("project_id").cumcount()
    n = acts.groupby("project_id")["activity_id"].transform("size")
    complete, under_way = k < done * n, (k >= done * n) & (k < (done + started) * n)
    acts["actual_start"] = pd.to_datetime(np.where(complete | under_way, "2025-01-06", None))
    acts["actual_finish"] = pd.to_datetime(np.where(complete, "2025-01-06", None))
    acts["remaining_duration"] = np.where(under_way, acts["most_likely"] / 2, np.nan)
    projects = pf.projects.assign(start_date=pd.Timestamp("2025-01-06"), data_date=pd.Timestamp("2025-03-03"))
    return Portfolio({**pf.tables, "activities": acts, "projects": projects}, Path("synthetic-in-progress"))


def _peak_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--activities", type=int, default=500)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="20 projects x 500 activities x 2,000 iterations")
    ap.add_argument("--skip-single", action="store_true", help="skip the one-thread baseline (ratios vs 2 threads)")
    ap.add_argument("--in-progress", action="store_true",
                    help="also time the portfolio under way (dated networks, from the data date) on 2 threads")
    ap.add_argument("--skip-cluster", action="store_true", help="skip the LocalCluster run")
    ap.add_argument("--dask-malloc", action="store_true",
                    help="start the cluster's workers with Dask's MALLOC_TRIM_THRESHOLD_=65536 (its default)")
    args = ap.parse_args(argv)
    if args.quick:
        args.projects, args.iterations = 20, 2000
    t0 = time.perf_counter()
    pf = synthetic_portfolio(args.projects, args.activities)
    print(f"portfolio: {args.projects} projects x {args.activities} activities, {args.iterations} iterations "
          f"({args.projects * args.activities * args.iterations / 1e9:.2f} G activity-iterations); "
          f"built in {time.perf_counter() - t0:.1f} s")
    opts = dict(seed=7, iterations=args.iterations, block_size=1000, class_correlation=0.3)
    runs = {}
    if not args.skip_single:
        t = time.perf_counter()
        runs["1 thread"] = (PortfolioRiskModel(**opts, threads=1).run(pf), time.perf_counter() - t)
    t = time.perf_counter()
    runs["2 threads"] = (PortfolioRiskModel(**opts, threads=2).run(pf), time.perf_counter() - t)
    peak_self = _peak_mb(resource.RUSAGE_SELF)
    try:
        import distributed
    except ImportError:
        distributed = None
        print("dask.distributed not installed: skipping the LocalCluster run (pip install '.[distributed]')")
    if distributed is not None and not args.skip_cluster:
        import dask
        environ = {} if args.dask_malloc else {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
        print(f"cluster workers: MALLOC_TRIM_THRESHOLD_ {'65536 (Dask default)' if args.dask_malloc else 'unset'}")
        with dask.config.set(environ), distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit=0) as lc, \
                distributed.Client(lc) as client:
            client.run(lambda: None)  # workers started (start-up is not timed)
            t = time.perf_counter()
            runs["LocalCluster 2 workers"] = (PortfolioRiskModel(**opts).run(pf, client=client),
                                              time.perf_counter() - t)
    base_name = "1 thread" if "1 thread" in runs else "2 threads"
    base = runs[base_name][1]
    ref = runs[base_name][0]
    for name, (m, sec) in runs.items():
        same = np.array_equal(m.spend_samples_, ref.spend_samples_) and m.cost_samples_.equals(ref.cost_samples_)
        print(f"  {name:24s} {sec:8.1f} s   speed-up x{base / sec:4.2f} vs {base_name}   "
              f"identical numbers: {'yes' if same else 'NO'}")
    print(f"peak memory: this process {peak_self:,.0f} MB (threads runs); "
          f"cluster workers {_peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB (largest worker)")
    if args.in_progress:
        t = time.perf_counter()
        pg = in_progress(pf)
        built = time.perf_counter() - t
        t = time.perf_counter()
        with warnings.catch_warnings():  # risks on complete work only: said once per project, not timed news
            warnings.simplefilter("ignore", DataWarning)
            mp = PortfolioRiskModel(**opts, threads=2).run(pg)
        sec = time.perf_counter() - t
        base2 = runs["2 threads"][1]
        n_done = int(pg.activities["actual_finish"].notna().sum())
        print(f"  {'under way, 2 threads':24s} {sec:8.1f} s   x{sec / base2:4.2f} the time of the not-started "
              f"portfolio on 2 threads ({n_done:,} activities complete; tables built in {built:.1f} s); "
              f"peak memory of this process after it {_peak_mb(resource.RUSAGE_SELF):,.0f} MB")
        m0 = runs["2 threads"][0]
        print(f"    mean spend in the horizon {mp.spend_['mean_spend'].sum():,.0f} and after it "
              f"{mp.spend_after_horizon_:,.0f} "
              f"under way; {m0.spend_['mean_spend'].sum():,.0f} and {m0.spend_after_horizon_:,.0f} not started")
    m = runs[base_name][0]
    print(m)
    print(m.spend_[["budget", "plan_spend", "p50_spend", "p80_spend", "p95_spend", "p_overrun"]].round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
