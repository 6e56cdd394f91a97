"""Screenshots of a decision record's pages at 1,280 px for the documentation (``docs/images/review_NN.png``).

    .venv/bin/python tools/screenshots.py                      # runs a light review of the sample first
    .venv/bin/python tools/screenshots.py reports/<run-id>     # or shoots an existing record

Each page of the record (and its index, ``review_index.png``) is opened in headless Chromium at 1,280 px with
the network off (``tests/browser.py`` drives it), its charts drawn live, and the top of it — the decision box
and the first evidence — saved as ``docs/images/review_<NN>.png``; the README's front door shows
``review_00.png``. Every page is checked as ``tests/test_browser.py`` checks it first (decision box, no code,
no network request, no overflow): a page that fails is reported and not shot.

Needs Chromium (``/usr/bin/chromium``, or ``PMO_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402  (the repository's own Chromium driver)

#: A review light enough to run in about two minutes; every page still runs in full.
LIGHT = ["--param", "iterations=2000", "--param", "frontier_levels=6", "--param", "explain_top=3",
         "--param", "range_iterations=1000", "--param", "forecast_iterations=2000", "--param", "scenarios=100"]


def review(out: Path) -> Path:
    """A fresh review of the bundled sample under ``out``; returns the record folder."""
    pmo = Path(sys.executable).with_name("pmo")
    res = subprocess.run([str(pmo), "review", "--out", str(out), "--quiet", *LIGHT], capture_output=True,
                         text=True, check=False)
    if res.returncode:
        raise SystemExit(f"the review failed:\n{res.stderr}")
    return Path(res.stdout.strip().splitlines()[-1])


def shoot(record: Path, images: Path, width: int = 1280, height: int = 1500) -> list[Path]:
    """PNG of the top ``height`` px of every page of ``record`` at ``width`` px into ``images``."""
    manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
    pages = [(n["html"], f"review_{Path(n['notebook']).stem[:2]}.png") for n in manifest["notebooks"]]
    pages.append(("index.html", "review_index.png"))
    images.mkdir(parents=True, exist_ok=True)
    written = []
    with browser.Browser() as b:
        for html, png in pages:
            r = b.open(record / html, width=width, screenshot=True, shot_height=height)
            c = r.checks
            problems = [p for p, bad in (
                ("network requests", r.network_requests), ("script errors", r.errors),
                ("overflow", c["scroll_width"] > width),
                ("no decision box first", html != "index.html" and not (c["decision_box"] and c["box_first"])),
                ("charts not drawn", c["charts_live"] != c["charts"])) if bad]
            if problems:
                print(f"not shot {html}: {', '.join(problems)}")
                continue
            (images / png).write_bytes(r.screenshot)
            written.append(images / png)
            print(f"{images / png}  ({html}, {width} px)")
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="tools/screenshots.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("record", type=Path, nargs="?", help="a record folder (default: run a light review)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where the PNGs go")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1500, help="how much of each page, from its top [px]")
    args = ap.parse_args(argv)
    if not browser.available():
        raise SystemExit(f"no Chromium at {browser.CHROMIUM} (Debian: apt-get install -y chromium)")
    if args.record is None:
        with tempfile.TemporaryDirectory(prefix="pmo-shots-") as tmp:
            return 0 if shoot(review(Path(tmp)), args.out, args.width, args.height) else 1
    return 0 if shoot(args.record, args.out, args.width, args.height) else 1


if __name__ == "__main__":
    raise SystemExit(main())
