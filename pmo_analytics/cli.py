"""The ``pmo`` command: review, validate, template, decide, replay, decisions, import.

    pmo review [--data PATH] [--out reports] [--seed N] [--iterations N] [--param KEY=VALUE ...]
    pmo validate [PATH] [--date-format DD/MM/YYYY] [--json]
    pmo template OUT.xlsx
    pmo decide "fund P-017, P-023; defer P-031" --by "Portfolio board" --record reports/<run-id>
    pmo replay D-0001 [--expect HEAD]
    pmo decisions [--json] [--verify [--expect HEAD]]
    pmo import schedule.mpp register.xlsx --out my_portfolio/

Global options (before or after the command): ``-q/--quiet`` (only the result
and errors), ``-v/--verbose`` (more detail, and a traceback on failure),
``--version``.

Every command goes through :func:`run_command`: a failure the user can cause
(invalid data, a missing file, a bad option value) prints one message and exits
1 or 2, never a traceback (unless ``--verbose``); Ctrl-C exits 130 with one
line; a closed pipe (``pmo decisions | head``) ends quietly. Commands print
through a :class:`Console` (``args.console``): the result on stdout, progress,
notes, warnings and errors on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from pathlib import Path

from .exceptions import DataValidationError, PMOError

#: Exit status of every command.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 130, 141

EPILOG = """\
data: a folder of CSV files named after the tables (projects.csv, criteria.csv, ...) or one .xlsx
workbook with a sheet per table. `pmo template` writes a blank workbook that documents every column.
Dates are read as YYYY-MM-DD unless another format is declared (--date-format, or date_format under
[data] in a review.toml beside the data). Without --data, commands use the bundled sample portfolio."""

#: The epilog of ``review``, which reads dates as review.toml says (it has no --date-format of its own).
REVIEW_EPILOG = """\
data: a folder of CSV files named after the tables (projects.csv, criteria.csv, ...) or one .xlsx
workbook with a sheet per table. `pmo template` writes a blank workbook that documents every column.
Dates are read as YYYY-MM-DD unless date_format under [data] in a review.toml beside the data declares
another format. Without --data, the review reads the bundled sample portfolio."""

EXIT_CODES = """\
exit status:
  0    success (validate: the data are valid; replay: the numbers reproduce)
  1    invalid data, a failed run, numbers that do not reproduce, or an internal error
  2    wrong usage: unknown command or option, bad option value, a file that exists
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)
  141  output closed early (e.g. piped into head)"""

#: Notebook parameters that must be whole numbers (checked when parsing --param).
INT_PARAMS = ("seed", "iterations")


class Console:
    """Where a command's output goes.

    The result goes to stdout (``result``, ``json``); everything else to
    stderr: ``info`` (progress and notes, hidden by ``--quiet``), ``detail``
    (only with ``--verbose``), ``warn`` and ``error`` (always, one line each).
    """

    def __init__(self, quiet: bool = False, verbose: bool = False, stdout=None, stderr=None):
        self.quiet, self.verbose = quiet, verbose
        self._out, self._err = stdout, stderr

    @property
    def out(self):
        return self._out or sys.stdout

    @property
    def err(self):
        return self._err or sys.stderr

    def result(self, text: str = "") -> None:
        print(text, file=self.out)

    def json(self, obj) -> None:
        """The result as JSON (numbers, text, lists, dicts; NaN and infinities as null; anything else as text)."""
        print(json.dumps(_jsonable(obj), indent=2, ensure_ascii=False, default=str, allow_nan=False), file=self.out)

    def info(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.err)

    def detail(self, text: str) -> None:
        if self.verbose:
            print(text, file=self.err)

    def warn(self, text: str) -> None:
        print(f"warning: {text}", file=self.err)

    def error(self, text: str, prefix: bool = True) -> None:
        """One error line (``error: ...``); ``prefix=False`` for a message that already says what it is."""
        print(f"error: {text}" if prefix and not text.startswith("error:") else text, file=self.err)

    def showwarning(self, message, category, filename, lineno, file=None, line=None) -> None:
        """Drop-in for :func:`warnings.showwarning`: one line per warning (where it came from with -v)."""
        self.warn(str(message))
        self.detail(f"  ({category.__name__} at {filename}:{lineno})")


def _jsonable(obj):
    """``obj`` with float NaN/inf replaced by None (strict JSON), containers walked."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", None) == 0:  # numpy scalars
        return _jsonable(obj.item())
    return obj


