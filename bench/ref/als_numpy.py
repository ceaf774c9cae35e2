"""Reference for the ALS speed benchmark: ALS-WR (Zhou et al. 2008) in numpy, one np.linalg.solve per
row, as a Python user would write it. Usage: python3 als_numpy.py TRAIN K SWEEPS LAMBDA -> JSON."""
import json
import sys
import time

import numpy as np


def grouped(index, other, values, count):
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(count + 1))
    return [(other[order[bounds[r]:bounds[r + 1]]], values[order[bounds[r]:bounds[r + 1]]]) for r in range(count)]


def solve_rows(fixed, groups, k, lam, mean):
    out = np.zeros((len(groups), k))
    eye = np.eye(k)
    for r, (cols, vals) in enumerate(groups):
        if len(cols):
            f = fixed[cols]
            out[r] = np.linalg.solve(f.T @ f + lam * len(cols) * eye, f.T @ (vals - mean))
    return out


def main():
    path, k, sweeps, lam = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    data = np.loadtxt(path)
    u, i, r = data[:, 0].astype(int) - 1, data[:, 1].astype(int) - 1, data[:, 2]
    nu, ni = u.max() + 1, i.max() + 1
    mean = r.mean()
    by_user, by_item = grouped(u, i, r, nu), grouped(i, u, r, ni)
    rng = np.random.default_rng(0)
    users, items = rng.normal(0, 0.1, (nu, k)), rng.normal(0, 0.1, (ni, k))
    times = []
    for _ in range(sweeps):
        t0 = time.perf_counter()
        users = solve_rows(items, by_user, k, lam, mean)
        items = solve_rows(users, by_item, k, lam, mean)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"k": k, "sweeps": sweeps, "msPerSweep": sorted(times)[len(times) // 2] * 1000}))


main()
