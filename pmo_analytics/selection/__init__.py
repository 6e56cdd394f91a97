"""Selection: which proposals to fund and when.

A multi-period selection-and-scheduling MILP (:func:`build_model`) under
budget, skills and any other limit in its own unit, solved by
:func:`solve_model` -- HiGHS in-process and the CBC bundled with PuLP in a
child process, raced on two cores, or one of them; a deterministic mode for
records -- wrapped by the :class:`PortfolioSelector` estimator, with the
analyses a portfolio board uses: :func:`efficient_frontier`,
:func:`compare_scenarios`, :func:`explain_portfolio`, :func:`lp_duals`
(indicative) and the :func:`greedy_portfolio` baseline; what-if re-solves start
from the solved portfolio changed and repaired (:func:`variant_start`). :class:`UncertainSelector`
selects on sampled cost and benefit scenarios with a bounded chance of
overrunning the budget.
"""

from .analysis import compare_scenarios, lp_duals, variant_settings
from .explain import binding_constraints, explain_portfolio, flip_bounds
from .anytime import solve_anytime
from .frontier import efficient_frontier, lp_frontier
from .heuristics import fill_portfolio, lp_rounding
from .data import OBJECTIVES, SelectionData, knapsack_instance, selection_data, synthetic_instance
from .model import FAMILIES, Scaling, SelectionModel, SelectionOptions, build_model
from .heuristics import carry_solution, repair_portfolio, variant_start
from .selector import (GreedyResult, PortfolioSelector, capacity_frame, greedy_portfolio, limit_frame, portfolio_frame,
                       spend_frame)
from .solve import (DEFAULT_NODE_LIMIT, PROVEN_GAP, SOLVERS, SolveOutcome, batch_solver, choose_solver,
                    find_conflicts, solve_model, status_words)
from .solvers import SolverSettings
from .uncertainty import UncertainSelector, solve_saa, wilson_interval
from .whatif import WhatIf, WhatIfResult, scenario_numbers, what_if, what_if_numbers

__all__ = [
    "PortfolioSelector", "SelectionOptions", "SelectionData", "selection_data", "synthetic_instance",
    "knapsack_instance", "OBJECTIVES", "SelectionModel", "Scaling", "build_model", "FAMILIES", "solve_model",
    "SolveOutcome", "find_conflicts", "SOLVERS", "choose_solver", "status_words", "PROVEN_GAP",
    "DEFAULT_NODE_LIMIT", "greedy_portfolio", "GreedyResult", "portfolio_frame", "spend_frame", "capacity_frame",
    "limit_frame", "efficient_frontier", "compare_scenarios", "explain_portfolio", "binding_constraints",
    "lp_duals", "WhatIf", "WhatIfResult", "what_if", "what_if_numbers", "scenario_numbers",
    "UncertainSelector", "solve_saa", "wilson_interval", "carry_solution", "repair_portfolio", "variant_start",
    "batch_solver", "SolverSettings", "lp_frontier", "solve_anytime", "fill_portfolio", "lp_rounding",
    "flip_bounds", "variant_settings",
]
