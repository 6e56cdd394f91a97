"""The ``pmo`` command: review, validate, template, decide, replay, decisions.

    pmo review [--data PATH] [--out reports] [--seed N] [--iterations N] [--param KEY=VALUE ...]
    pmo validate PATH
    pmo template OUT.xlsx
    pmo decide "fund P-017, P-023; defer P-031" --by "Portfolio board" --record reports/<run-id>
    pmo replay D-0001
    pmo decisions
    pmo import schedule.mpp register.xlsx --out my_portfolio/

Exit status: 0 success, 1 invalid data or a failed run, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from .exceptions import DataValidationError, PMOError

EPILOG = """\
data: a folder of CSV files named after the tables (projects.csv, criteria.csv, ...) or one .xlsx
workbook with a sheet per table. `pmo template` writes a blank workbook that documents every column.
Without --data, commands use the bundled sample portfolio (data/sample/)."""


def _param(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    if not key.isidentifier():
        raise argparse.ArgumentTypeError(f"parameter name must be an identifier, got {key!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pmo", description="Decision support for a Project Management Office: validate portfolio data, "
        "run the curated notebooks and write reproducible decision records.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("review", help="run every curated notebook and write a decision record under reports/",
                       description="Validate the data, execute every curated notebook with papermill (data "
                       "path, seed and other parameters injected) and write reports/<run-id>/: executed "
                       "notebooks, self-contained HTML pages (charts inlined, no CDN), index.html, "
                       "numbers.json and manifest.json (input SHA-256, parameters, versions, git commit, "
                       "times). An earlier record is never overwritten.", epilog=EPILOG,
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
    r.add_argument("--quiet", action="store_true", help="no progress output")
    r.add_argument("--policy", action="store_true",
                   help="print every review policy setting with its default and meaning, and exit")

    v = sub.add_parser("validate", help="validate portfolio data and print every problem found",
                       description="Read and validate the data; print every problem (file or sheet, row, "
                       "column, what was expected). Exit status 1 when any problem is found.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("path", type=Path, nargs="?", default=None, help="folder of CSVs or .xlsx (default: sample)")

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

    rp = sub.add_parser("replay", help="re-run a recorded decision and check its numbers reproduce",
                        description="Re-run the decision's scenario from its stored parameters, compare the "
                        "numbers with those recorded, and list input files whose SHA-256 changed since. "
                        "Exit status 0 when the numbers reproduce, 1 otherwise.")
    rp.add_argument("decision_id", help="e.g. D-0001")
    rp.add_argument("--folder", type=Path, default=Path("decisions"), help="register folder")
    rp.add_argument("--data", type=Path, default=None, help="replay on other data (default: the recorded path)")
    rp.add_argument("--quiet", action="store_true", help="no progress output")

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
                        "(exit status 1) while the others are listed. --verify checks the hash chain: it names every "
                        "entry edited, deleted, reordered or added by hand since it was recorded.")
    ls.add_argument("--folder", type=Path, default=Path("decisions"), help="register folder")
    ls.add_argument("--verify", action="store_true", help="check the register's hash chain")
    return p


def _cmd_validate(args) -> int:
    from .tables import read_portfolio, sample_path, validate_path

    path = args.path if args.path is not None else sample_path()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problems = validate_path(path)
    for w in caught:
        print(f"warning: {w.message}")
    if problems:
        print(f"{path}: {len(problems)} problem(s)")
        for prob in problems:
            print(f"  - {prob}")
        return 1
    pf = read_portfolio(path)
    print(f"{path}: valid — {pf!r}")
    print(pf.summary().to_string())
    return 0


def _cmd_review(args) -> int:
    from .records import Review

    if args.policy:
        from .review import policy_table

        for r in policy_table().itertuples():
            unit = f" [{r.unit}]" if r.unit else ""
            print(f"{r.setting} = {r.default}{unit}\n    {r.used_by}: {r.meaning}")
        return 0
    params = dict(args.param)
    if args.seed is not None:
        params["seed"] = args.seed
    if args.iterations is not None:
        params["iterations"] = args.iterations
    review = Review(data=args.data, out=args.out, parameters=params, notebooks=args.notebook,
                    progress=not args.quiet).run()
    print(review.path_)
    return 0


def _cmd_template(args) -> int:
    from .tables import write_template

    try:
        out = write_template(args.out, overwrite=args.force)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"template written to {out}")
    return 0


def _cmd_import(args) -> int:
    from .exceptions import JavaUnavailableError
    from .tables.sources import import_sources

    try:
        res = import_sources(args.sources, args.out)
    except (JavaUnavailableError, FileExistsError) as exc:  # nothing to import with, or nowhere safe to write
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(res.report())
    print(f"written to {args.out}")
    return 0


def _cmd_decide(args) -> int:
    from .records.replay import decision_from_record

    entry = decision_from_record(args.record, args.decision, args.by, folder=args.folder, options=args.option,
                                 supersedes=args.supersedes, notes=args.notes)
    print(f"{entry.decision_id} recorded in {args.folder}: {entry.decision}")
    return 0


def _cmd_replay(args) -> int:
    from .records import replay

    result = replay(args.decision_id, folder=args.folder, data_path=args.data, progress=not args.quiet)
    print(result)
    return 0 if result.reproduced else 1


def _cmd_decisions(args) -> int:
    from .records.decisions import list_decisions, verify_register

    df = list_decisions(args.folder, on_error="skip")
    print(df.drop(columns=["created"]).to_string(index=False) if len(df) else f"no decisions in {args.folder}")
    rc = 0
    for problem in df.attrs.get("problems", []):
        print(f"error: unreadable entry in {args.folder}: {problem}", file=sys.stderr)
        rc = 1
    if args.verify:
        problems = verify_register(args.folder)
        if problems:
            print(f"the register {args.folder} is NOT intact: {len(problems)} problem(s)", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
            rc = 1
        else:
            print(f"the register {args.folder} is intact: {len(df)} entries, hash chain verified")
    return rc


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"validate": _cmd_validate, "review": _cmd_review, "template": _cmd_template,
                "decide": _cmd_decide, "replay": _cmd_replay, "decisions": _cmd_decisions, "import": _cmd_import}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except DataValidationError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except PMOError as exc:
        from .records.review import ReviewInterrupted

        print(f"error: {exc}", file=sys.stderr)
        if isinstance(exc, ReviewInterrupted):
            return 128 + exc.signum
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