def _pipe_closed() -> int:
    """stdout's reader went away: send the rest of our output nowhere and stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests)
        pass
    return EXIT_PIPE


def run_command(handler, args, console: Console | None = None) -> int:
    """Run one command's ``handler(args)`` with the conventions every command shares.

    ``args.console`` is set to the :class:`Console`. Warnings print as one line
    each. Failures become one message and an exit status (see ``EXIT_CODES``):
    data and domain errors (:class:`~pmo_analytics.exceptions.PMOError`), missing
    or unreadable files exit 1; wrong argument values (``ValueError``) and files
    that already exist exit 2; Ctrl-C exits 130; anything else is reported as an
    internal error (exit 1). With ``--verbose`` the traceback is printed too.
    """
    console = console or Console(getattr(args, "quiet", False), getattr(args, "verbose", False))
    args.console = console

    def fail(message: str, code: int, prefix: bool = True) -> int:
        if console.verbose:
            traceback.print_exc(file=console.err)
        console.error(message, prefix)
        return code

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            # the interpreter's and libraries' housekeeping (unclosed kernel sockets at exit, deprecations inside
            # dependencies) is not the user's business: only the package's own warnings and user warnings print
            for noise in (ResourceWarning, DeprecationWarning, PendingDeprecationWarning):
                warnings.simplefilter("ignore", noise)
            warnings.showwarning = console.showwarning
            code = handler(args)
        console.out.flush()
        return EXIT_OK if code is None else int(code)
    except BrokenPipeError:
        return _pipe_closed()
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except DataValidationError as exc:  # "invalid portfolio data in ...: N problem(s)" and one line each
        return fail(str(exc), EXIT_FAILED, prefix=False)
    except PMOError as exc:  # a run stopped by a signal exits 128 + its number (SIGTERM: 143)
        signum = getattr(exc, "signum", None)
        return fail(str(exc), 128 + signum if isinstance(signum, int) else EXIT_FAILED)
    except FileExistsError as exc:
        return fail(str(exc), EXIT_USAGE)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        return fail(f"{exc.strerror or exc}{where}" if exc.strerror else str(exc), EXIT_FAILED)
    except json.JSONDecodeError as exc:
        return fail(f"cannot read a JSON file (damaged or edited by hand?): {exc}", EXIT_FAILED)
    except UnicodeError as exc:
        return fail(f"cannot decode a file: {exc}", EXIT_FAILED)
    except ValueError as exc:  # wrong argument values (the package's convention for them)
        return fail(str(exc), EXIT_USAGE)
    except MemoryError:
        return fail("out of memory: the data are too large for this machine", EXIT_FAILED)
    except OSError as exc:
        return fail(str(exc), EXIT_FAILED)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one message, not a traceback
        hint = "" if console.verbose else " (run with --verbose for the traceback)"
        return fail(f"internal error: {type(exc).__name__}: {exc}{hint}", EXIT_FAILED)


def _common_options() -> argparse.ArgumentParser:
    """-q/-v accepted before and after the command (defaults suppressed so neither position overrides the other)."""
    c = argparse.ArgumentParser(add_help=False)
    g = c.add_argument_group("output")
    g.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="print only the result and errors (no progress, no notes)")
    g.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="print more detail, and the traceback when a command fails")
    return c


def data_options() -> argparse.ArgumentParser:
    """Options of commands that read portfolio data (``parents=[data_options()]``)."""
    d = argparse.ArgumentParser(add_help=False)
    d.add_argument("--date-format", default=None, metavar="FORMAT",
                   help="how dates written as text are read, e.g. DD/MM/YYYY or MM/DD/YYYY (default: date_format "
                   "under [data] in review.toml beside the data, else YYYY-MM-DD)")
    return d


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pmo_analytics")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def _param(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    if not key.isidentifier():
        raise argparse.ArgumentTypeError(f"parameter name must be an identifier, got {key!r}")
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        parsed = value
    if key in INT_PARAMS and (isinstance(parsed, bool) or not isinstance(parsed, int)):
        raise argparse.ArgumentTypeError(f"{key} must be a whole number, got {value!r}")
    return key, parsed


class _Parser(argparse.ArgumentParser):
    """An argument parser that, for a mistyped command or option, says which one was meant (difflib)."""

    def error(self, message: str):
        hint = _did_you_mean(self, message)
        super().error(message + hint)


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings if o.startswith("--")]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            return dict(a.choices)
    return {}


def _did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    """`` (did you mean review?)`` for an unknown command, ``--seed`` for ``--seeds``; empty when nothing is close."""
    import difflib
    import re

    m = re.search(r"invalid choice: '([^']*)'", message)
    if m:
        choices = list(_subparsers(parser)) or [c.strip("'") for c in re.findall(r"'([^']*)'", message)[1:]]
        near = difflib.get_close_matches(m.group(1), choices, n=1, cutoff=0.5)
        return f" (did you mean {near[0]}?)" if near else ""
    m = re.search(r"unrecognized arguments: (.*)$", message)
    if m:
        known = _option_strings(parser)
        command = getattr(parser, "_pmo_command", None)
        subs = _subparsers(parser)
        if command in subs:
            known += _option_strings(subs[command])
        else:
            known += [o for sp in subs.values() for o in _option_strings(sp)]
        hints = []
        for word in m.group(1).split():
            if word.split("=", 1)[0] == "--date-format" and "--date-format" not in known:
                return (" (review reads dates as date_format under [data] in a review.toml beside the data says; "
                        "pmo validate --date-format checks a format first)")
            if word.startswith("-"):
                near = difflib.get_close_matches(word.split("=", 1)[0], sorted(set(known)), n=1, cutoff=0.6)
                if near:
                    hints.append(f"{near[0]} for {word}")
        return f" (did you mean {'; '.join(hints)}?)" if hints else ""
    return ""


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    p = _Parser(
        prog="pmo", description="Decision support for a Project Management Office: validate portfolio data, "
        "run the curated notebooks and write reproducible decision records.", epilog=EPILOG + "\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    p.add_argument("--version", action="version", version=f"pmo {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_sub_parser(common))

    r = sub.add_parser("review", help="run every curated notebook and write a decision record under reports/",
                       description="Validate the data, execute every curated notebook with papermill (data "
                       "path, seed and other parameters injected) and write reports/<run-id>/: executed "
                       "notebooks, self-contained HTML pages (charts inlined, no CDN), index.html, "
                       "numbers.json and manifest.json (input SHA-256, parameters, versions, git commit, "
                       "times). An earlier record is never overwritten.", epilog=REVIEW_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("--data", nargs="+", default=None, metavar="SOURCE",
                   help="folder of CSVs or .xlsx workbook (default: sample); several sources or schedule files "
                   "(.mpp, MSPDI .xml, .xer, P6 .xml; PROJECT_ID=FILE to name the project) are merged first")
    r.add_argument("--out", type=Path, default=Path("reports"), help="parent folder of records (default: reports)")
    r.add_argument("--seed", type=int, default=None, help="random seed for every notebook (default: 20261125)")
    r.add_argument("--iterations", type=int, default=None, help="Monte Carlo iterations, where used")
    r.add_argument("--param", type=_param, action="append", default=[], metavar="KEY=VALUE",
                   help="a review policy setting or page parameter (JSON value), repeatable; unknown names are "
                   "refused before anything runs (see `pmo review --policy`)")
    r.add_argument("--notebook", action="append", default=None, metavar="NAME",
                   help="run only this page: 03, 03_schedule_risk or 03_schedule_risk.ipynb (repeatable)")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler (tcp://host:8786) for the portfolio simulation and frontier levels; the "
                   "numbers are the same without it (needs the 'distributed' extra). Connected to and identified "
                   "before anything runs; reported when no selected page uses it")
    r.add_argument("--policy", action="store_true",
                   help="print every review policy setting with its default and meaning, and exit")
    r.add_argument("--pdf", action="store_true",
                   help="also print the record as one A4 board pack, board_pack.pdf in the record (needs headless "
                   "Chromium: chromium on PATH or PMO_CHROMIUM; refused before anything runs without it)")
    r.add_argument("--json", action="store_true",
                   help="print a machine summary of the record on stdout (path, status, pages, headline numbers) "
                   "instead of its path")

    v = sub.add_parser("validate", help="validate portfolio data and print every problem found",
                       description="Read and validate the data; print every problem (file or sheet, row, "
                       "column, what was expected). Exit status 1 when any problem is found.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter, parents=[data_options()])
    v.add_argument("path", type=Path, nargs="?", default=None, help="folder of CSVs or .xlsx (default: sample)")
    v.add_argument("--data", type=Path, default=None, metavar="SOURCE", dest="data",
                   help="the same as PATH, named as the other commands name it")
    v.add_argument("--json", action="store_true", help="print the result as JSON (problems, warnings, tables)")

    t = sub.add_parser("template", help="write a blank input workbook documenting every column",
                       description="Write an .xlsx with one sheet per table (header row) and a README sheet "
                       "giving each column's type, unit, whether it is required and its allowed values.")
    t.add_argument("out", type=Path, help="workbook to write (.xlsx); never overwritten unless --force")
    t.add_argument("--force", action="store_true", help="replace an existing file")

    d = sub.add_parser("decide", help="append a decision to the register (decisions/), linked to a record",
                       description="Record a decision made in a portfolio review: the decision in words, who "
                       "decided, the options considered, and the executed record (reports/<run-id>) whose "
                       "numbers supported it. Entries are append-only: a correction is a new entry with "
                       "--supersedes.")
    d.add_argument("decision", help='the decision in words, e.g. "fund P-017, P-023; defer P-031"')
    d.add_argument("--by", required=True, help="who decided")
    d.add_argument("--record", type=Path, required=True, help="the executed review record (reports/<run-id>)")
    d.add_argument("--option", action="append", default=[], help="an option considered (repeatable)")
    d.add_argument("--supersedes", default=None, help="id of the decision this one corrects")
    d.add_argument("--notes", default="", help="free text")
    d.add_argument("--folder", type=Path, default=Path("decisions"), help="register folder (default: decisions)")
    d.add_argument("--force", action="store_true",
                   help="append even when the register fails verification (pmo decisions --verify); the entry "
                   "records the problems it was appended over")

    rp = sub.add_parser("replay", help="re-run a recorded decision and check its numbers reproduce",
                        description="Re-run the decision's scenario from its stored parameters, compare the "
                        "numbers with those recorded, and list input files whose SHA-256 changed since. "
                        "The register is verified first (as pmo decisions --verify). Exit status 0 when the "
                        "numbers reproduce and the register passes verification, 1 otherwise.")
    rp.add_argument("decision_id", help="e.g. D-0001")
    rp.add_argument("--folder", type=Path, default=Path("decisions"), help="register folder")
    rp.add_argument("--data", type=Path, default=None, help="replay on other data (default: the recorded path)")
    rp.add_argument("--reports", type=Path, default=Path("reports"),
                    help="reports folder whose records anchor the register (default: reports)")
    rp.add_argument("--expect", default=None, metavar="HEAD",
                    help="a register head noted earlier (D-0007:<sha256>, as pmo decide prints it)")

    im = sub.add_parser("import", help="merge schedules (MS Project, Primavera) and tables into our CSV layout",
                        description="Read MS Project (.mpp, MSPDI .xml) and Primavera (.xer, P6 .xml) schedules "
                        "through MPXJ (needs Java >= 11 and the msproject extra) together with folders of CSVs or "
                        "workbooks; report every reconciliation problem at once; write one CSV per table to "
                        "--out (a new or empty folder), plus what the analyst should confirm under import/.")
    im.add_argument("sources", nargs="+", metavar="SOURCE",
                    help="folder, .xlsx, schedule file, or PROJECT_ID=FILE for a schedule of a named project")
    im.add_argument("--out", type=Path, required=True, help="folder to write (must not exist or be empty)")

    ls = sub.add_parser("decisions", help="list the decision register, newest first",
                        description="List the register, newest first. Entry files that cannot be read are named "
                        "(exit status 1) while the others are listed. --verify checks the hash chain against every "
                        "anchor found (the records under --reports, reports/index.html, --expect) and, with a key "
                        "(PMO_REGISTER_KEY, or key_file under [register] in review.toml), every signature: it names "
                        "each entry edited, deleted, reordered or added by hand, and what showed it.")
    ls.add_argument("--folder", type=Path, default=Path("decisions"), help="register folder")
    ls.add_argument("--verify", action="store_true", help="check the register's hash chain, anchors and signatures")
    ls.add_argument("--reports", type=Path, default=Path("reports"),
                    help="reports folder whose records anchor the register (default: reports)")
    ls.add_argument("--expect", default=None, metavar="HEAD",
                    help="with --verify: a register head noted earlier (D-0007:<sha256>, as pmo decide prints it)")
    ls.add_argument("--json", action="store_true", help="print the register as JSON (a list of entries)")
    return p


def _sub_parser(common):
    """Subparsers that accept the common options after the command too."""

    class SubParser(_Parser):
        def __init__(self, *args, **kwargs):
            kwargs["parents"] = [common, *kwargs.get("parents", [])]
            super().__init__(*args, **kwargs)

    return SubParser


def _cmd_validate(args) -> int:
    from .tables import read_portfolio, sample_path

    con: Console = args.console
    if args.path is not None and args.data is not None and args.path != args.data:
        raise ValueError(f"give the data once: PATH {args.path} or --data {args.data}")
    path = args.path or args.data or sample_path()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pf, problems = read_portfolio(path, date_format=args.date_format), []
        except DataValidationError as exc:
            pf, problems = None, exc.problems
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    if args.json:
        con.json({
            "path": str(path), "valid": not problems,
            "problems": [{"table": p.table, "source": p.source, "row": p.row, "column": p.column,
                          "message": p.message} for p in problems],
            "warnings": notes,
            "tables": [] if pf is None else [{"table": t, **r} for t, r in pf.summary().to_dict("index").items()],
        })
        return EXIT_FAILED if problems else EXIT_OK
    for note in notes:
        con.warn(note)
    if problems:
        con.result(f"{path}: {len(problems)} problem(s)")
        for prob in problems:
            con.result(f"  - {prob}")
        return EXIT_FAILED
    con.result(f"{path}: valid — {pf!r}")
    if not con.quiet:
        con.result(pf.summary().to_string())
    return EXIT_OK


def _cmd_review(args) -> int:
    from .records import DecisionRecord

    con: Console = args.console
    if args.policy:
        from .review import policy_table

        for r in policy_table().itertuples():
            unit = f" [{r.unit}]" if r.unit else ""
            con.result(f"{r.setting} = {r.default}{unit}\n    {r.used_by}: {r.meaning}")
        return 0
    params = dict(args.param)
    if args.seed is not None:
        params["seed"] = args.seed
    if args.iterations is not None:
        params["iterations"] = args.iterations
    record = DecisionRecord(data=args.data, out=args.out, parameters=params, notebooks=args.notebook,
                            progress=con.info, scheduler=args.scheduler, pdf=args.pdf).run()
    summary = record.summary()
    con.info(closing_line(summary))
    if args.json:
        con.json(summary)
    else:
        con.result(str(record.path_))
    return 0


def closing_line(summary: dict) -> str:
    """The line a review ends with: how many pages, how long, the headline and where to open the record."""
    pages = summary.get("pages") or []
    secs = float(summary.get("seconds") or 0)
    took = f"{secs:.0f} s" if secs < 120 else f"{secs // 60:.0f} min {secs % 60:02.0f} s"
    head = str(summary.get("headline") or "").split(". ")[0].strip().rstrip(".")  # its first sentence
    pdf = f"; board pack {summary['pdf']}" if summary.get("pdf") else ""
    return (f"review {summary.get('status')}: {len(pages)} page{'s' if len(pages) != 1 else ''} in {took}"
            + (f". {head}" if head else "") + f". Open {summary.get('index')}{pdf}")


def _cmd_template(args) -> int:
    from .tables import write_template

    try:
        out = write_template(args.out, overwrite=args.force)
    except FileExistsError:
        args.console.error(f"{args.out} exists; choose another name, or pass --force to replace it")
        return EXIT_USAGE
    except ValueError as exc:
        args.console.error(str(exc))
        return EXIT_USAGE
    args.console.result(f"template written to {out}")
    args.console.info(f"fill it (row 2 of each sheet is an example), then check it with: pmo validate {out}")
    return EXIT_OK


def _cmd_import(args) -> int:
    from .exceptions import JavaUnavailableError
    from .tables.sources import import_sources

    con: Console = args.console
    try:
        res = import_sources(args.sources, args.out)
    except (JavaUnavailableError, FileExistsError) as exc:  # nothing to import with, or nowhere safe to write
        con.error(str(exc))
        return EXIT_USAGE
    con.result(res.report())
    con.result(f"written to {args.out}")
    return EXIT_OK


def _cmd_decide(args) -> int:
    from .records.replay import decision_from_record

    con: Console = args.console
    entry = decision_from_record(args.record, args.decision, args.by, folder=args.folder, options=args.option,
                                 supersedes=args.supersedes, notes=args.notes, force=args.force)
    if not entry.recorded_now:
        con.result(f"{entry.decision_id} already holds this decision (same text, who, options, record, numbers and "
                   f"date): not recorded twice")
    else:
        con.result(f"{entry.decision_id} recorded in {args.folder}: {entry.decision}")
    if entry.forced:
        con.warn(f"{entry.decision_id} was appended to a register that fails verification (--force): "
                 f"{entry.forced['count']} problem(s), listed in the entry")
    from .records.integrity import register_head

    head = register_head(args.folder) or {}
    con.info(f"register head: {head.get('decision_id')}:{head.get('sha256')} (note it: pmo decisions --verify "
             f"--expect <head> shows whether the register still holds it)")
    return EXIT_OK


def _cmd_replay(args) -> int:
    from .records import replay

    result = replay(args.decision_id, folder=args.folder, data_path=args.data, progress=args.console.info,
                    reports=args.reports, expect=args.expect)
    args.console.result(str(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def _cmd_decisions(args) -> int:
    from .records.decisions import list_decisions
    from .records.integrity import check_register

    con: Console = args.console
    if args.expect and not args.verify:
        raise ValueError("--expect needs --verify")
    df = list_decisions(args.folder, on_error="skip")
    if args.json:
        con.json(json.loads(df.to_json(orient="records", force_ascii=False)))
    elif len(df):
        con.result(df.drop(columns=["created"]).to_string(index=False))
    else:
        con.info(f"no decisions in {args.folder}")
    rc = EXIT_OK
    for problem in df.attrs.get("problems", []):
        con.error(f"unreadable entry in {args.folder}: {problem}")
        rc = EXIT_FAILED
    if args.verify:
        ver = check_register(args.folder, reports=args.reports, expect=args.expect)
        if ver.problems:
            con.error(f"the register {args.folder} is NOT intact: {len(ver.problems)} problem(s)")
            for p in ver.problems:
                con.error(f"  - {p}", prefix=False)
            rc = EXIT_FAILED
        else:
            con.result(f"the register {args.folder} is intact: {ver.entries} entr{'y' if ver.entries == 1 else 'ies'}, "
                       f"hash chain verified; head {ver.head_text}")
        for note in ver.notes:
            con.info(f"  ({note})")
    return rc


HANDLERS = {"validate": _cmd_validate, "review": _cmd_review, "template": _cmd_template, "decide": _cmd_decide,
            "replay": _cmd_replay, "decisions": _cmd_decisions, "import": _cmd_import}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    subs = _subparsers(parser)
    parser._pmo_command = next((w for w in words if w in subs), None)  # whose options a typo is matched against
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C while parsing
        Console().error("interrupted", prefix=False)
        return EXIT_INTERRUPTED
    args.quiet = getattr(args, "quiet", False)
    args.verbose = getattr(args, "verbose", False)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    return run_command(HANDLERS[args.command], args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
