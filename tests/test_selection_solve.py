"""Tests of the solver strategy, the deterministic mode, the status words and generic limits.

Oracles: brute-force enumeration of small multidimensional knapsacks and
portfolios (written from the constraint definitions, not from the model
rows); the definition of the status words; a race whose loser is slowed on
purpose.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from pmo_analytics import read_portfolio
from pmo_analytics.exceptions import SolverWarning
from pmo_analytics.selection import (PortfolioSelector, SelectionData, build_model, choose_solver, knapsack_instance,
                                     lp_duals, selection_data, status_words)
from pmo_analytics.selection import solvers
from pmo_analytics.selection.solve import batch_solver, solve_model
from pmo_analytics.selection.solvers import SolverRun, SolverSettings, _pick, race

from .conftest import MINIMAL


def brute_force_knapsack(p, w, b):
    """Best value and item sets of a multidimensional knapsack by enumeration."""
    n = len(p)
    best, sets = -np.inf, []
    for bits in itertools.product([0, 1], repeat=n):
        x = np.array(bits)
        if np.all(w @ x <= b + 1e-9):
            v = float(p @ x)
            if v > best + 1e-9:
                best, sets = v, [x]
            elif abs(v - best) <= 1e-9:
                sets.append(x)
    return best, sets


def random_knapsack(seed, n=10, m=3):
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 100, (m, n)).astype(float)
    b = np.floor(0.4 * w.sum(axis=1))
    p = np.floor(w.sum(axis=0) / m + 50 * rng.random(n))  # Chu-Beasley style correlated profits
    return p, w, b


# --- a tiny knapsack with a brute-force oracle -----------------------------------------------------

@pytest.mark.parametrize("solver,deterministic", [("auto", False), ("auto", True), ("highs", False),
                                                   ("cbc", False), ("cbc", True)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_knapsack_matches_brute_force(seed, solver, deterministic):
    p, w, b = random_knapsack(seed)
    best, sets = brute_force_knapsack(p, w, b)
    s = PortfolioSelector(solver=solver, deterministic=deterministic).fit(knapsack_instance(p, w, b))
    assert s.objective_ == pytest.approx(best)
    x = s.portfolio_["selected"].to_numpy().astype(int)
    assert any((x == o).all() for o in sets)
    assert s.status_ == "optimal" and s.proven_optimal_ and s.gap_ <= 1e-9
    assert s.solver_ in ("highs", "cbc") and s.runs_["chosen"].sum() == 1
    assert s.runs_.loc[s.runs_["chosen"], "solver"].item() == s.solver_
    lim = s.limits_.set_index("limit")
    assert np.allclose(lim["use"].to_numpy(), w @ x) and (lim["headroom"] >= -1e-9).all()


def test_knapsack_instance_shapes_are_checked():
    with pytest.raises(ValueError, match="capacities"):
        knapsack_instance([1, 2], [[1, 1]], [1, 2])


# --- status words -----------------------------------------------------------------------------------

def test_status_words_only_call_a_proven_gap_optimal():
    assert status_words(0.0) == "optimal" and status_words(1e-9) == "optimal"
    assert status_words(1.01e-9) != "optimal"
    assert status_words(0.004512) == "within 0.46 % of optimal"
    assert status_words(0.05) == "within 5.0 % of optimal"
    assert status_words(0.123) == "within 13 % of optimal"
    assert status_words(np.inf) == "feasible, no bound known"


@pytest.mark.parametrize("gap", [1.2e-9, 3.3e-6, 0.0001, 0.0049, 0.0123456, 0.3, 0.999])
def test_status_words_round_the_gap_up(gap):
    text = status_words(gap)
    x = float(text.split()[1])
    assert gap * 100 <= x <= gap * 100 * 1.1 + 1e-15  # never claims more than was proven, 2 digits


def _hard_instance(n=150, H=6, seed=7):
    rng = np.random.default_rng(seed)
    L = 3
    cost = rng.uniform(1, 10, (n, L))
    value = cost.sum(1) * rng.uniform(0.8, 1.2, n)
    dem = rng.uniform(0, 3, (n, 2, L))
    earliest = rng.integers(1, H - 2, n)
    return SelectionData(
        ids=np.array([f"P{k:03d}" for k in range(n)]), value=value, cost=cost, demand=dem, earliest=earliest,
        latest=earliest + 2, duration=np.full(n, L), budget=np.full(H, cost.sum() / H * 0.25),
        capacity=np.full((2, H), dem.sum() / H * 0.25 / 2), hire_cost=np.full((2, H), np.nan), skills=("A", "B"),
        mandatory=np.zeros(n, bool), bucket=np.array(["B"] * n), business_unit=np.array(["U"] * n),
        value_label="value [currency]")


def test_a_gap_target_is_not_called_optimal():
    # the solver may stop at 5 %: whatever it returns, the words and the flag say what was proven
    s = PortfolioSelector(solver="highs", gap=0.05, deterministic=True).fit(_hard_instance())
    assert s.gap_ <= 0.05
    if s.gap_ > 1e-9:
        assert s.status_ == status_words(s.gap_) and s.status_.startswith("within ") and not s.proven_optimal_
    assert s.outcome_.proven_optimal == (s.gap_ <= 1e-9)
    assert s.settings_["gap_target"] == 0.05


# --- deterministic mode -----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("solver", ["auto", "highs", "cbc"])
def test_deterministic_mode_gives_the_same_portfolio_twice(solver):
    d = _hard_instance(n=80)
    runs = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverWarning)
            s = PortfolioSelector(solver=solver, deterministic=True, node_limit=20).fit(d)
        runs.append(s)
    a, b = runs
    assert a.selected_ == b.selected_ and a.objective_ == b.objective_ and a.solver_ == b.solver_
    assert (a.portfolio_["start_period"].fillna(0) == b.portfolio_["start_period"].fillna(0)).all()
    assert a.settings_ == b.settings_ and a.settings_["deterministic"] and a.settings_["node_limit"] == 20
    assert not a.time_limit_reached_
    json.dumps(a.settings_)  # ready for a manifest


@pytest.mark.slow
def test_node_limit_is_reported_when_it_binds():
    with pytest.warns(SolverWarning, match="node limit"):
        s = PortfolioSelector(solver="highs", deterministic=True, node_limit=1).fit(_hard_instance(n=250))
    assert s.node_limit_reached_ and not s.proven_optimal_ and s.status_.startswith("within ")


def test_deterministic_mode_refuses_the_clock_and_threads():
    with pytest.raises(ValueError, match="node_limit, not on a wall-clock"):
        PortfolioSelector(deterministic=True, time_limit=10)
    with pytest.raises(ValueError, match="single-threaded"):
        PortfolioSelector(deterministic=True, threads=2)
    with pytest.raises(ValueError, match="threads"):
        PortfolioSelector(threads=0)
    with pytest.raises(ValueError, match="node_limit"):
        PortfolioSelector(node_limit=-3)
    with pytest.raises(ValueError, match="time_limit"):
        PortfolioSelector(time_limit=0)


def test_threads_option_reaches_the_solvers():
    p, w, b = random_knapsack(4)
    best, _ = brute_force_knapsack(p, w, b)
    for threads in (2, 1, 2):  # HiGHS's process-wide thread pool is restarted when the count changes
        s = PortfolioSelector(solver="highs", threads=threads).fit(knapsack_instance(p, w, b))
        assert s.objective_ == pytest.approx(best) and s.settings_["threads"] == threads
    s = PortfolioSelector(solver="cbc", threads=2).fit(knapsack_instance(p, w, b))
    assert s.objective_ == pytest.approx(best)
    assert "threads was changed from 0 to 2" in s.logs_["cbc"]


@pytest.mark.slow
def test_wall_clock_limit_is_reported_when_it_binds():
    with pytest.warns(SolverWarning, match="time limit"):
        s = PortfolioSelector(solver="auto", time_limit=0.3).fit(_hard_instance(n=400, H=8))
    assert s.time_limit_reached_ and s.settings_["time_limit_reached"] and not s.proven_optimal_
    assert set(s.runs_["solver"]) <= {"highs", "lns"}  # a large scheduling model under a limit


# --- the race ---------------------------------------------------------------------------------------

def test_race_returns_the_proven_winner_and_stops_the_other(monkeypatch):
    p, w, b = random_knapsack(5, n=12)
    best, _ = brute_force_knapsack(p, w, b)
    real = solvers.solve_highs

    def slow_highs(m, settings, warm=None, stop=None):  # a HiGHS that would take a minute
        assert stop is not None
        t0 = time.perf_counter()
        stop.wait(60)
        return SolverRun("highs", "stopped" if stop.is_set() else "limit", seconds=time.perf_counter() - t0,
                         finished_at=time.perf_counter())

    monkeypatch.setattr(solvers, "solve_highs", slow_highs)
    t0 = time.perf_counter()
    s = PortfolioSelector(solver="auto").fit(knapsack_instance(p, w, b))
    assert time.perf_counter() - t0 < 30
    assert s.solver_ == "cbc" and s.objective_ == pytest.approx(best) and s.proven_optimal_
    st = s.runs_.set_index("solver")["status"]
    assert st["cbc"] == "optimal" and st["highs"] == "stopped"
    monkeypatch.setattr(solvers, "solve_highs", real)


def test_race_stops_cbc_when_highs_proves_first(monkeypatch):
    p, w, b = random_knapsack(6, n=12)
    best, _ = brute_force_knapsack(p, w, b)
    m = build_model(knapsack_instance(p, w, b))
    arrays, sc = m.to_arrays()
    monkeypatch.setattr(solvers.CbcProcess, "command", lambda self: [sys.executable, "-c",
                                                                      "import time; time.sleep(60)"])
    t0 = time.perf_counter()
    res = race(arrays, SolverSettings(), order=("highs", "cbc"), cbc_delay=0.0)
    assert time.perf_counter() - t0 < 30
    assert res.chosen.solver == "highs" and res.chosen.status == "optimal"
    assert -res.chosen.objective * sc.objective == pytest.approx(best)
    assert {r.solver: r.status for r in res.runs} == {"highs": "optimal", "cbc": "stopped"}


def test_pick_prefers_first_proof_interactively_and_the_order_deterministically():
    x = np.zeros(1)
    a = SolverRun("highs", "optimal", x, -5.0, -5.0, finished_at=2.0)
    b = SolverRun("cbc", "optimal", x, -5.0, -5.0, finished_at=1.0)
    assert _pick([a, b], ("highs", "cbc"), deterministic=False) is b
    assert _pick([a, b], ("highs", "cbc"), deterministic=True) is a
    assert _pick([a, b], ("cbc", "highs"), deterministic=True) is b
    c = SolverRun("highs", "limit", x, -4.0, -6.0, finished_at=1.0)
    d = SolverRun("cbc", "limit", x, -4.5, -6.5, finished_at=2.0)
    assert _pick([c, d], ("highs", "cbc"), deterministic=False) is d  # the better incumbent


@pytest.mark.slow
def test_race_reports_the_better_incumbent_with_the_tighter_bound(monkeypatch):
    # both stop on their node limits: the portfolio is the better incumbent, the bound the tighter one
    d = _hard_instance(n=120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        s = PortfolioSelector(deterministic=True, node_limit=1).fit(d)
    r = s.runs_.set_index("solver")
    done = r[r["status"].isin(["optimal", "limit"])]
    assert s.objective_ == pytest.approx(done["objective"].max())
    assert s.bound_ == pytest.approx(max(done["bound"].min(), s.objective_))


def test_choose_solver_by_structure():
    from pmo_analytics.selection import synthetic_instance
    p, w, b = random_knapsack(1)
    assert choose_solver(build_model(knapsack_instance(p, w, b))) == ("cbc", "highs")
    assert choose_solver(build_model(knapsack_instance(p, w, b)), limited=True) == ("cbc", "highs")
    assert choose_solver(build_model(_hard_instance())) == ("highs", "cbc")
    assert choose_solver(build_model(_hard_instance()), limited=True) == ("highs", "cbc")  # small: no search
    big = build_model(synthetic_instance(300, seed=1))
    assert big.nx >= 500
    assert choose_solver(big) == ("highs", "cbc") and choose_solver(big, limited=True) == ("highs", "lns")


def _lns_setup(n=80, node_limit=6):
    from pmo_analytics.selection.solve import _lns_args

    m = build_model(_hard_instance(n=n))
    arrays, sc = m.to_arrays()
    settings = SolverSettings(node_limit=node_limit, seed=3)
    args = _lns_args(m, settings)
    args.update(rounds=3, sub_nodes=2, width=1)
    return m, arrays, sc, settings, args


@pytest.mark.slow
def test_time_window_search_improves_and_is_reproducible():
    from pmo_analytics.selection._highs_core import lns

    m, arrays, sc, settings, args = _lns_setup()
    a = lns(arrays, settings, None, **args)
    b = lns(arrays, settings, None, **args)
    assert a.solver == "lns" and a.status in ("limit", "optimal") and a.has_solution
    np.testing.assert_array_equal(a.x, b.x)
    assert not m.violated(np.concatenate([(a.x[:m.nx] > 0.5), a.x[m.nx:]]).astype(float)).any()
    if a.status == "limit":
        first = float(a.log.splitlines()[0].split("incumbent ")[1].split(",")[0])
        assert a.objective <= first + 1e-9  # the rounds never make the portfolio worse (minimisation form)
        assert "round 3:" in a.log


@pytest.mark.slow
def test_race_with_the_search_in_a_child_process_is_deterministic():
    m, arrays, sc, settings, args = _lns_setup()
    out = [race(arrays, settings, order=("highs", "lns"), deterministic=True, lns_args=args) for _ in range(2)]
    a, b = out
    assert {r.solver for r in a.runs} == {"highs", "lns"}
    assert a.chosen.solver == b.chosen.solver and a.chosen.objective == b.chosen.objective
    np.testing.assert_array_equal(a.chosen.x, b.chosen.x)
    lns_run = [r for r in a.runs if r.solver == "lns"][0]
    assert lns_run.status in ("limit", "optimal") and "phase 1" in lns_run.log
    best = min(r.objective for r in a.runs if r.has_solution)
    assert a.chosen.objective == pytest.approx(best)


@pytest.mark.slow
def test_race_with_the_search_under_a_wall_clock_limit():
    m, arrays, sc, settings, args = _lns_setup()
    t0 = time.perf_counter()
    res = race(arrays, SolverSettings(time_limit=2.0), order=("highs", "lns"), lns_args=dict(args, sub_time=0.5))
    assert time.perf_counter() - t0 < 30
    assert res.chosen.has_solution and {r.solver for r in res.runs} <= {"highs", "lns"}


def test_the_search_alone_proves_a_small_knapsack_in_its_phase_1():
    p, w, b = random_knapsack(7)
    best, _ = brute_force_knapsack(p, w, b)
    s = PortfolioSelector(solver="lns").fit(knapsack_instance(p, w, b))
    assert s.solver_ == "lns" and list(s.runs_["solver"]) == ["lns"]
    assert s.objective_ == pytest.approx(best) and s.proven_optimal_ and s.status_ == "optimal"
    assert "phase 1: HiGHS optimal" in s.logs_["lns"]


def test_batch_solver_only_side_by_side_for_deterministic_races_of_the_search():
    from pmo_analytics.selection import synthetic_instance

    big = build_model(synthetic_instance(300, seed=1))
    assert batch_solver(big, solver="auto", deterministic=True, node_limit=100) == "lns"
    assert batch_solver(big, solver="auto", deterministic=True, node_limit=100, gap=0.0, seed=3) == "lns"
    assert batch_solver(big, solver="auto", time_limit=10.0) is None  # interactive: the race, first proof wins
    assert batch_solver(big, solver="auto") is None
    assert batch_solver(big, solver="highs", deterministic=True) is None  # the analyst's choice stands
    assert batch_solver(build_model(_hard_instance()), solver="auto", deterministic=True) is None  # HiGHS v CBC
    p, w, b = random_knapsack(1)
    assert batch_solver(build_model(knapsack_instance(p, w, b)), solver="auto", deterministic=True) is None


@pytest.mark.slow  # over 5 s: runs in make test, not make unit
def test_the_search_alone_returns_the_portfolio_of_the_search_in_the_race(monkeypatch):
    from pmo_analytics.selection import greedy_portfolio
    from pmo_analytics.selection import solve as solve_mod

    monkeypatch.setattr(solve_mod, "LNS_MIN_COLUMNS", 60)  # a small model races the search, as a large one does
    m = build_model(_hard_instance(n=30))
    assert m.nx >= 60 and choose_solver(m, limited=True) == ("highs", "lns")
    kw = dict(deterministic=True, node_limit=4, warm_start=greedy_portfolio(m).x, explain_infeasible=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        raced = solve_model(m, **kw)
        alone = solve_model(m, solver="lns", **kw)
    r = raced.runs.set_index("solver")
    assert set(r.index) == {"highs", "lns"} and list(alone.runs["solver"]) == ["lns"]
    assert alone.solver == "lns" and alone.strategy == "lns"
    assert alone.objective == pytest.approx(r.loc["lns", "objective"], rel=1e-12)
    # its bound is its phase 1's, never tighter than the race's (which also has HiGHS's whole node limit)
    assert alone.bound == pytest.approx(max(r.loc["lns", "bound"], alone.objective), rel=1e-12)
    assert alone.bound >= raced.bound * (1 - 1e-12)
    assert "phase 1: HiGHS" in alone.logs["lns"]


# --- no hidden I/O ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_solving_prints_nothing_and_leaves_no_files(tmp_path):
    code = (
        "import numpy as np\n"
        "from pmo_analytics.selection import PortfolioSelector, knapsack_instance, build_model\n"
        "from pmo_analytics.selection import find_conflicts, SelectionOptions\n"
        "d = knapsack_instance([4, 2, 1, 2, 10], [[12, 2, 1, 1, 4]], [15])\n"
        "for solver in ('highs', 'cbc', 'auto'):\n"
        "    s = PortfolioSelector(solver=solver).fit(d)\n"
        "    assert s.logs_ and all(isinstance(v, str) for v in s.logs_.values())\n"
        "find_conflicts(build_model(d, SelectionOptions(force_in=('K0001', 'K0005'))))\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_logs_are_captured_in_memory():
    p, w, b = random_knapsack(2)
    s = PortfolioSelector(solver="highs").fit(knapsack_instance(p, w, b))
    assert "Solving report" in s.logs_["highs"] or "Optimal" in s.logs_["highs"]
    s = PortfolioSelector(solver="cbc").fit(knapsack_instance(p, w, b))
    assert "Result - Optimal solution found" in s.logs_["cbc"]


def test_solved_model_is_not_mutated_by_export():
    m = build_model(_hard_instance(n=20))
    before = {k: v for k, v in vars(m).items()}
    prob, var, sc = m.to_pulp()
    assert vars(m).keys() == before.keys() and not hasattr(m, "row_scale_")
    assert len(var) == m.nx and sc.row.shape == (m.n_rows,) and sc.objective == pytest.approx(np.abs(m.obj).max())
    arrays, sc2 = m.to_arrays()
    assert np.allclose(arrays.c, -m.obj / sc2.objective)


# --- generic limits ---------------------------------------------------------------------------------

def _limits_data(capex=(10.0, 10.0), hours=(100.0, 100.0), carbon=25.0):
    # four one-period projects over two periods; limits in three units
    n, H = 4, 2
    use = np.zeros((n, 3, 1))
    use[:, 0, 0] = [6, 5, 5, 3]        # capex [currency]
    use[:, 1, 0] = [40, 80, 30, 50]    # engineering [hours]
    use[:, 2, 0] = [10, 5, 12, 8]      # emissions [tonnes]
    amount = np.array([capex, hours, [np.inf, np.inf]], dtype=float)
    return SelectionData(
        ids=np.array(["A", "B", "C", "D"]), value=np.array([10.0, 9.0, 8.0, 4.0]), cost=np.zeros((n, 1)),
        demand=np.zeros((n, 0, 1)), earliest=np.ones(n, int), latest=np.full(n, 2), duration=np.ones(n, int),
        budget=np.full(H, np.inf), capacity=np.zeros((0, H)), hire_cost=np.zeros((0, H)), skills=(),
        mandatory=np.zeros(n, bool), bucket=np.array(["X"] * n), business_unit=np.array(["U"] * n),
        value_label="value [currency]", limits=("capex", "eng", "carbon"),
        limit_units=("currency", "hours", "tonnes"), limit_use=use, limit_amount=amount,
        limit_total=np.array([np.inf, np.inf, carbon]))


def _brute_limits(d, scale=None):
    scale = scale or {}
    best = -np.inf
    for combo in itertools.product([0, 1, 2], repeat=d.n):  # 0 = not funded, else start period
        s = np.array(combo)
        use = np.zeros((3, d.horizon))
        for i in np.nonzero(s)[0]:
            use[:, s[i] - 1] += d.limit_use[i, :, 0]
        f = np.array([scale.get(k, 1.0) for k in d.limits])
        if np.any(use > d.limit_amount * f[:, None] + 1e-9) or np.any(use.sum(1) > d.limit_total * f + 1e-9):
            continue
        best = max(best, float(d.value[s > 0].sum()))
    return best


def test_limits_in_several_units_match_brute_force():
    d = _limits_data()
    s = PortfolioSelector().fit(d)
    assert s.objective_ == pytest.approx(_brute_limits(d))
    lim = s.limits_
    assert set(lim["unit"]) == {"currency", "hours", "tonnes"}
    carbon = lim[lim["limit"] == "carbon"]
    assert len(carbon) == 3 and carbon["period"].isna().sum() == 1  # two periods (no cap) and the horizon row
    assert carbon["period"].isna().sum() == 1 and carbon.loc[carbon["period"].isna(), "available"].item() == 25
    assert (lim["headroom"] >= -1e-9).all()
    tight = PortfolioSelector(limit_scale={"carbon": 0.5}).fit(d)
    assert tight.objective_ == pytest.approx(_brute_limits(d, {"carbon": 0.5}))
    assert tight.objective_ < s.objective_
    off = PortfolioSelector(limits=False).fit(d)
    assert off.objective_ == pytest.approx(d.value.sum())
    with pytest.raises(ValueError, match="unknown limit"):
        PortfolioSelector(limit_scale={"water": 2}).fit(d)


def test_binding_limits_are_explained_in_their_unit():
    from pmo_analytics.selection import binding_constraints
    d = _limits_data(capex=(6.0, 6.0), hours=(1000.0, 1000.0), carbon=1000.0)
    s = PortfolioSelector().fit(d)  # capex 6 per period: A (6) and one of B / C (5) can be funded
    out = [p for p in s.portfolio_.index if not s.portfolio_.loc[p, "selected"]]
    msgs = binding_constraints(s, out[0])
    assert any("limit capex in period" in m and "currency)" in m for m in msgs)
    du = lp_duals(s)
    assert set(du["family"]) >= {"limit"}
    assert (du.loc[du["family"] == "limit", "dual"] >= -1e-9).all()


LIMITS_CSV = "limit_id,period,amount,unit\ncapex,1,100,currency\ncapex,2,100,currency\ncarbon,,14,tonnes\n"


def _roomy_copy(dest):
    """The minimal portfolio with a budget its committed project fits in (the original is infeasible)."""
    shutil.copytree(MINIMAL, dest)
    (dest / "budget.csv").write_text("period,budget\n1,1500\n2,1500\n3,1500\n4,1500\n")
    return dest


def _portfolio_with_limits(tmp_path, limits=LIMITS_CSV, use=None, drop=()):
    folder = _roomy_copy(tmp_path / "pf")
    for name in drop:
        (folder / name).unlink()
    (folder / "limits.csv").write_text(limits)
    pids = pd.read_csv(folder / "projects.csv")["project_id"].tolist()
    if use is None:
        use = "project_id,limit_id,period_offset,amount\n" + "".join(
            f"{p},carbon,0,{3 + k}\n{p},capex,0,{20 * (k + 1)}\n" for k, p in enumerate(pids))
    (folder / "limit_use.csv").write_text(use)
    return folder


@pytest.mark.slow
def test_limits_tables_are_read_and_checked(tmp_path):
    pf = read_portfolio(_portfolio_with_limits(tmp_path))
    d = selection_data(pf, objective="npv")
    assert d.limits == ("capex", "carbon") and d.limit_units == ("currency", "tonnes")
    assert d.limit_total[1] == 14 and np.isinf(d.limit_total[0]) and d.limit_amount[0, 0] == 100
    s = PortfolioSelector(objective="npv", hiring=True).fit(pf)
    carbon = s.limits_[(s.limits_["limit"] == "carbon") & s.limits_["period"].isna()]
    assert 11 - 1e-9 <= carbon["use"].item() <= 14 + 1e-9  # P3 and A1 are mandatory (5 + 6 t)
    from pmo_analytics import validate_path
    bad = _portfolio_with_limits(tmp_path / "b", limits=LIMITS_CSV + "capex,3,1,hours\n")
    text = "\n".join(map(str, validate_path(bad)))
    assert "one unit per limit_id" in text
    bad2 = _portfolio_with_limits(tmp_path / "c", use="project_id,limit_id,period_offset,amount\nP1,water,0,1\n")
    text = "\n".join(map(str, validate_path(bad2)))
    assert "unknown limit (not in limits) 'water'" in text


# --- objective without criteria or scores ------------------------------------------------------------

def test_npv_and_risk_adjusted_objectives_need_no_scores(tmp_path):
    folder = _roomy_copy(tmp_path / "pf")
    for name in ("criteria.csv", "scores.csv", "pairwise.csv"):
        if (folder / name).exists():
            (folder / name).unlink()
    pf = read_portfolio(folder)
    assert pf.criteria is None and pf.scores is None
    for objective in ("npv", "risk_adjusted"):
        s = PortfolioSelector(objective=objective, hiring=True).fit(pf)
        p = pf.projects.set_index("project_id")
        chosen = s.portfolio_[s.portfolio_["selected"]].index
        expect = p.loc[chosen, "benefit_npv"] * (p.loc[chosen, "probability_of_success"]
                                                 if objective == "risk_adjusted" else 1.0)
        assert s.objective_ == pytest.approx(expect.sum())
    with pytest.raises(ValueError, match="needs weighted scores"):
        PortfolioSelector(objective="score").fit(pf)
