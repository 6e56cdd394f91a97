"""The ``pmo`` command: review, validate, template.

    pmo review [--data PATH] [--out reports] [--seed N] [--iterations N] [--param KEY=VALUE ...]
    pmo validate PATH
    pmo template OUT.xlsx

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
    r.add_argument("--data", type=Path, default=None, help="folder of CSVs or .xlsx workbook (default: sample)")
    r.add_argument("--out", type=Path, default=Path("reports"), help="parent folder of records (default: reports)")
    r.add_argument("--seed", type=int, default=None, help="random seed for every notebook (default: 20261125)")
    r.add_argument("--iterations", type=int, default=None, help="Monte Carlo iterations, where used")
    r.add_argument("--param", type=_param, action="append", default=[], metavar="KEY=VALUE",
                   help="extra notebook parameter (JSON value), repeatable")
    r.add_argument("--notebook", action="append", default=None, type=Path,
                   help="run only this notebook (repeatable)")
    r.add_argument("--quiet", action="store_true", help="no progress output")

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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"validate": _cmd_validate, "review": _cmd_review, "template": _cmd_template}
    try:
        return handlers[args.command](args)
    except DataValidationError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except PMOError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
