"""Generate the bundled sample portfolio (``data/sample/*.csv``), seeded.

    python data/generate_sample.py            # rewrites data/sample/
    python data/generate_sample.py --check    # regenerates to a temp dir and compares
    python data/generate_sample.py --scale 10 --out /tmp/x10   # an enterprise-size portfolio, 10 x the sample

The story: *Harbourside Utilities*, a regional water and energy utility, plans
its next 12 quarters (period 1 = 2027 Q1). Four business units propose 48
projects across three strategic buckets (Run, Grow, Transform). Three projects
are in delivery:

* ``A-101`` Customer platform replacement (IT, agile delivery): behind
  schedule and over cost since its design phase — the drifting project;
* ``A-102`` Substation automation upgrade (Infrastructure): on track;
* ``A-103`` Procure-to-pay redesign (Process): slightly over cost, on time.

Four closed projects report benefits (two short of plan, one with a
dis-benefit) and their run cost. Sixty-eight completed projects in four
reference classes give the estimating history (IT overruns most).

Everything derives from one ``numpy.random.Generator`` seeded with
:data:`SEED`; the CSVs are committed so users and tests never depend on this
script, which is kept to show (and re-create) how the data were made.

``--scale N`` writes a portfolio N times the sample (for benchmarks): copy 1
is the sample itself, copies 2..N repeat every project with the suffix
``-rK`` (proposals with seeded perturbations of cost, benefit and scores;
active projects with their schedules, risks, EVM status and work items;
closed projects with their benefits and support), and each copy's A-101 and
A-102 share one risk (an integrator both depend on, written
``A-102-rK/ACTIVITY``). Budget and capacity are N times the sample's; the
criteria and the estimating history are the sample's.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261125
OUT = Path(__file__).resolve().parent / "sample"

BUSINESS_UNITS = ["Operations", "Customer", "Finance", "Technology"]
BUCKETS = ["Run", "Grow", "Transform"]
CATEGORIES = ["IT", "Infrastructure", "Process", "Product"]
SKILLS = ["BA", "DEV", "INF", "DATA", "PM", "CHG"]
SKILL_NAMES = {"BA": "business analysis", "DEV": "software engineering", "INF": "infrastructure engineering",
               "DATA": "data & analytics", "PM": "project management", "CHG": "change management"}
H = 12  # planning periods (quarters 2027Q1..2029Q4)
# active projects: (approved budget / baseline BAC, committed duration / deterministic CPM duration)
RESERVES = {"A-101": (1.05, 1.05), "A-102": (1.15, 1.25), "A-103": (1.10, 1.12)}

PROPOSAL_NAMES = [
    ("Smart meter rollout phase 2", "Operations", "Grow", "Infrastructure"),
    ("Leak detection analytics", "Operations", "Transform", "IT"),
    ("Field workforce mobile app", "Operations", "Grow", "IT"),
    ("Pump station refurbishment", "Operations", "Run", "Infrastructure"),
    ("SCADA security hardening", "Technology", "Run", "IT"),
    ("Asset register clean-up", "Operations", "Run", "Process"),
    ("Predictive maintenance pilot", "Operations", "Transform", "IT"),
    ("Fleet electrification", "Operations", "Transform", "Infrastructure"),
    ("Customer self-service portal", "Customer", "Grow", "IT"),
    ("Billing engine upgrade", "Customer", "Run", "IT"),
    ("Complaints process redesign", "Customer", "Run", "Process"),
    ("Hardship support programme", "Customer", "Grow", "Process"),
    ("Outage notification SMS", "Customer", "Grow", "Product"),
    ("Water efficiency product", "Customer", "Transform", "Product"),
    ("Contact centre telephony", "Customer", "Run", "IT"),
    ("Chatbot for enquiries", "Customer", "Transform", "Product"),
    ("New connections online", "Customer", "Grow", "Product"),
    ("Meter data management", "Customer", "Grow", "IT"),
    ("Procurement analytics", "Finance", "Grow", "IT"),
    ("Treasury system replacement", "Finance", "Run", "IT"),
    ("Regulatory reporting automation", "Finance", "Run", "Process"),
    ("Capital planning tool", "Finance", "Grow", "IT"),
    ("Month-end close acceleration", "Finance", "Run", "Process"),
    ("Tariff modelling platform", "Finance", "Transform", "Product"),
    ("Grant funding programme", "Finance", "Grow", "Process"),
    ("Payroll consolidation", "Finance", "Run", "Process"),
    ("Data platform (lakehouse)", "Technology", "Transform", "IT"),
    ("Identity & access management", "Technology", "Run", "IT"),
    ("Network refresh", "Technology", "Run", "Infrastructure"),
    ("Cloud migration wave 1", "Technology", "Transform", "IT"),
    ("Cloud migration wave 2", "Technology", "Transform", "IT"),
    ("Disaster recovery site", "Technology", "Run", "Infrastructure"),
    ("Digital twin of network", "Technology", "Transform", "Product"),
    ("API gateway", "Technology", "Grow", "IT"),
    ("End-user device refresh", "Technology", "Run", "Infrastructure"),
    ("Reservoir dam safety works", "Operations", "Run", "Infrastructure"),
    ("Sewer overflow reduction", "Operations", "Run", "Infrastructure"),
    ("Solar on treatment works", "Operations", "Transform", "Infrastructure"),
    ("Lab information system", "Operations", "Run", "IT"),
    ("GIS modernisation", "Technology", "Grow", "IT"),
    ("Customer data quality", "Customer", "Run", "Process"),
    ("Energy trading desk", "Finance", "Transform", "Product"),
    ("Supplier portal", "Finance", "Grow", "Product"),
    ("Health & safety app", "Operations", "Run", "Product"),
    ("Knowledge management", "Technology", "Grow", "Process"),
    ("Cyber security operations centre", "Technology", "Run", "IT"),
    ("Drought resilience scheme", "Operations", "Transform", "Infrastructure"),
    ("Graduate engineering academy", "Operations", "Grow", "Process"),
]
SPONSORS = {"Operations": ["R. Okafor", "J. Lindqvist"], "Customer": ["M. Duarte", "S. Patel"],
            "Finance": ["K. Brennan", "L. Moreau"], "Technology": ["A. Novak", "T. Yamamoto"]}
CRITERIA = [("strategic_fit", "Alignment with the 2030 strategy"),
            ("financial_return", "Net financial value to the utility"),
            ("risk_reduction", "Reduction of operational, safety or regulatory risk"),
            ("customer_impact", "Improvement customers will notice")]
# AHP judgements (Saaty scale), nearly consistent: fit > return > risk > customer
PAIRWISE = [("strategic_fit", "financial_return", 2), ("strategic_fit", "risk_reduction", 3),
            ("strategic_fit", "customer_impact", 4), ("financial_return", "risk_reduction", 2),
            ("financial_return", "customer_impact", 2), ("risk_reduction", "customer_impact", 1)]


def _profile(rng, n: int) -> np.ndarray:
    """A hump-shaped spend profile over ``n`` periods, summing to 1."""
    x = np.arange(n) + 0.5
    w = np.exp(-0.5 * ((x - n * rng.uniform(0.4, 0.6)) / max(n / 2.5, 0.8)) ** 2) + 0.15
    return w / w.sum()


def _round_money(x: float, step: float = 1000.0) -> float:
    return float(np.round(x / step) * step)


def make_proposals(rng) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    projects, costs, demand, scores = [], [], [], []
    sponsor_i = 0
    for i, (name, bu, bucket, cat) in enumerate(PROPOSAL_NAMES, start=1):
        pid = f"P-{i:03d}"
        duration = int(rng.choice([2, 3, 3, 4, 4, 5, 6]))
        est_class = int(rng.choice([2, 3, 3, 4, 4, 5]))
        cost = _round_money(rng.lognormal(np.log(1.6e6), 0.6), 10_000)
        ratio = rng.lognormal(np.log(1.3), 0.5)
        if bucket == "Transform":
            ratio *= 1.3
        if bucket == "Run":
            ratio *= 0.7
        npv = _round_money(cost * (ratio - 1) * 1.8, 10_000)
        pos = float(np.clip(0.97 - 0.07 * est_class + rng.normal(0, 0.04), 0.5, 0.97).round(2))
        earliest = int(rng.integers(1, 7))
        slack = int(rng.integers(0, 5))
        latest = int(min(earliest + slack, H - duration + 1))
        earliest = min(earliest, latest)
        mandatory = name in ("Reservoir dam safety works", "Regulatory reporting automation",
                             "SCADA security hardening")
        sponsor = SPONSORS[bu][sponsor_i % 2]
        sponsor_i += 1
        if i in (14, 33):
            sponsor = ""  # two proposals have no sponsor named yet (governance gap)
        projects.append(dict(project_id=pid, name=name, business_unit=bu, sponsor=sponsor, stage="proposal",
                             bucket=bucket, category=cat, estimated_cost=cost, benefit_npv=npv,
                             estimate_class=est_class, probability_of_success=pos, earliest_start=earliest,
                             latest_start=latest, duration_periods=duration, mandatory=mandatory,
                             start_date="", committed_finish=""))
        prof = _profile(rng, duration)
        amounts = [_round_money(cost * w) for w in prof]
        amounts[-1] = cost - sum(amounts[:-1])
        costs += [dict(project_id=pid, period_offset=k, cost=a) for k, a in enumerate(amounts)]
        # demand: ~ 45k per FTE-quarter, split over a category-specific skill mix
        mix = {"IT": [0.15, 0.45, 0.05, 0.15, 0.1, 0.1], "Infrastructure": [0.05, 0.0, 0.6, 0.05, 0.15, 0.15],
               "Process": [0.35, 0.05, 0.0, 0.1, 0.15, 0.35], "Product": [0.2, 0.35, 0.05, 0.15, 0.1, 0.15]}[cat]
        fte_total = cost * 0.55 / 45_000
        for k, w in enumerate(prof):
            for s, m in zip(SKILLS, mix):
                if m > 0:
                    demand.append(dict(project_id=pid, skill=s, period_offset=k,
                                       fte=round(fte_total * w * m, 1)))
        base = {"Run": [5, 3, 7, 4], "Grow": [6, 7, 3, 6], "Transform": [8, 6, 3, 5]}[bucket]
        for (crit, _), b in zip(CRITERIA, base):
            scores.append(dict(project_id=pid, criterion=crit,
                               score=float(np.clip(round(b + rng.normal(0, 1.6)), 0, 10))))
    return projects, costs, demand, scores


# ---------------------------------------------------------------- schedules
def _cpm_finish(acts: list[dict], links: list[tuple]) -> float:
    """Deterministic early finish of a network (all four link types), for the baseline."""
    dur = {a["activity_id"]: a["most_likely"] for a in acts}
    es = {a: 0.0 for a in dur}
    preds: dict = {a: [] for a in dur}
    for p, s, t, lag in links:
        preds[s].append((p, t, lag))
    for a in dur:  # activities are generated in topological order
        for p, t, lag in preds[a]:
            ef_p = es[p] + dur[p]
            cand = {"FS": ef_p + lag, "SS": es[p] + lag, "FF": ef_p + lag - dur[a], "SF": es[p] + lag - dur[a]}[t]
            es[a] = max(es[a], cand)
    return max(es[a] + dur[a] for a in dur)


def make_schedule(rng, pid: str, phases: list[tuple[str, int, int]], rate: tuple[float, float]):
    """Phased network: each phase has ``streams`` parallel chains of ``length`` activities.

    Phases are joined by merge milestones (zero duration); a few SS and FF
    links with lags (and one lead) tie streams together, as real schedules do.
    """
    acts, links = [], []
    n = 0

    def add(name, phase, ml, dist=None, milestone=False):
        nonlocal n
        n += 1
        aid = f"A{n * 10:03d}"
        if milestone:
            lo = mo = hi = 0.0
            dist = "fixed"
        else:
            mo = float(ml)
            lo = float(max(1, round(ml * rng.uniform(0.75, 0.9))))
            hi = float(round(ml * rng.uniform(1.2, 1.8)))
            dist = dist or str(rng.choice(["triangular", "triangular", "pert", "pert", "trigen", "uniform"],
                                          p=[0.35, 0.1, 0.3, 0.1, 0.1, 0.05]))
            if dist == "uniform":
                mo = round((lo + hi) / 2)
        acts.append(dict(project_id=pid, activity_id=aid, name=name, phase=phase, min_duration=lo,
                         most_likely=mo, max_duration=hi, distribution=dist,
                         fixed_cost=0.0 if milestone else _round_money(rng.uniform(0, 60_000), 500),
                         cost_rate=0.0 if milestone else _round_money(rng.uniform(*rate), 50),
                         correlation_group=""))
        return aid

    start = add("Project start", "Initiation", 0, milestone=True)
    prev_gate = start
    for phase, streams, length in phases:
        ends = []
        firsts = []
        for s in range(streams):
            last = prev_gate
            for k in range(length):
                aid = add(f"{phase} – stream {s + 1} task {k + 1}" if streams > 1 else f"{phase} – task {k + 1}",
                          phase, int(rng.integers(4, 26)))
                links.append((last, aid, "FS", 0.0))
                if k == 0:
                    firsts.append(aid)
                last = aid
            ends.append(last)
        if streams > 1 and rng.random() < 0.8:
            # second stream may start 5 days after the first starts (SS+5)
            links.append((firsts[0], firsts[1], "SS", 5.0))
        if streams > 2:
            links.append((ends[0], ends[2], "FF", 3.0))
        gate = add(f"{phase} complete", phase, 0, milestone=True)
        for e in ends:
            links.append((e, gate, "FS", 0.0))
        prev_gate = gate
    # a lead (negative lag) from the last phase gate to a closing task
    close = add("Handover and closure", "Closure", 10)
    links.append((prev_gate, close, "FS", -2.0))
    finish = add("Project finish", "Closure", 0, milestone=True)
    links.append((close, finish, "FS", 0.0))
    # mark correlation groups: build activities of the same phase move together
    for a in acts:
        if a["phase"] in ("Build", "Construction", "Implementation") and a["max_duration"] > 0:
            a["correlation_group"] = f"{pid}-{a['phase'].lower()}"
    preds: dict = {a["activity_id"]: [] for a in acts}
    for p, s, t, lag in links:
        preds[s].append(p if (t == "FS" and lag == 0) else f"{p}:{t}{lag:+g}")
    for a in acts:
        a["predecessors"] = "; ".join(preds[a["activity_id"]])
    return acts, links


def make_risks(rng, pid: str, acts: list[dict], specs: list[tuple]) -> list[dict]:
    """Risks on named phases; some hit several activities (risk drivers)."""
    rows = []
    work = [a for a in acts if a["max_duration"] > 0]
    for k, (title, phase, p, kind, sched, cost, owner, mitig) in enumerate(specs, start=1):
        cands = [a["activity_id"] for a in work if a["phase"] == phase] or [work[0]["activity_id"]]
        n_aff = int(min(len(cands), rng.choice([1, 1, 2, 3, 4])))
        affected = sorted(rng.choice(cands, size=n_aff, replace=False).tolist())
        row = dict(risk_id=f"R-{pid[2:]}-{k:02d}", project_id=pid, title=title, owner=owner, probability=p,
                   impact_type=kind, schedule_min=sched[0], schedule_most_likely=sched[1], schedule_max=sched[2],
                   cost_min=cost[0], cost_most_likely=cost[1], cost_max=cost[2],
                   affected_activities="; ".join(affected), mitigation="", mitigation_cost="",
                   post_probability="", post_schedule_min="", post_schedule_most_likely="", post_schedule_max="",
                   post_cost_min="", post_cost_most_likely="", post_cost_max="")
        if mitig:
            text, mcost, pp, factor = mitig
            row.update(mitigation=text, mitigation_cost=mcost, post_probability=pp,
                       post_schedule_min=round(sched[0] * factor, 1),
                       post_schedule_most_likely=round(sched[1] * factor, 1),
                       post_schedule_max=round(sched[2] * factor, 1),
                       post_cost_min=_round_money(cost[0] * factor), post_cost_most_likely=_round_money(cost[1] * factor),
                       post_cost_max=_round_money(cost[2] * factor))
        rows.append(row)
    return rows


def _business_days(start: pd.Timestamp, days: float) -> pd.Timestamp:
    return pd.Timestamp(np.busday_offset(start.date(), int(np.ceil(days)), roll="forward"))


def make_status(pid: str, start: pd.Timestamp, bac: float, cpm_days: float, data_date: pd.Timestamp,
                cpi: float, spi: float, rng) -> list[dict]:
    """Monthly PV baseline (S-curve over the CPM duration) and EV/AC to the data date."""
    finish = _business_days(start, cpm_days)
    months = pd.date_range(start, finish + pd.offsets.MonthEnd(0), freq="ME")
    total = (finish - start).days
    rows = []
    for k, me in enumerate(months, start=1):
        f = min(max((me - start).days / total, 0.0), 1.0)
        pv_frac = 0.5 - 0.5 * np.cos(np.pi * f)  # S-curve
        pv = _round_money(bac * pv_frac, 100)
        ev = ac = ""
        if me <= data_date:
            # performance degrades gradually (drift), with a little noise
            w = min(1.0, k / 4)
            s_k = 1 - (1 - spi) * w
            c_k = 1 - (1 - cpi) * w
            ev_v = bac * (0.5 - 0.5 * np.cos(np.pi * f * s_k)) * (1 + rng.normal(0, 0.005))
            ev = _round_money(min(ev_v, bac), 100)
            ac = _round_money(ev / c_k * (1 + rng.normal(0, 0.01)), 100)
        rows.append(dict(project_id=pid, period=k, period_end=me.date().isoformat(), pv=pv, ev=ev, ac=ac))
    return rows


def make_work_items(rng, pid: str, start: pd.Timestamp, data_date: pd.Timestamp, rate: float, n_target: int):
    rows = []
    days = pd.bdate_range(start + pd.Timedelta(days=14), data_date)
    i = 0
    for d in days:
        for _ in range(rng.poisson(rate)):
            i += 1
            typ = str(rng.choice(["story", "story", "story", "defect", "spike"]))
            created = d - pd.Timedelta(days=int(rng.integers(0, 20)))
            wait = int(rng.integers(0, 6))
            started = d + pd.Timedelta(days=wait)
            cycle = int(np.ceil(rng.lognormal(np.log(6 if typ == "story" else 3), 0.6)))
            finished = started + pd.Timedelta(days=cycle)
            rows.append(dict(item_id=f"{pid}-W{i:04d}", project_id=pid, type=typ,
                             created=max(created, start).date().isoformat(),
                             started="" if started > data_date else started.date().isoformat(),
                             finished="" if finished > data_date else finished.date().isoformat()))
            if i >= n_target:
                return rows
    return rows


def _ntcp(rng, p: dict) -> tuple[str, str, str, str]:
    """A plausible NTCP profile from the project's bucket, category, size and urgency."""
    novelty = {"Run": ["derivative"] * 4 + ["platform"], "Grow": ["derivative", "platform", "platform"],
               "Transform": ["platform", "platform", "breakthrough"]}[p["bucket"]]
    tech = {"IT": ["low", "medium", "medium", "high"], "Infrastructure": ["low", "low", "medium"],
            "Process": ["low", "low", "medium"], "Product": ["medium", "high", "high", "super-high"]}[p["category"]]
    cost = p["estimated_cost"]
    complexity = "assembly" if cost < 1.0e6 else ("system" if cost < 3.5e6 else "array")
    pace = "time-critical" if p["mandatory"] else str(rng.choice(["regular", "regular", "regular",
                                                                  "fast-competitive"]))
    if p["project_id"] == "P-047":
        pace = "blitz"  # drought resilience: an emergency response
    return str(rng.choice(novelty)), str(rng.choice(tech)), complexity, pace


