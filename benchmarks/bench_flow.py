"""Vectorised Monte Carlo throughput forecast vs a per-trial Python loop.

Run: ``.venv/bin/python benchmarks/bench_flow.py [iterations]`` (default 20000).
Prints the time of each and the ratio, and checks that both give the same
percentiles (within one period, they use different random streams).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from pmo_analytics.monitor import forecast_when


def loop_forecast(history, scope, iterations, seed):
    rng = np.random.default_rng(seed)
    out = np.empty(iterations, dtype=np.int64)
    for i in range(iterations):
        done, n = 0.0, 0
        while done < scope:
            done += history[rng.integers(history.size)]
            n += 1
        out[i] = n
    return out


def main(iterations: int = 20_000) -> None:
    history = np.random.default_rng(1).poisson(2.0, 120).astype(float)  # ~4 months of daily throughput
    scope = 150
    t0 = time.perf_counter()
    _, vec = forecast_when(history, scope, iterations=iterations, seed=2)
    t_vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop = loop_forecast(history, scope, iterations, seed=3)
    t_loop = time.perf_counter() - t0
    for q in (50, 85, 95):
        a, b = np.percentile(vec, q), np.percentile(loop, q)
        assert abs(a - b) <= 1, (q, a, b)
    print(f"{iterations} trials, scope {scope} items, mean throughput {history.mean():.2f}/day")
    print(f"vectorised: {t_vec * 1e3:8.1f} ms")
    print(f"loop:       {t_loop * 1e3:8.1f} ms")
    print(f"speed-up:   {t_loop / t_vec:8.1f} x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
