"""Selection under uncertainty: the most expected value with a bounded chance of overrunning the budget.

The deterministic model (:mod:`pmo_analytics.selection.model`) funds projects
on one cost per project (the estimate, or its reference-class P80 uplift) and
keeps every period within budget *for those costs*. This package selects on
``K`` sampled **scenarios** of every candidate's cost, duration and benefit
and bounds the probability of overrunning, a sample-average approximation
(SAA) of the chance-constrained program (Luedtke & Ahmed, "A sample
approximation approach for optimization with probabilistic constraints",
*SIAM J. Optim.* 19(2), 2008; Pagnoncelli, Ahmed & Shapiro, "Sample average
approximation method for chance constrained programming: theory and
applications", *J. Optim. Theory Appl.* 142, 2009)::

    max  sum_j v_j x_j
    s.t. the rows of the deterministic model except the budget rows
         (one start, mandatory, capacity, dependencies, shares ...)
         sum_j a_ktj x_j + c_kt - M_kt z_k <= B_t      every scenario k, period t
         sum_k z_k <= floor(alpha K)                   chance constraint
         x, z binary

``a_ktj`` is the spend of start column ``j`` (project p starting in period
tau) in period t of scenario k, ``c_kt`` committed spend outside the
candidates (e.g. simulated active projects), ``z_k = 1`` lets scenario k
overrun. ``M_kt = sum_p max_j a_ktj + c_kt - B_t`` is the largest overrun any
portfolio can have in (k, t) (one start per project), so it is as small as
the data allow; rows with ``M_kt <= 0`` can never bind and are left out, and
a scenario that the mandatory projects alone overrun has ``z_k`` fixed to 1.
``chance="joint"`` bounds P(any period overruns) (the board's question),
``chance="period"`` each period's P(overrun) separately (one ``z_kt`` each).

``method="cvar"`` replaces the chance constraint by the conditional value at
risk of the worst period's overrun ``L_k = max_t (spend_kt - B_t)``, linear
with Rockafellar & Uryasev's auxiliary variables ("Optimization of
conditional value-at-risk", *J. Risk* 2(3), 2000)::

    eta + 1 / (alpha K) sum_k u_k <= cvar_limit,   u_k >= L_kt(x) - eta,  u_k >= 0

With ``cvar_limit = 0`` it is the convex conservative approximation of the
chance constraint (Nemirovski & Shapiro, "Convex approximations of chance
constrained programs", *SIAM J. Optim.* 17(4), 2006): its portfolios
overrun with probability at most alpha, usually less.

Scenarios of cost, duration and benefit are drawn per reference class
(:mod:`.scenarios`) in seeded blocks, and the chosen portfolio's overrun
probability is re-estimated on independent scenarios with a Wilson interval
(:mod:`.validation`).

Modules
-------
:mod:`.scenarios`
    :class:`ScenarioSpec` (what varies), :func:`scenario_spec`, :class:`Scenarios`, :func:`draw_scenarios`.
:mod:`.saa`
    :func:`solve_saa` (the SAA / CVaR model on one :class:`~pmo_analytics.selection.SolverSettings`), :class:`SAAOutcome`;
    :mod:`.strengthen` (quantile big-M, greedy start) and :mod:`.highs_driver` (warm start, RENS) beneath it.
:mod:`.validation`
    :func:`evaluate_portfolios` on independent scenarios, :func:`overrun_indicators`, :func:`wilson_interval`.
:mod:`.baseline`
    :func:`deterministic_portfolio`, today's rule for comparison.
:mod:`.selector`
    :class:`UncertainSelector`, the estimator.
"""

from .baseline import deterministic_portfolio
from .saa import RENS_MIN_NONZEROS, SAAOutcome, solve_saa
from .scenarios import Scenarios, ScenarioSpec, draw_block, draw_scenarios, scenario_spec
from .selector import UncertainSelector
from .validation import evaluate_portfolios, overrun_indicators, wilson_interval

__all__ = ["UncertainSelector", "ScenarioSpec", "Scenarios", "scenario_spec", "draw_scenarios", "draw_block",
           "solve_saa", "SAAOutcome", "RENS_MIN_NONZEROS", "overrun_indicators", "evaluate_portfolios",
           "wilson_interval", "deterministic_portfolio"]