def _add_governance(projects, status, benefits, support) -> None:
    """NTCP profiles, current approaches and a few evidence gaps for the governance checks.

    Drawn from a separate generator so the rest of the sample does not change.
    """
    rng = np.random.default_rng(SEED + 8)
    recommend = {"breakthrough": "iterative", "platform": "hybrid", "derivative": "plan-driven"}
    for p in projects:
        nov, tech, cplx, pace = _ntcp(rng, p)
        p.update(novelty=nov, technology=tech, complexity=cplx, pace=pace)
        delivery = "iterative" if nov == "breakthrough" or tech in ("high", "super-high") else recommend[nov]
        approach = delivery
        if rng.random() < 0.15:  # some projects are run the way the business unit always runs them
            approach = "plan-driven" if delivery != "plan-driven" else "iterative"
        p["approach"] = approach
    by_id = {p["project_id"]: p for p in projects}
    by_id["A-101"]["approach"] = "plan-driven"  # an IT transformation run as a waterfall: a mismatch
    for k in ("novelty", "technology", "complexity", "pace"):
        by_id["P-045"][k] = ""  # not yet classified
    # A-102 has not reported earned value for two months
    for row in status:
        if row["project_id"] == "A-102" and row["period_end"] > "2026-08-31":
            row["ev"] = row["ac"] = ""
    # C-203: one elapsed benefit period not measured, and no run cost recorded
    for row in benefits:
        if row["benefit_id"] == "B-203-2" and row["period"] == 3:
            row["realised"] = ""
    support[:] = [r for r in support if r["project_id"] != "C-203"]


