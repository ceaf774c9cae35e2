import { describe, expect, it } from 'vitest';
import { ArenaLayout, KernelArena } from '../src/math/kernels.js';
import { balancedRanges, KernelPool } from '../src/parallel/kernel-pool.js';

describe('balancedRanges', () => {
  it('covers all rows in contiguous ranges of similar work', () => {
    // rows with 10, 0, 0, 10, 10, 10 entries
    const indptr = Int32Array.from([0, 10, 10, 10, 20, 30, 40]);
    const ranges = balancedRanges(indptr, 2);
    expect(ranges[0][0]).toBe(0);
    expect(ranges[1][1]).toBe(6);
    expect(ranges[0][1]).toBe(ranges[1][0]);
    const cost = ([b, e]: [number, number]) => indptr[e] - indptr[b] + (e - b);
    expect(Math.abs(cost(ranges[0]) - cost(ranges[1]))).toBeLessThanOrEqual(11);
  });

  it('gives empty ranges rather than failing when there are more parts than rows', () => {
    const ranges = balancedRanges(Int32Array.from([0, 1]), 3);
    expect(ranges).toHaveLength(3);
    expect(ranges.reduce((n, [b, e]) => n + e - b, 0)).toBe(1);
  });
});

describe('KernelPool', () => {
  it('runs jobs right after creation, many times over, on every thread', async () => {
    // One user row solved against one item row [1, 0, 0, 0] with target 2 and no penalty: x = [2, ...].
    const plan = new ArenaLayout();
    const at = {
      indptr: plan.reserve(8),
      indices: plan.reserve(4),
      values: plan.reserve(4),
      rows: plan.reserve(16 * 3),
      fixed: plan.reserve(16),
      mask: plan.reserve(16),
      reg: plan.reserve(16),
      scratch: [plan.reserve(64), plan.reserve(64), plan.reserve(64)],
    };
    const arena = new KernelArena(plan);
    arena.i32(at.indptr, 2).set([0, 1]);
    arena.f32(at.values, 1)[0] = 2;
    arena.f32(at.fixed, 4).set([1, 0, 0, 0]);
    arena.f32(at.mask, 4).set([1, 0, 0, 0]);
    for (let round = 0; round < 20; round++) {
      const pool = await KernelPool.create(arena, 3);
      // Several jobs per pool: each must wait for every worker's share of its own generation.
      for (let job = 0; job < 50; job++) {
        arena.f32(at.rows, 12).fill(0);
        pool.run(
          'alsRows',
          [0, 1, 2].map((t) => [
            0,
            1,
            at.indptr,
            at.indices,
            at.values,
            at.rows + 16 * t,
            at.fixed,
            4,
            0,
            -1,
            at.mask,
            at.reg,
            at.reg,
            4,
            at.scratch[t],
          ]),
        );
        expect(Array.from(arena.f32(at.rows, 12))).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]);
      }
      await pool.close();
    }
  });

  it('rejects a bad thread count', async () => {
    const arena = new KernelArena(new ArenaLayout());
    await expect(KernelPool.create(arena, 0)).rejects.toThrow(/threads/);
  });
});
