"""Benchmark: the whole ``pmo review`` at 1x, 10x and 40x the sample, as a user runs it.

    python benchmarks/bench_review.py                   # 1x, 10x, 40x
    python benchmarks/bench_review.py --scales 1 10     # a subset
    python benchmarks/bench_review.py --scheduler tcp://host:8786   # passed on as pmo review --scheduler

For each scale, ``data/generate_sample.py --scale N`` writes the portfolio to a
temporary folder, then one child process runs ``pmo review --data <folder>``
(into a temporary reports folder) and reports its wall time and the peak
resident memory of the review and everything it started (notebook kernels):
``resource.getrusage(RUSAGE_CHILDREN)`` read in that child, so each scale is
measured on its own. Growth is printed against the 1x run of the same
invocation (the baseline). Target (issue 17): 40x in under 10 minutes on 2
cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "data" / "generate_sample.py"

_CHILD = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sec = time.perf_counter() - t
print(json.dumps({"rc": p.returncode, "seconds": sec,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "tail": (p.stdout + p.stderr)[-2000:]}))
"""


def run_scale(n: int, scheduler: str | None, timeout: float) -> dict:
    pmo = Path(sys.executable).with_name("pmo")
    with tempfile.TemporaryDirectory(prefix=f"pmo-x{n}-") as tmp:
        data = Path(tmp) / "data"
        t = time.perf_counter()
        subprocess.run([sys.executable, str(GENERATOR), "--scale", str(n), "--out", str(data)], check=True,
                       capture_output=True)
        gen = time.perf_counter() - t
        cmd = [str(pmo), "review", "--data", str(data), "--out", str(Path(tmp) / "reports"), "--quiet"]
        if scheduler:
            cmd += ["--scheduler", scheduler]
        out = subprocess.run([sys.executable, "-c", _CHILD, *cmd], capture_output=True, text=True, timeout=timeout)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        res.update(scale=n, generate_seconds=gen)
        return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 40])
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address, passed to pmo review")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per scale [s]")
    args = ap.parse_args(argv)
    base = None
    print(f"{'scale':>5} {'review s':>9} {'x 1x':>6} {'peak MB':>9} {'x 1x':>6}  status")
    for n in args.scales:
        r = run_scale(n, args.scheduler, args.timeout)
        if base is None:
            base = r
        ok = "ok" if r["rc"] == 0 else f"FAILED (exit {r['rc']}): {r['tail'][-300:]!r}"
        print(f"{n:5d} {r['seconds']:9.1f} {r['seconds'] / base['seconds']:6.1f} {r['peak_mb']:9,.0f} "
              f"{r['peak_mb'] / base['peak_mb']:6.1f}  {ok}  (data generated in {r['generate_seconds']:.1f} s)")
        if n >= 40 and r["rc"] == 0:
            print(f"      40x target (< 600 s on 2 cores): {'met' if r['seconds'] < 600 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
