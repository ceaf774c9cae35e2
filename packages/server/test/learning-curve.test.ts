import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { createTrainingContext, DATABASES, type TestContext } from './harness.js';

// The admin page draws the serving model's learning curve; a blend (BALSE) scores no epochs itself, so the
// trainer records its ALS part's per-sweep held-out RMSE instead of leaving the curve empty.
describe.each(DATABASES)('learning curves of trained models (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainingContext(dialect, { model: { family: 'auto', params: {} } });
  });
  afterAll(() => context.close());

  /** Trains with `model`; returns the version serving afterwards and the job's result. */
  async function train(model: Config['model']) {
    context.services.config.model = model;
    const { jobs, models } = context.services;
    const done = await jobs.waitFor((await jobs.enqueue('train')).id);
    expect(done.status, done.error ?? '').toBe('done');
    const active = await models.active();
    if (!active) throw new Error('no model serves after training');
    return { active, result: done.result as Record<string, unknown> };
  }

  function expectCurve(curve: unknown, sweeps: number): void {
    expect(Array.isArray(curve)).toBe(true);
    const values = curve as number[];
    expect(values).toHaveLength(sweeps);
    for (const value of values) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(0);
    }
  }

  it('records a BALSE model’s curve: its ALS part’s held-out RMSE after each sweep', async () => {
    const { active, result } = await train({
      family: 'balse',
      params: { 'als.factors': '4', 'als.epochs': '6' },
    });
    expect(active.family).toBe('balse');
    expect(active.metrics.curveOf).toBe('als');
    expectCurve(active.metrics.curve, 6);
    expect(result.curve).toEqual(active.metrics.curve);
    expect(result.curveOf).toBe('als');
  });

  it('records an ALS model’s own curve', async () => {
    const { active } = await train({ family: 'als', params: { factors: '4', epochs: '5' } });
    expect(active.family).toBe('als');
    expect(active.metrics.curveOf).toBe('als');
    expectCurve(active.metrics.curve, 5);
  });

  it('records a curve whichever model `auto` keeps, reusing the ALS candidate’s for BALSE', async () => {
    const { active } = await train({ family: 'auto', params: {} });
    const { rmse_als: als, rmse_balse: balse } = active.metrics as Record<string, number>;
    expect(active.family).toBe(balse < als ? 'balse' : 'als');
    expect(active.metrics.curveOf).toBe('als');
    expect((active.metrics.curve as number[]).length).toBeGreaterThan(1);
  });
});
