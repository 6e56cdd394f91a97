"""Validation time and memory grow linearly with the size of the data.

Run: ``.venv/bin/python benchmarks/bench_validate.py [factors ...]`` (default 1 10 100).

The bundled sample is replicated ``k`` times (project, risk, item and benefit ids
suffixed per copy, so the copies are distinct valid projects sharing the budget,
criteria and skills) and each size is validated in a fresh process, which reports
its wall time and its peak resident memory (``ru_maxrss``) above the memory it
holds after importing the package and validating the tiny test portfolio once
(lazy imports and compiled schemas are not data). The ratios against the 1x run, measured in
this same run, show the growth: linear growth keeps ``time ratio / k`` and
``memory ratio / k`` near or below 1 (fixed costs make them fall below 1 at first), and
the marginal cost of the rows added from one size to the next (seconds and MiB per
10,000 rows) about constant.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from pmo_analytics.tables import sample_path

ID_COLUMNS = ("project_id", "other_project_id", "risk_id", "item_id", "benefit_id")

CHILD = r"""
import json, resource, sys, time, warnings
import pmo_analytics.tables as T
with warnings.catch_warnings():  # warm-up on the tiny test portfolio: lazy imports and schemas are not data
    warnings.simplefilter("ignore")
    T.validate_path(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    problems = T.validate_path(sys.argv[1])
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "peak_kib": peak, "base_kib": base, "problems": len(problems),
                  "first": [str(p) for p in problems[:3]]}))
"""


def replicate(src: Path, dest: Path, k: int) -> tuple[int, int]:
    """Write the sample ``k`` times over into ``dest``; returns (rows, bytes)."""
    dest.mkdir(parents=True)
    rows = size = 0
    for f in sorted(src.glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        ids = [c for c in ID_COLUMNS if c in df.columns]
        if ids and k > 1:
            copies = []
            for i in range(k):
                c = df.copy()
                if i:
                    for col in ids:
                        c[col] = c[col].where(c[col] == "", c[col] + f"-k{i}")
                copies.append(c)
            df = pd.concat(copies, ignore_index=True)
        out = dest / f.name
        df.to_csv(out, index=False)
        rows += len(df)
        size += out.stat().st_size
    return rows, size


def measure(folder: Path) -> dict:
    warmup = Path(__file__).resolve().parents[1] / "tests" / "data" / "minimal"
    res = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(warmup)], capture_output=True, text=True,
                         check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(factors: list[int]) -> None:
    print("other work may be running on this machine: compare the ratios, measured in this same run")
    print(f"{'size':>5} {'rows':>9} {'MiB':>7} {'seconds':>9} {'peak RSS MiB':>13} {'above warm-up':>14} "
          f"{'time ratio/k':>13} {'mem ratio/k':>12} {'s per 10k rows':>15} {'MiB per 10k rows':>17}")
    first = prev = None
    with tempfile.TemporaryDirectory() as tmp:
        for k in factors:
            folder = Path(tmp) / f"x{k}"
            rows, size = replicate(sample_path(), folder, k)
            m = measure(folder)
            assert m["problems"] == 0, m["first"]
            grown = (m["peak_kib"] - m["base_kib"]) / 1024
            if first is None:
                first = (k, m["seconds"], max(grown, 1e-9))
            k0, t0, g0 = first
            # marginal cost of the rows added since the previous size: constant when growth is linear
            if prev is None:
                marg = ("", "")
            else:
                d = (rows - prev[0]) / 1e4
                marg = (f"{(m['seconds'] - prev[1]) / d:.2f}", f"{(grown - prev[2]) / d:.1f}")
            print(f"{k:>4}x {rows:>9,} {size / 2**20:>7.1f} {m['seconds']:>9.2f} {m['peak_kib'] / 1024:>13.0f} "
                  f"{grown:>14.0f} {m['seconds'] / t0 / (k / k0):>13.2f} {grown / g0 / (k / k0):>12.2f} "
                  f"{marg[0]:>15} {marg[1]:>17}")
            prev = (rows, m["seconds"], grown)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 10, 100])
