import type { NumberRange, ParamSpec, ParamValue, ParamValues } from '../models/params.js';

/** A parameter a tuner searches: a number with a `search` range, or an enum or boolean with `search: true`. */
export type SearchDimension =
  | (Extract<ParamSpec, { type: 'int' | 'number' }> & { search: NumberRange })
  | (Extract<ParamSpec, { type: 'boolean' }> & { search: true })
  | (Extract<ParamSpec, { type: 'enum' }> & { search: true });

function isSearched(spec: ParamSpec): spec is SearchDimension {
  switch (spec.type) {
    case 'int':
    case 'number':
      return spec.search !== undefined;
    case 'boolean':
    case 'enum':
      return spec.search === true;
    default:
      return false;
  }
}

/** The parameters of `specs` that have a search range, less those `fixed` pins to a value. */
export function searchDimensions(
  specs: readonly ParamSpec[],
  fixed: Record<string, ParamValue | undefined> = {},
): SearchDimension[] {
  return specs.filter((spec): spec is SearchDimension => isSearched(spec) && fixed[spec.name] === undefined);
}

/** The parameter values at a point `unit` of the unit cube, one coordinate per dimension. */
export function paramsAt(dimensions: readonly SearchDimension[], unit: readonly number[]): ParamValues {
  const out: ParamValues = {};
  dimensions.forEach((spec, d) => {
    out[spec.name] = valueAt(spec, unit[d]);
  });
  return out;
}

function valueAt(spec: SearchDimension, u: number): ParamValue {
  switch (spec.type) {
    case 'boolean':
      return u >= 0.5;
    case 'enum':
      return spec.values[Math.min(spec.values.length - 1, Math.floor(u * spec.values.length))];
    default: {
      const { min, max, log } = spec.search;
      const value = log === true ? min * (max / min) ** u : min + u * (max - min);
      if (spec.type === 'int') return Math.min(max, Math.max(min, Math.round(value)));
      // Three significant digits: enough for a penalty or a rate, and readable in a params file.
      return Number(value.toPrecision(3));
    }
  }
}

/** Where `params` lie in the unit cube: the inverse of `paramsAt` (values outside a range are clamped). */
export function unitOf(dimensions: readonly SearchDimension[], params: ParamValues): number[] {
  return dimensions.map((spec) => {
    const value = params[spec.name];
    switch (spec.type) {
      case 'boolean':
        return value === true ? 0.75 : 0.25;
      case 'enum':
        return (Math.max(0, spec.values.indexOf(String(value))) + 0.5) / spec.values.length;
      default: {
        const { min, max, log } = spec.search;
        const x = Number(value);
        const u = log === true ? Math.log(x / min) / Math.log(max / min) : (x - min) / (max - min);
        return Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0));
      }
    }
  });
}