def _add_new_active(projects, costs, demand) -> None:
    """A-104: authorised last month and started, but with no schedule, risk register, commitment or status yet.

    The governance gates must catch it (baseline, risk register, committed finish, EVM).
    """
    projects.append(dict(project_id="A-104", name="Workforce scheduling tool", business_unit="Operations",
                         sponsor="J. Lindqvist", stage="active", bucket="Grow", category="IT",
                         estimated_cost=900_000.0, benefit_npv=1_100_000.0, estimate_class=3,
                         probability_of_success=0.8, earliest_start=1, latest_start=1, duration_periods=3,
                         mandatory=True, start_date="2026-10-05", committed_finish="", novelty="derivative",
                         technology="medium", complexity="assembly", pace="regular", approach="hybrid"))
    for k, c in enumerate((400_000.0, 350_000.0, 150_000.0)):
        costs.append(dict(project_id="A-104", period_offset=k, cost=c))
        demand += [dict(project_id="A-104", skill="DEV", period_offset=k, fte=round(c / 90_000, 1)),
                   dict(project_id="A-104", skill="BA", period_offset=k, fte=round(c / 180_000, 1))]


def _add_events(activities: list[dict], risks: list[dict]) -> tuple[list[dict], list[dict]]:
    """The schedule-risk events of the sample (no random draws: the other tables are unchanged).

    * A-101's performance test (A540) fails with probability 0.3: a rework path, performance rework (A545)
      and retest (A546), runs before the test phase completes (a probabilistic branch);
    * two conditional risks of A-101: the integration contractor is released early only if the vendor API is
      late (R-101-09, only_if R-101-02), and the go-live freeze is more likely after an extra privacy review
      (R-101-10, more_likely after R-101-05);
    * A-102's construction is outdoor work on the risk calendar SITE: a winter at 60 % productivity (a year in
      two) and a ten-day autumn storm stop (a year in three).

    Returns the ``branches`` and ``risk_calendars`` rows; activities and risks are extended in place.
    """
    at = {(a["project_id"], a["activity_id"]): a for a in activities}
    test = at[("A-101", "A540")]
    rework = [dict(test, activity_id="A545", name="Performance rework", min_duration=8.0, most_likely=10.0,
                   max_duration=15.0, distribution="triangular", fixed_cost=15000.0, predecessors="A540"),
              dict(test, activity_id="A546", name="Performance retest", min_duration=4.0, most_likely=5.0,
                   max_duration=8.0, distribution="triangular", fixed_cost=8000.0, predecessors="A545")]
    at[("A-101", "A550")]["predecessors"] += "; A546"
    k = activities.index(test) + 1
    activities[k:k] = rework
    branches = [dict(project_id="A-101", activity_id="A540", branch_id="pass", probability=0.7, path="",
                     description="The performance test passes"),
                dict(project_id="A-101", activity_id="A540", branch_id="fail", probability=0.3, path="A545; A546",
                     description="The performance test fails: rework and retest")]
    blank = {c: "" for c in risks[0]}
    last = max(i for i, r in enumerate(risks) if r["project_id"] == "A-101") + 1
    risks[last:last] = [
        dict(blank, risk_id="R-101-09", project_id="A-101", title="Integration contractor released early",
             owner="A. Novak", probability=0.5, impact_type="days", schedule_min=5, schedule_most_likely=10,
             schedule_max=20, cost_min=10000.0, cost_most_likely=25000.0, cost_max=60000.0,
             affected_activities="A420; A430", parent_risk="R-101-02", condition="only_if"),
        dict(blank, risk_id="R-101-10", project_id="A-101", title="Go-live freeze extended", owner="S. Patel",
             probability=0.1, impact_type="days", schedule_min=3, schedule_most_likely=5, schedule_max=10,
             cost_min=5000.0, cost_most_likely=10000.0, cost_max=20000.0, affected_activities="A590",
             parent_risk="R-101-05", condition="more_likely", probability_if_parent=0.5)]
    for r in risks:
        for c in ("parent_risk", "condition", "probability_if_parent"):
            r.setdefault(c, "")
    for a in activities:
        a["risk_calendar_id"] = "SITE" if (a["project_id"], a["phase"]) == ("A-102", "Construction") and \
            a["max_duration"] > 0 else ""
    risk_calendars = [
        dict(risk_calendar_id="SITE", season_start="10-01", season_end="11-30", probability=0.33, productivity=0.0,
             window_days=10.0, description="An autumn storm stops outdoor work for ten days"),
        dict(risk_calendar_id="SITE", season_start="12-01", season_end="02-28", probability=0.5, productivity=0.6,
             window_days="", description="A hard winter: frost and short days slow outdoor work")]
    return branches, risk_calendars


