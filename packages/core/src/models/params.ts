/**
 * A hyper-parameter a model family accepts: its type, default and meaning (shown by `--help`), and for
 * the ones worth tuning the range `osusume tune` searches (docs/tuning.md).
 */
export type ParamSpec =
  | {
      name: string;
      type: 'int' | 'number';
      default: number;
      min?: number;
      max?: number;
      description: string;
      search?: NumberRange;
    }
  | { name: string; type: 'boolean'; default: boolean; description: string; search?: boolean }
  | { name: string; type: 'string'; default: string; pattern?: RegExp; description: string }
  | {
      name: string;
      type: 'enum';
      default: string;
      values: readonly string[];
      description: string;
      /** Searched over all its values. */
      search?: boolean;
    };

/** The range a tuner draws a number from; `log` spreads the draws evenly over orders of magnitude. */
export interface NumberRange {
  min: number;
  max: number;
  log?: boolean;
}

export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

/** The value a spec resolves to: a number, a boolean, one of an enum's values, or a string. */
type ValueOf<S extends ParamSpec> = S extends { type: 'int' | 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : string;

/** The parameters a spec list resolves to, by name, each with its type (`params.factors` is a number). */
export type ParamsOf<Specs extends readonly ParamSpec[]> = {
  [S in Specs[number] as S['name']]: ValueOf<S>;
};

/**
 * A family's parameter specs as written, names and types kept, so that `resolveParams` on them gives
 * `ParamsOf` the list rather than loose values.
 */
export function defineParams<const Specs extends readonly ParamSpec[]>(specs: Specs): Specs {
  return specs;
}

/**
 * Checks given parameters (numbers, booleans, or strings from a command line) against the specs and fills
 * in defaults. Unknown names and bad values throw an error that lists what is accepted.
 */
export function resolveParams<Specs extends readonly ParamSpec[]>(
  specs: Specs,
  given: Record<string, ParamValue | undefined> = {},
): ParamsOf<Specs> {
  const out: ParamValues = {};
  for (const name of Object.keys(given)) {
    if (given[name] !== undefined && !specs.some((s) => s.name === name)) {
      throw new Error(`unknown parameter "${name}"; valid: ${specs.map((s) => s.name).join(', ')}`);
    }
  }
  for (const spec of specs) {
    const raw = given[spec.name];
    out[spec.name] = raw === undefined ? spec.default : coerce(spec, raw);
  }
  // coerce gives each spec a value of its type, which is what ParamsOf says.
  return out as ParamsOf<Specs>;
}

function coerce(spec: ParamSpec, raw: ParamValue): ParamValue {
  const fail = (why: string): never => {
    throw new Error(`parameter ${spec.name}=${String(raw)}: ${why}`);
  };
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(text)) return true;
      if (['0', 'false', 'no', 'off'].includes(text)) return false;
      return fail('expected true or false');
    }
    case 'string': {
      const text = String(raw);
      if (spec.pattern && !spec.pattern.test(text)) fail(`expected something like ${spec.default}`);
      return text;
    }
    case 'enum': {
      const text = String(raw);
      if (!spec.values.includes(text)) fail(`expected one of ${spec.values.join(', ')}`);
      return text;
    }
    default: {
      const value =
        typeof raw === 'number' ? raw : raw === '' || typeof raw === 'boolean' ? Number.NaN : Number(raw);
      if (!Number.isFinite(value)) fail('expected a number');
      if (spec.type === 'int' && !Number.isInteger(value)) fail('expected a whole number');
      if (spec.min !== undefined && value < spec.min) fail(`must be ≥ ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) fail(`must be ≤ ${spec.max}`);
      return value;
    }
  }
}

/**
 * A blend's parameters split into its own and its parts': `part.key=value` goes to part `part` as
 * `key=value` (the first dot separates the part's name).
 */
export function splitPartParams(given: Record<string, ParamValue | undefined>): {
  own: Record<string, ParamValue | undefined>;
  parts: Record<string, Record<string, ParamValue | undefined>>;
} {
  const own: Record<string, ParamValue | undefined> = {};
  const parts: Record<string, Record<string, ParamValue | undefined>> = {};
  for (const [key, value] of Object.entries(given)) {
    const dot = key.indexOf('.');
    if (dot < 0) {
      own[key] = value;
    } else {
      const name = key.slice(0, dot);
      parts[name] = { ...parts[name], [key.slice(dot + 1)]: value };
    }
  }
  return { own, parts };
}
