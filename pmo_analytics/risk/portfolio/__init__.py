"""Portfolio Monte Carlo: every project simulated together, with common random numbers.

What one simulation of the portfolio couples that project-by-project runs cannot:

* **Cross-project links.** ``precedes`` rows of the ``dependencies`` table:
  a project cannot start before its predecessor's simulated finish, so a
  late predecessor pushes its successor's spend into later periods.
* **Shared risks.** A register row whose ``affected_activities`` names
  activities of several projects (``A-102/A150``, see
  :func:`~pmo_analytics.tables.spec.split_activity_ref`) occurs *once* per
  iteration and then hits every activity it names, in every project (one
  supplier, one regulator). Its cost impact is split equally over the
  activities it affects (as in the single-project model,
  :func:`~pmo_analytics.risk.drivers.risk_drivers`).
* **Reference-class correlation.** Projects of one reference class
  (``projects.category``) share estimating bias: their total costs are given
  the rank correlation ``class_correlation`` by reordering whole iterations
  of each project with Iman-Conover (Iman & Conover 1982), which leaves each
  project's own distribution (and the consistency of its cost, dates and
  spend within an iteration) untouched. Projects without a schedule draw
  their cost and duration from the lognormal fitted to the class's
  actual/estimated ratios in the ``history`` table
  (:func:`reference_class_distributions`), with the cost-duration rank
  correlation observed in the class.

Time and money
--------------
Time runs in working days from the start of portfolio period 1; a period is
``period_days`` working days (63 ~ a quarter, 21 ~ a month). A project starts
at the start of its start period (``earliest_start`` for active projects, the
selected start for proposals), later when a predecessor finishes late. An
activity's cost (``fixed_cost + cost_rate * duration`` plus its share of risk
cost impacts) is spent uniformly between its early start and early finish; a
project without a schedule spends each period of its cost profile uniformly
over that period stretched by its sampled duration ratio. Spend after period
H is reported as "after the horizon".

Schedule events
---------------
Probabilistic branches, risk calendars and conditional risks
(:mod:`pmo_analytics.risk.events`, :mod:`pmo_analytics.risk.drivers`) are
simulated as the schedule engine simulates them, by the same code: a
project's branches and risk-calendar windows are drawn from its stream ``(b,
EVENTS, key(project_id))``; the paths of branches not taken last 0 days and
spend nothing; the windows act on the dates of the project's own schedule
(its calendars from its start or data date: a delay that a cross-project
link adds does not move its weather). A conditional risk and its parent must
both be local to the project: a register where a shared risk (one that
names activities of several projects) has a parent, or is one, is refused
with the risk named.

Projects under way
------------------
A schedule with progress (actual dates, a ``data_date``), constraint dates or
calendars is built with its dates (:func:`~pmo_analytics.schedule.build_network`
from the portfolio) and simulated as
:class:`~pmo_analytics.risk.engine.ScheduleRiskModel` simulates it: complete
activities keep their actuals, the others sample their *remaining* duration
(the three-point range scaled by remaining / most likely,
:func:`~pmo_analytics.risk.sampling.remaining_ranges`), on their calendars, no
remaining work before the data date (P6's retained logic, or progress
override with ``progress_mode``). Its data date (or its start, when later)
is placed at the start of its start period, and times are working days of
the project calendar from there. The work done before the data date (its
planned share ``most_likely - remaining`` at the cost rate, and the fixed
cost in proportion) is in the project's cost, as in the schedule engine, but
in no period's spend; a risk whose activities are all complete delays
nothing, and its cost, when it occurs, is spent at the data date. A late
predecessor project delays the remaining work as a whole. Without progress,
the dated and the plain schedule give the same numbers.

Random numbers
--------------
Iterations come in blocks of ``block_size``. Each project draws block ``b``
from the stream ``(seed, b, PROJECT, key(project_id))``
(:func:`pmo_analytics.streams.stream`: ``PCG64(SeedSequence(seed,
spawn_key=(b, 0, key(project_id))))``), each shared risk from ``(b, SHARED,
key(risk_id))`` and each reference class its Iman-Conover scores from ``(b,
CLASS, key(class))``, with ``key`` the stable 64-bit hash of the id
(:func:`pmo_analytics.streams.stable_key`). So a project sees the same numbers whatever else is simulated
(common random numbers between a run with and without a proposal, with and
without mitigation), and a block gives the same numbers whichever thread,
process or cluster worker runs it (:mod:`pmo_analytics.parallel`). One
exception: with ``class_correlation > 0``, the Iman-Conover reordering pairs
a class's members by their order, so adding a member (a proposal in that
class) can re-pair the others' iterations; each project's distribution, and
the class's correlation, stay as stated.

Switching the sampler
---------------------
A project's durations for one block come from one function,
:func:`sample_schedule_block` (the sampling kernel shared with the schedule
engine, :class:`~pmo_analytics.risk.sampling.BlockSampler`: the project's
:class:`~pmo_analytics.risk.distributions.DurationSampler` over Latin
hypercube uniforms, Iman-Conover within correlation groups); its risks are
applied by the kernel's :class:`~pmo_analytics.risk.sampling.RiskDriverStep`,
as in the schedule engine. Another block
sampler (the engine's) replaces it by being passed as ``sampler=`` to
:class:`PortfolioRiskModel`: any function
``sampler(project, b, seed, block_size, sampling, pert_lambda) -> (D0,
U_occ, U_imp)`` with the same layout.

Modules
-------
:mod:`~pmo_analytics.risk.portfolio.compiled` (the picklable model: projects,
links, reference classes, shared risks, milestones), :mod:`~pmo_analytics.risk.portfolio.blocks`
(one block, the task of an executor) and :mod:`~pmo_analytics.risk.portfolio.model`
(:class:`PortfolioRiskModel` and its results); the reference-class fits are in
:mod:`pmo_analytics.risk.reference_class`, spend over periods in
:mod:`pmo_analytics.risk.spend`. Every name is importable from here.
"""

from ...streams import stable_key, stream
from ..correlation import spearman_to_pearson
from ..reference_class import reference_class_distributions
from ..spend import accrue
from .blocks import sample_schedule_block, simulate_block
from .compiled import CompiledPortfolio, ProfileProject, ScheduleProject, compile_portfolio
from .model import PortfolioRiskModel

__all__ = ["PortfolioRiskModel", "reference_class_distributions", "sample_schedule_block", "simulate_block",
           "stream", "stable_key", "accrue", "spearman_to_pearson", "CompiledPortfolio", "ScheduleProject",
           "ProfileProject", "compile_portfolio"]
