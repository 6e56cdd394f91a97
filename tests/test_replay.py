"""A decision recorded before a published name was renamed, or its wording reworded, still replays
(pmo_analytics.records.replay.comparable)."""

from __future__ import annotations

from pmo_analytics.records.replay import _decisions_reproduce, _diff, comparable


def _table(columns, rows):
    return {"columns": columns, "index": list(range(len(rows))), "data": rows}


OLD = {"03_schedule_risk": {
    "risk.table": _table(["p50_finish", "pc_finish", "pc_cost", "jcl"], [["2027-01-01", "2027-02-01", 5.0, 0.7]]),
    "risk.exposure": _table(["p80_days_late", "jcl"], [[12.0, 0.1]]),
    "results.evm_by_project": _table(["project_id", "cpi", "reasons"], [["A", 0.86, "cost efficiency: CPI = 0.864 < 0.9 (red)"]]),
    "page.decision": {"headline": "Hold 1.7 M.", "key_numbers": [
        {"label": "Worst lateness vs commitment", "value": 69.6, "kind": "days", "text": "69.6"},
        {"label": "Projects simulated", "value": 3, "kind": "count", "text": "3"}]},
}}
NEW = {"03_schedule_risk": {
    "risk.table": _table(["p50_finish", "p80_finish", "p80_cost", "joint_p80"], [["2027-01-01", "2027-02-01", 5.0, 0.7]]),
    "risk.exposure": _table(["p80_days_late", "jcl"], [[12.0, 0.1]]),
    "results.evm_by_project": _table(["project_id", "cpi", "reasons"], [["A", 0.86, "cost efficiency red: CPI 0.864, below 0.9"]]),
    "risk.recovery_cost": {"A": 367000.0},
    "page.decision": {"headline": "Hold £1.7 M.", "ask": "The board is asked to hold it.", "options": [],
                      "key_numbers": [
        {"label": "Projects simulated", "value": 3, "kind": "count", "unit": "projects", "text": "3"},
        {"label": "Worst lateness at P80 vs commitment", "value": 69.6, "kind": "days", "unit": "working days",
         "text": "69.6"},
        {"label": "Cost to recover at P80", "value": 487000.0, "kind": "money", "unit": "GBP", "text": "£487 k"}]},
}}


def test_renamed_names_and_reworded_text_replay_and_new_numbers_are_not_differences():
    then, now = comparable(OLD), comparable(NEW)
    added = []
    strip = lambda n: {p: {k: v for k, v in x.items() if k != "page.decision"} for p, x in n.items()}  # noqa: E731
    assert _diff(strip(then), strip(now), added=added) == []
    assert added == ["03_schedule_risk.risk.recovery_cost"]
    assert _decisions_reproduce(then, now) == []  # the lateness reads under a reworded label, same number


def test_a_number_that_moved_is_still_caught():
    moved = comparable({"03_schedule_risk": {**NEW["03_schedule_risk"],
                                             "risk.table": _table(["p50_finish", "p80_finish", "p80_cost", "joint_p80"],
                                                                  [["2027-01-01", "2027-02-01", 5.5, 0.7]])}})
    assert _diff(comparable(OLD)["03_schedule_risk"]["risk.table"], moved["03_schedule_risk"]["risk.table"])
    box = {"03_schedule_risk": {**NEW["03_schedule_risk"], "page.decision": {
        "key_numbers": [{"label": "Worst lateness at P80 vs commitment", "value": 70.1}]}}}
    assert _decisions_reproduce(comparable(OLD), comparable(box))


def test_a_record_at_p90_renames_its_p80_names_to_the_level_it_was_computed_at():
    old90 = {"03": {"risk.exposure": _table(["p80_days_late", "jcl"], [[30.0, 0.2]]),
                    "risk.table": _table(["pc_cost", "jcl"], [[6.0, 0.81]])}}
    c = comparable(old90, 90)
    assert c["03"]["risk.exposure"]["columns"] == ["p90_days_late", "jcl"]
    assert c["03"]["risk.table"]["columns"] == ["p90_cost", "joint_p90"]
