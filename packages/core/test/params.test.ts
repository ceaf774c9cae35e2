import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineParams, resolveParams, splitPartParams } from '../src/models/params.js';

describe('parameters', () => {
  const specs = defineParams([
    { name: 'factors', type: 'int', default: 8, min: 1, description: 'k' },
    { name: 'biases', type: 'boolean', default: true, description: 'with biases' },
    { name: 'solver', type: 'enum', default: 'cg', values: ['cg', 'cholesky'], description: 'how' },
    { name: 'alpha', type: 'string', default: 'auto', description: 'α' },
  ]);

  it('resolves the specs of defineParams to values of their types, defaults filled in', () => {
    const params = resolveParams(specs, { factors: '16', biases: 'no' });
    expectTypeOf(params.factors).toEqualTypeOf<number>();
    expectTypeOf(params.biases).toEqualTypeOf<boolean>();
    expectTypeOf(params.solver).toEqualTypeOf<'cg' | 'cholesky'>();
    expectTypeOf(params.alpha).toEqualTypeOf<string>();
    expect(params).toEqual({ factors: 16, biases: false, solver: 'cg', alpha: 'auto' });
    expect(() => resolveParams(specs, { solver: 'lu' })).toThrow(/solver=lu: expected one of cg, cholesky/);
  });

  it('splits a blend’s own parameters from its parts’ at the first dot', () => {
    expect(splitPartParams({ holdout: 0.2, 'als.factors': 8, 'lasso.alpha': '0.1', 'als.x.y': 1 })).toEqual({
      own: { holdout: 0.2 },
      parts: { als: { factors: 8, 'x.y': 1 }, lasso: { alpha: '0.1' } },
    });
  });
});