#: Phases whose work can be shortened by adding people or overtime (crash limit = this share of the duration).
CRASHABLE = {"Design": 0.25, "Build": 0.25, "Test": 0.25, "Deployment": 0.2, "Construction": 0.2,
             "Commissioning": 0.15, "Implementation": 0.2, "Adoption": 0.1}


def _add_crash_data(activities: list[dict]) -> None:
    """Crash limits and rates of the work that can be accelerated (no random draws: other numbers unchanged).

    ``crash_limit`` = the phase's share (10-25 %) of the most likely duration (at least one day), ``crash_cost_rate`` =
    1.5 x the activity's cost rate (overtime and extra staff at a premium) [currency per working day saved];
    requirements, surveys and discovery cannot be bought faster, nor milestones.
    """
    for a in activities:
        share = CRASHABLE.get(a["phase"])
        if share is None or a["max_duration"] <= 0:
            a["crash_limit"], a["crash_cost_rate"] = "", ""
            continue
        a["crash_limit"] = float(min(a["most_likely"], max(1.0, round(a["most_likely"] * share))))
        a["crash_cost_rate"] = _round_money(1.5 * a["cost_rate"], 50)


def generate(out: Path = OUT, seed: int = SEED) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    projects, costs, demand, scores = make_proposals(rng)
    data_date = pd.Timestamp("2026-10-31")

    # ---- active projects with schedules, risks, EVM status, work items
    active_defs = [
        ("A-101", "Customer platform replacement", "Customer", "M. Duarte", "Transform", "IT",
         pd.Timestamp("2026-01-05"), [("Requirements", 2, 4), ("Design", 2, 4), ("Build", 4, 6),
                                      ("Test", 2, 5), ("Deployment", 1, 4)], (1500, 4500), 0.84, 0.78, 2.4),
        ("A-102", "Substation automation upgrade", "Operations", "R. Okafor", "Run", "Infrastructure",
         pd.Timestamp("2026-03-02"), [("Survey", 2, 3), ("Design", 1, 5), ("Construction", 3, 5),
                                      ("Commissioning", 1, 5)], (2500, 6500), 1.02, 0.98, 0.0),
        ("A-103", "Procure-to-pay redesign", "Finance", "K. Brennan", "Grow", "Process",
         pd.Timestamp("2026-05-04"), [("Discovery", 2, 4), ("Implementation", 3, 4),
                                      ("Adoption", 1, 4)], (1200, 3500), 0.94, 0.99, 1.3),
    ]
    risk_specs = {
        "A-101": [
            ("Legacy data quality worse than assumed", "Build", 0.5, "days", (5, 12, 30), (40e3, 90e3, 250e3),
             "S. Patel", ("Data profiling sprint up front", 30_000, 0.25, 0.6)),
            ("Vendor API not ready for integration", "Build", 0.35, "percent", (10, 20, 40), (20e3, 60e3, 150e3),
             "A. Novak", ("Contractual API milestone with penalty", 15_000, 0.2, 0.8)),
            ("Key architect leaves", "Design", 0.15, "days", (5, 10, 25), (10e3, 30e3, 80e3), "M. Duarte", None),
            ("Performance test failures", "Test", 0.4, "percent", (10, 25, 60), (20e3, 50e3, 120e3), "A. Novak",
             ("Early performance spike", 45_000, 0.2, 0.7)),
            ("Regulator requests extra privacy review", "Deployment", 0.25, "days", (5, 10, 20),
             (5e3, 15e3, 40e3), "", None),
            ("Scope creep from business units", "Requirements", 0.45, "percent", (5, 15, 30), (10e3, 40e3, 100e3),
             "M. Duarte", ("Change control board", 10_000, 0.3, 0.7)),
            ("Cut-over weekend overrun", "Deployment", 0.3, "days", (2, 4, 10), (15e3, 30e3, 60e3), "S. Patel",
             None),
            ("Test environment unavailable", "Test", 0.3, "days", (3, 8, 15), (5e3, 10e3, 30e3), "A. Novak", None),
        ],
        "A-102": [
            ("Long-lead switchgear delivery late", "Construction", 0.4, "days", (10, 20, 45), (30e3, 80e3, 200e3),
             "R. Okafor", ("Early purchase order with expediting", 60_000, 0.15, 0.5)),
            ("Outage window refused by grid operator", "Commissioning", 0.25, "days", (5, 15, 30),
             (20e3, 50e3, 100e3), "J. Lindqvist", None),
            ("Ground conditions at site B", "Construction", 0.2, "percent", (10, 25, 50), (50e3, 120e3, 300e3),
             "R. Okafor", ("Additional geotechnical survey", 25_000, 0.1, 0.6)),
            ("Protection settings rework", "Commissioning", 0.3, "days", (3, 6, 12), (10e3, 20e3, 40e3), "", None),
            ("Design review finds clash", "Design", 0.35, "days", (3, 8, 20), (10e3, 25e3, 60e3), "J. Lindqvist",
             None),
            ("Contractor resource shortage", "Construction", 0.3, "percent", (5, 10, 25), (20e3, 40e3, 90e3),
             "R. Okafor", ("Framework contract with second contractor", 40_000, 0.15, 0.8)),
            ("Weather delays", "Survey", 0.5, "days", (2, 5, 12), (5e3, 10e3, 20e3), "R. Okafor", None),
        ],
        "A-103": [
            ("ERP configuration more complex", "Implementation", 0.4, "percent", (10, 20, 40),
             (30e3, 70e3, 160e3), "K. Brennan", ("Vendor configuration workshop", 20_000, 0.25, 0.7)),
            ("Supplier master data migration errors", "Implementation", 0.35, "days", (4, 10, 20),
             (15e3, 30e3, 70e3), "L. Moreau", None),
            ("Low adoption by buyers", "Adoption", 0.45, "days", (5, 10, 25), (10e3, 30e3, 60e3), "",
             ("Super-user network and training", 35_000, 0.2, 0.6)),
            ("Approval workflow redesign disputed", "Discovery", 0.3, "days", (3, 8, 15), (5e3, 15e3, 30e3),
             "K. Brennan", None),
            ("Audit finding on segregation of duties", "Implementation", 0.15, "days", (5, 10, 20),
             (10e3, 20e3, 50e3), "L. Moreau", None),
            ("Integration with banking portal", "Implementation", 0.25, "percent", (5, 15, 30),
             (10e3, 25e3, 60e3), "K. Brennan", None),
        ],
    }
    activities, risks, status, work_items = [], [], [], []
    for (pid, name, bu, sponsor, bucket, cat, start, phases, rate, cpi, spi, wi_rate) in active_defs:
        acts, links = make_schedule(rng, pid, phases, rate)
        activities += acts
        risks += make_risks(rng, pid, acts, risk_specs[pid])
        cpm_days = _cpm_finish(acts, links)
        bac = _round_money(sum(a["fixed_cost"] + a["cost_rate"] * a["most_likely"] for a in acts), 1000)
        months = int(np.ceil(cpm_days / 21))
        quarters = max(1, int(np.ceil(months / 3)))
        # approved budget and committed finish include the contingency the board granted at authorisation
        budget_factor, time_factor = RESERVES[pid]
        committed = _business_days(start, cpm_days * time_factor).date().isoformat()
        projects.append(dict(project_id=pid, name=name, business_unit=bu, sponsor=sponsor, stage="active",
                             bucket=bucket, category=cat, estimated_cost=_round_money(bac * budget_factor, 1000),
                             benefit_npv=_round_money(bac * rng.uniform(0.6, 1.6), 10_000), estimate_class=2,
                             probability_of_success=0.85, earliest_start=1, latest_start=1,
                             duration_periods=quarters, mandatory=True, start_date=start.date().isoformat(),
                             committed_finish=committed))
        prof = _profile(rng, quarters)
        approved = projects[-1]["estimated_cost"]
        amounts = [_round_money(approved * w) for w in prof]
        amounts[-1] = approved - sum(amounts[:-1])
        costs += [dict(project_id=pid, period_offset=k, cost=a) for k, a in enumerate(amounts)]
        status += make_status(pid, start, bac, cpm_days, data_date, cpi, spi, rng)
        if wi_rate > 0:
            work_items += make_work_items(rng, pid, start, data_date, wi_rate, 520 if pid == "A-101" else 200)

    # ---- closed projects with benefits and support cost
    closed_defs = [("C-201", "Online payments", "Customer", "Grow", "IT", 1.1e6, 0.95),
                   ("C-202", "Treatment works telemetry", "Operations", "Run", "Infrastructure", 2.3e6, 0.62),
                   ("C-203", "Expense management", "Finance", "Run", "Process", 0.4e6, 1.05),
                   ("C-204", "Customer app v1", "Customer", "Grow", "Product", 0.9e6, 0.48)]
    benefits, support = [], []
    go_live = pd.Timestamp("2025-01-01")
    for k, (pid, name, bu, bucket, cat, cost, realisation) in enumerate(closed_defs):
        projects.append(dict(project_id=pid, name=name, business_unit=bu, sponsor=SPONSORS[bu][0], stage="closed",
                             bucket=bucket, category=cat, estimated_cost=cost,
                             benefit_npv=_round_money(cost * 1.5, 10_000), estimate_class=1,
                             probability_of_success=1.0, earliest_start=1, latest_start=1, duration_periods=1,
                             mandatory=False, start_date="", committed_finish=""))
        costs.append(dict(project_id=pid, period_offset=0, cost=cost))
        owner = "" if pid == "C-204" else SPONSORS[bu][1]
        q_ends = pd.date_range(go_live + pd.DateOffset(months=3 * k), periods=8, freq="QE")
        measured = [d for d in q_ends if d <= data_date]
        for b, (desc, measure, share) in enumerate([("Cost savings", "Operating cost vs 2024 baseline", 0.7),
                                                    ("Revenue or avoided penalties", "Finance ledger", 0.3)], 1):
            for q, d in enumerate(q_ends, start=1):
                planned = _round_money(cost * 1.5 / 8 * share * min(1.0, q / 3), 100)
                realised = ""
                if d in measured:
                    ramp = realisation * min(1.0, q / 4) / min(1.0, q / 3)
                    realised = _round_money(planned * ramp * (1 + rng.normal(0, 0.05)), 100)
                benefits.append(dict(benefit_id=f"B-{pid[2:]}-{b}", project_id=pid, description=desc,
                                     owner=owner, measure=measure, period=q, period_end=d.date().isoformat(),
                                     planned=planned, realised=realised))
        if pid == "C-202":  # a dis-benefit: extra maintenance contract
            for q, d in enumerate(q_ends, start=1):
                benefits.append(dict(benefit_id="B-202-3", project_id=pid, description="Extra maintenance contract",
                                     owner=SPONSORS[bu][1], measure="Supplier invoices", period=q,
                                     period_end=d.date().isoformat(), planned=-15_000.0,
                                     realised=(_round_money(-15_000 * rng.uniform(1.0, 1.6), 100)
                                               if d <= data_date else "")))
        for q, d in enumerate(measured, start=1):
            support.append(dict(project_id=pid, period=q, period_end=d.date().isoformat(),
                                run_cost=_round_money(cost * rng.uniform(0.02, 0.05), 100),
                                incidents=int(rng.poisson(12 if pid == "C-204" else 4))))
    # active projects: planned benefits after go-live (nothing realised yet)
    for (pid, *_rest) in active_defs:
        bac = next(p["estimated_cost"] for p in projects if p["project_id"] == pid)
        q_ends = pd.date_range("2027-06-30", periods=6, freq="QE")
        for q, d in enumerate(q_ends, start=1):
            benefits.append(dict(benefit_id=f"B-{pid[2:]}-1", project_id=pid, description="Efficiency savings",
                                 owner=next(p["sponsor"] for p in projects if p["project_id"] == pid),
                                 measure="Operating cost vs baseline", period=q, period_end=d.date().isoformat(),
                                 planned=_round_money(bac * 0.3 / 6 * min(1, q / 2), 100), realised=""))

    # ---- dependencies (acyclic by construction: lower number first)
    dependencies = [
        ("P-030", "P-029", "requires"), ("P-031", "P-030", "requires"), ("P-033", "P-027", "requires"),
        ("P-002", "P-018", "requires"), ("P-007", "P-027", "requires"), ("P-017", "P-009", "requires"),
        ("P-027", "P-030", "precedes"), ("P-018", "P-002", "precedes"), ("P-028", "P-031", "precedes"),
        ("P-010", "P-018", "precedes"), ("P-020", "P-022", "precedes"),
        ("P-015", "P-016", "excludes"), ("P-038", "P-008", "excludes"), ("P-040", "P-026", "excludes"),
        ("P-042", "P-024", "excludes"),
    ]
    dependencies = [dict(project_id=a, other_project_id=b, type=t) for a, b, t in dependencies]

    # ---- budget and capacity: roughly 45 % of what all proposals would need
    c = pd.DataFrame(costs)
    pr = pd.DataFrame(projects).set_index("project_id")
    mid = (pr["earliest_start"] + pr["latest_start"]) // 2
    c = c[c["project_id"].isin(pr.index[pr["stage"] == "proposal"])]
    c["period"] = c["project_id"].map(mid) + c["period_offset"]
    need = c.groupby("period")["cost"].sum().reindex(range(1, H + 1), fill_value=0)
    level = need.rolling(3, center=True, min_periods=1).mean().mean()
    budget = [dict(period=t, budget=_round_money(level * 0.45 * (1 + 0.03 * (t - 1)), 50_000))
              for t in range(1, H + 1)]
    d = pd.DataFrame(demand)
    d = d[d["project_id"].isin(pr.index[pr["stage"] == "proposal"])]
    d["period"] = d["project_id"].map(mid) + d["period_offset"]
    per_skill = d.groupby(["skill", "period"])["fte"].sum().groupby("skill").mean()
    hire = {"BA": 32_000, "DEV": 38_000, "INF": 36_000, "DATA": 40_000, "PM": 34_000, "CHG": 30_000}
    capacity = [dict(skill=s, period=t, fte=round(per_skill[s] * 0.5, 1), hire_cost=hire[s])
                for s in SKILLS for t in range(1, H + 1)]

    # ---- history: 68 completed projects in 4 reference classes (IT overruns most)
    hist_params = {"IT": (22, 1.27, 0.30, 1.20, 0.22), "Infrastructure": (18, 1.20, 0.22, 1.15, 0.18),
                   "Process": (14, 1.08, 0.15, 1.10, 0.15), "Product": (14, 1.18, 0.25, 1.25, 0.25)}
    history = []
    n = 0
    for cls, (count, mean_c, sd_c, mean_d, sd_d) in hist_params.items():
        for _ in range(count):
            n += 1
            est = _round_money(rng.lognormal(np.log(1.2e6), 0.7), 10_000)
            est_d = float(rng.integers(2, 9))
            history.append(dict(project_id=f"H-{n:03d}", reference_class=cls, estimated_cost=est,
                                actual_cost=_round_money(est * rng.lognormal(np.log(mean_c), sd_c), 1000),
                                estimated_duration=est_d,
                                actual_duration=round(est_d * rng.lognormal(np.log(mean_d), sd_d), 1)))

    _add_governance(projects, status, benefits, support)
    _add_new_active(projects, costs, demand)
    branches, risk_calendars = _add_events(activities, risks)
    _add_crash_data(activities)

    criteria = [dict(criterion=c_, description=desc, weight=w)
                for (c_, desc), w in zip(CRITERIA, [0.40, 0.27, 0.19, 0.14])]
    pairwise = [dict(criterion_a=a, criterion_b=b, judgement=float(j)) for a, b, j in PAIRWISE]

    tables = {
        "projects": pd.DataFrame(projects), "criteria": pd.DataFrame(criteria),
        "pairwise": pd.DataFrame(pairwise), "scores": pd.DataFrame(scores), "costs": pd.DataFrame(costs),
        "demand": pd.DataFrame(demand), "capacity": pd.DataFrame(capacity), "budget": pd.DataFrame(budget),
        "dependencies": pd.DataFrame(dependencies), "activities": pd.DataFrame(activities),
        "risks": pd.DataFrame(risks), "status": pd.DataFrame(status), "work_items": pd.DataFrame(work_items),
        "benefits": pd.DataFrame(benefits), "support": pd.DataFrame(support), "history": pd.DataFrame(history),
        "branches": pd.DataFrame(branches), "risk_calendars": pd.DataFrame(risk_calendars),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    return tables


def scale_tables(tables: dict[str, pd.DataFrame], n: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The sample ``n`` times over (see the module notes); ``n = 1`` returns the tables unchanged."""
    if n < 1:
        raise ValueError(f"scale must be >= 1, got {n}")
    if n == 1:
        return tables
    rng = np.random.default_rng(seed + 1000)  # a generator of its own: scale 1 never changes
    t = {k: v.copy() for k, v in tables.items()}
    proposals = set(t["projects"].loc[t["projects"]["stage"] == "proposal", "project_id"])
    out = {k: [v] for k, v in t.items()}
    for r in range(2, n + 1):
        sfx = f"-r{r}"
        ren = {p: p + sfx for p in t["projects"]["project_id"]}
        f = {p: float(np.exp(rng.normal(0, 0.15))) for p in sorted(proposals)}   # cost factor per proposal
        g = {p: float(np.exp(rng.normal(0, 0.2))) for p in sorted(proposals)}    # benefit factor

        pr = t["projects"].copy()
        is_p = pr["project_id"].isin(proposals)
        costs = t["costs"].copy()
        cf = costs["project_id"].map(f).fillna(1.0)
        costs["cost"] = np.where(costs["project_id"].isin(proposals), (costs["cost"] * cf / 1000).round() * 1000,
                                 costs["cost"])
        total = costs.groupby("project_id")["cost"].sum()
        pr.loc[is_p, "estimated_cost"] = pr.loc[is_p, "project_id"].map(total)
        pr.loc[is_p, "benefit_npv"] = (pr.loc[is_p, "benefit_npv"] * pr.loc[is_p, "project_id"].map(g) / 10_000
                                       ).round() * 10_000
        demand = t["demand"].copy()
        demand["fte"] = np.where(demand["project_id"].isin(proposals),
                                 (demand["fte"] * demand["project_id"].map(f).fillna(1.0)).round(1), demand["fte"])
        scores = t["scores"].copy()
        jitter = rng.integers(-1, 2, len(scores))
        scores["score"] = np.where(scores["project_id"].isin(proposals), np.clip(scores["score"] + jitter, 0, 10),
                                   scores["score"])
        copies = {"projects": pr, "costs": costs, "demand": demand, "scores": scores}
        for name in ("dependencies", "activities", "status", "support", "branches"):
            copies[name] = t[name].copy()
        copies["dependencies"]["other_project_id"] = copies["dependencies"]["other_project_id"].map(ren)
        risks = t["risks"].copy()
        risks["risk_id"] = risks["risk_id"] + sfx
        has_parent = risks["parent_risk"].notna() & (risks["parent_risk"].astype(str) != "")
        risks.loc[has_parent, "parent_risk"] = risks.loc[has_parent, "parent_risk"].astype(str) + sfx
        acts = t["activities"]
        work = acts[acts["max_duration"] > 0]
        a1 = work.loc[work["project_id"] == "A-101", "activity_id"].iloc[0]
        a2 = work.loc[work["project_id"] == "A-102", "activity_id"].iloc[0]
        shared = {c: "" for c in risks.columns}
        shared.update(risk_id=f"R-SH{sfx}", project_id="A-101", title="Systems integrator over-committed",
                      owner="A. Novak", probability=0.2, impact_type="days", schedule_min=5.0,
                      schedule_most_likely=10.0, schedule_max=25.0, cost_min=20000.0, cost_most_likely=50000.0,
                      cost_max=120000.0, affected_activities=f"{a1}; A-102{sfx}/{a2}")
        copies["risks"] = pd.concat([risks, pd.DataFrame([shared])], ignore_index=True)
        wi = t["work_items"].copy()
        wi["item_id"] = wi["item_id"] + sfx
        copies["work_items"] = wi
        ben = t["benefits"].copy()
        ben["benefit_id"] = ben["benefit_id"] + sfx
        copies["benefits"] = ben
        for name, df in copies.items():
            df["project_id"] = df["project_id"].map(ren)
            out[name].append(df)
    scaled = {k: pd.concat(v, ignore_index=True) for k, v in out.items()}
    scaled["budget"] = t["budget"].assign(budget=(t["budget"]["budget"] * n / 50_000).round() * 50_000)
    scaled["capacity"] = t["capacity"].assign(fte=(t["capacity"]["fte"] * n).round(1))
    for name in ("criteria", "pairwise", "history", "risk_calendars"):
        scaled[name] = t[name]
    return scaled


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="regenerate to a temp dir and compare with data/sample")
    ap.add_argument("--scale", type=int, default=1, help="write a portfolio N times the sample (needs --out)")
    ap.add_argument("--out", type=Path, default=None, help="folder to write to (default data/sample at scale 1)")
    args = ap.parse_args(argv)
    if args.scale != 1 or args.out is not None:
        if args.check:
            ap.error("--check compares the committed sample: use it without --scale/--out")
        if args.scale < 1:
            ap.error("--scale must be >= 1")
        if args.out is None:
            ap.error("--scale N needs --out FOLDER (the committed sample is never overwritten by a scaled one)")
        out = args.out.resolve()
        if out == OUT.resolve():
            ap.error("--out must not be data/sample")
        if out.exists() and any(out.iterdir()):
            ap.error(f"--out {out} exists and is not empty")
        with tempfile.TemporaryDirectory() as tmp:
            tables = scale_tables(generate(Path(tmp)), args.scale)
        out.parent.mkdir(parents=True, exist_ok=True)  # the staging folder must sit beside --out to be renamed
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out.parent))
        for name, df in tables.items():
            df.to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
        if out.exists():
            out.rmdir()
        staging.rename(out)  # atomic: the folder appears complete or not at all
        for name, df in tables.items():
            print(f"{name:14s} {len(df):7d} rows")
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            tables = generate(Path(tmp))
            diff = [f"{n}.csv" for n in tables if not filecmp.cmp(Path(tmp) / f"{n}.csv", OUT / f"{n}.csv",
                                                                  shallow=False)]
        print("identical" if not diff else f"differs: {', '.join(diff)}")
        return 1 if diff else 0
    tables = generate()
    for name, df in tables.items():
        print(f"{name:14s} {len(df):5d} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
