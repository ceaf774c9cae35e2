"""Reference for the implicit ALS speed benchmark: Hu-Koren-Volinsky iALS with every row solved by a few
conjugate-gradient steps warm-started from the last sweep (Takacs et al. 2011), in plain numpy with a
Python loop over rows, as a Python user would write it; YtY + lambda*I once per half-sweep.
Usage: python3 ials_numpy.py U_DATA K ITERATIONS ALPHA LAMBDA CG_STEPS -> JSON with wall and CPU seconds per iteration."""
import json
import sys
import time

import numpy as np


def rows_of(index, other, count):
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(count + 1))
    return [other[order[bounds[r]:bounds[r + 1]]] for r in range(count)]


def half_sweep(solved, fixed, rows, alpha, lam, steps):
    gram = fixed.T @ fixed + lam * np.eye(fixed.shape[1], dtype=fixed.dtype)
    for r, cols in enumerate(rows):
        x = solved[r]
        if len(cols) == 0:
            x[:] = 0
            continue
        y = fixed[cols]
        # every interaction has weight 1: c = 1 + alpha, so c - 1 = alpha on the row's items
        res = y.T @ ((1 + alpha) - alpha * (y @ x)) - gram @ x
        p = res.copy()
        rr = res @ res
        for _ in range(steps):
            if rr < 1e-20:
                break
            ap = gram @ p + y.T @ (alpha * (y @ p))
            a = rr / (p @ ap)
            x += a * p
            res -= a * ap
            nxt = res @ res
            p = res + (nxt / rr) * p
            rr = nxt


def main():
    path, k, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    alpha, lam, steps = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    data = np.loadtxt(path, dtype=np.int64)
    u, i = data[:, 0] - 1, data[:, 1] - 1
    nu, ni = u.max() + 1, i.max() + 1
    by_user, by_item = rows_of(u, i, nu), rows_of(i, u, ni)
    rng = np.random.default_rng(0)
    users = (rng.standard_normal((nu, k)) * 0.01).astype(np.float32)
    items = (rng.standard_normal((ni, k)) * 0.01).astype(np.float32)
    seconds, cpu = [], []
    for _ in range(iterations):
        t0, c0 = time.perf_counter(), time.process_time()
        half_sweep(items, users, by_item, alpha, lam, steps)
        half_sweep(users, items, by_user, alpha, lam, steps)
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(json.dumps({"nnz": int(len(u)), "seconds": seconds, "cpu": cpu}))


if __name__ == "__main__":
    main()
