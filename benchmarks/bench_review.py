"""Benchmark: the whole ``pmo review`` at 1x, 10x and 40x the sample, as a user runs it.

    python benchmarks/bench_review.py                   # 1x, 10x, 40x
    python benchmarks/bench_review.py --scales 1 10     # a subset
    python benchmarks/bench_review.py --scheduler tcp://host:8786   # passed on as pmo review --scheduler
    python benchmarks/bench_review.py --scales 1 10 --cluster       # each scale also on a 2-worker LocalCluster

For each scale, ``data/generate_sample.py --scale N`` writes the portfolio to a
temporary folder, then one child process runs ``pmo review --data <folder>``
(into a temporary reports folder) and reports its wall time and the peak
resident memory of the review and everything it started (notebook kernels):
``resource.getrusage(RUSAGE_CHILDREN)`` read in that child, so each scale is
measured on its own. Growth is printed against the 1x run of the same
invocation (the baseline). Targets (issue 29): 10x in under 4 minutes and
40x in under 10 minutes on 2 cores. With ``--cluster`` each scale is run a
second time with ``--scheduler`` pointing at a LocalCluster of 2
single-threaded worker processes started here (without Dask's
``MALLOC_TRIM_THRESHOLD_``, see the README), and the speed-up over the local
run and whether the two records' ``numbers.json`` are identical are printed.
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


def _numbers(reports: Path):
    recs = [p for p in reports.iterdir() if p.is_dir()] if reports.exists() else []
    return json.loads((recs[0] / "numbers.json").read_text()) if len(recs) == 1 else None


def run_scale(n: int, scheduler: str | None, timeout: float, data: Path, tag: str = "") -> dict:
    pmo = Path(sys.executable).with_name("pmo")
    reports = data.parent / f"reports{tag}"
    cmd = [str(pmo), "review", "--data", str(data), "--out", str(reports), "--quiet"]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    out = subprocess.run([sys.executable, "-c", _CHILD, *cmd], capture_output=True, text=True, timeout=timeout)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res.update(scale=n, numbers=_numbers(reports))
    return res


def _cluster():
    import dask
    import distributed

    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 40])
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address, passed to pmo review")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per scale [s]")
    ap.add_argument("--cluster", action="store_true", help="also run each scale on a 2-worker LocalCluster")
    args = ap.parse_args(argv)
    base = None
    targets = {10: 240.0, 40: 600.0}
    print(f"{'scale':>5} {'review s':>9} {'x 1x':>6} {'peak MB':>9} {'x 1x':>6}  status")
    for n in args.scales:
        with tempfile.TemporaryDirectory(prefix=f"pmo-x{n}-") as tmp:
            data = Path(tmp) / "data"
            t = time.perf_counter()
            subprocess.run([sys.executable, str(GENERATOR), "--scale", str(n), "--out", str(data)], check=True,
                           capture_output=True)
            gen = time.perf_counter() - t
            r = run_scale(n, args.scheduler, args.timeout, data)
            if base is None:
                base = r
            ok = "ok" if r["rc"] == 0 else f"FAILED (exit {r['rc']}): {r['tail'][-300:]!r}"
            print(f"{n:5d} {r['seconds']:9.1f} {r['seconds'] / base['seconds']:6.1f} {r['peak_mb']:9,.0f} "
                  f"{r['peak_mb'] / base['peak_mb']:6.1f}  {ok}  (data generated in {gen:.1f} s)", flush=True)
            if n in targets and r["rc"] == 0:
                print(f"      {n}x target (< {targets[n]:.0f} s on 2 cores): "
                      f"{'met' if r['seconds'] < targets[n] else 'NOT met'}", flush=True)
            if args.cluster:
                with _cluster() as lc:
                    c = run_scale(n, lc.scheduler_address, args.timeout, data, tag="_cluster")
                same = c["numbers"] is not None and c["numbers"] == r["numbers"]
                okc = "ok" if c["rc"] == 0 else f"FAILED (exit {c['rc']}): {c['tail'][-300:]!r}"
                print(f"      on a 2-worker LocalCluster: {c['seconds']:.1f} s (speed-up {r['seconds'] / c['seconds']:.2f}x "
                      f"over local), peak MB {c['peak_mb']:,.0f} (this process's children; the workers are "
                      f"apart), numbers.json {'identical' if same else 'DIFFERENT'}; {okc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
