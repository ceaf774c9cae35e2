// The gate of a blend (blend.ts): each model's weight for an item as a function of how often the item
// was rated (BALSE: σ(β(R_j − γ)) for ALS, the rest for the LASSO), learned on held-out ratings.

/** Gate parameters: per blended model but the last, β_m and γ_m (count gates) or a constant logit. */
export interface Gate {
  kind: 'count' | 'fixed';
  /** count: β_m (per rating); fixed: unused (0). */
  beta: number[];
  /** count: γ_m (ratings); fixed: the constant logit of model m. */
  gamma: number[];
}

/** The weight of each model for an item rated `count` times (softmax of the logits, last model 0). */
export function gateWeights(
  gate: Gate,
  count: number,
  out = new Float64Array(gate.beta.length + 1),
): Float64Array {
  const m = gate.beta.length;
  let max = 0;
  for (let k = 0; k < m; k++) {
    out[k] = gate.kind === 'count' ? gate.beta[k] * (count - gate.gamma[k]) : gate.gamma[k];
    if (out[k] > max) max = out[k];
  }
  out[m] = 0;
  let sum = 0;
  for (let k = 0; k <= m; k++) {
    out[k] = Math.exp(out[k] - max);
    sum += out[k];
  }
  for (let k = 0; k <= m; k++) out[k] /= sum;
  return out;
}

/**
 * An item nobody rated has no collaborative vector to speak of (the talk: "its vector cannot be
 * learned"): the last model, the content model (LASSO in BALSE), predicts it alone.
 */
export function unratedWeights(out: Float64Array): void {
  out.fill(0);
  out[out.length - 1] = 1;
}

/**
 * Sufficient statistics of the held-out ratings per item: for the predictions p_m of each model and the
 * truth r, S[m][m'] = Σ p_m p_m', T[m] = Σ p_m r, U = Σ r², so the squared error of any per-item weights w
 * is wᵀSw − 2wᵀT + U: each gradient step costs O(items · models²), not O(ratings).
 */
export interface GateData {
  models: number;
  counts: Float64Array;
  s: Float64Array;
  t: Float64Array;
  u: Float64Array;
  ratings: number;
}

export function gateData(
  predictions: Float64Array[],
  truth: Float64Array,
  item: Int32Array,
  counts: Int32Array,
): GateData {
  const models = predictions.length;
  // Items without a rating in the fitting part are predicted by the content model alone, whatever
  // the gate: they say nothing about it.
  const index = new Map<number, number>();
  for (const j of item) if (counts[j] > 0 && !index.has(j)) index.set(j, index.size);
  const n = index.size;
  const data: GateData = {
    models,
    counts: new Float64Array(n),
    s: new Float64Array(n * models * models),
    t: new Float64Array(n * models),
    u: new Float64Array(n),
    ratings: 0,
  };
  for (const [j, at] of index) data.counts[at] = counts[j];
  for (let r = 0; r < truth.length; r++) {
    const at = index.get(item[r]);
    if (at === undefined) continue;
    data.ratings++;
    for (let a = 0; a < models; a++) {
      data.t[at * models + a] += predictions[a][r] * truth[r];
      for (let b = 0; b < models; b++)
        data.s[(at * models + a) * models + b] += predictions[a][r] * predictions[b][r];
    }
    data.u[at] += truth[r] * truth[r];
  }
  return data;
}

/** Mean squared error of the gate on the held-out ratings, and its gradient in (β…, γ…). */
export function gateLoss(
  gate: Gate,
  data: GateData,
): { loss: number; gradient: { beta: number[]; gamma: number[] } } {
  const m = data.models;
  const w = new Float64Array(m);
  const sw = new Float64Array(m);
  const beta = new Array<number>(m - 1).fill(0);
  const gamma = new Array<number>(m - 1).fill(0);
  let loss = 0;
  for (let i = 0; i < data.counts.length; i++) {
    gateWeights(gate, data.counts[i], w);
    // error(w) = wᵀSw − 2wᵀT + U; d error / d w_a = 2 (Sw − T)_a
    let quad = 0;
    let lin = 0;
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let b = 0; b < m; b++) s += data.s[(i * m + a) * m + b] * w[b];
      sw[a] = s;
      quad += w[a] * s;
      lin += w[a] * data.t[i * m + a];
    }
    loss += quad - 2 * lin + data.u[i];
    // Softmax: d w_b / d z_a = w_b (δ_ab − w_a), so d error / d z_a = w_a (g_a − Σ_b w_b g_b), g = 2(Sw − T).
    let mean = 0;
    for (let b = 0; b < m; b++) mean += w[b] * 2 * (sw[b] - data.t[i * m + b]);
    for (let a = 0; a < m - 1; a++) {
      const dz = w[a] * (2 * (sw[a] - data.t[i * m + a]) - mean);
      if (gate.kind === 'count') {
        beta[a] += dz * (data.counts[i] - gate.gamma[a]);
        gamma[a] += dz * -gate.beta[a];
      } else {
        gamma[a] += dz;
      }
    }
  }
  const n = data.ratings;
  return { loss: loss / n, gradient: { beta: beta.map((g) => g / n), gamma: gamma.map((g) => g / n) } };
}

/**
 * Learns the gate by Adam on the held-out statistics. Counts are rescaled by their mean so that β and γ
 * move on the same scale; the result is given back in ratings.
 */
export function learnGate(kind: Gate['kind'], data: GateData, steps: number): Gate {
  const m = data.models - 1;
  const scale = Math.max(1, data.counts.reduce((a, b) => a + b, 0) / Math.max(1, data.counts.length));
  const scaled: GateData = { ...data, counts: data.counts.map((c) => c / scale) };
  const gate: Gate = {
    kind,
    beta: new Array(m).fill(kind === 'count' ? 1 : 0),
    gamma: new Array(m).fill(kind === 'count' ? 1 : 0),
  };
  const params = () => [...gate.beta, ...gate.gamma];
  const moments = { first: new Float64Array(2 * m), second: new Float64Array(2 * m) };
  const [lr, b1, b2] = [0.05, 0.9, 0.999];
  for (let step = 1; step <= steps; step++) {
    const { gradient } = gateLoss(gate, scaled);
    const g = [...gradient.beta, ...gradient.gamma];
    const p = params();
    for (let k = 0; k < p.length; k++) {
      if (kind === 'fixed' && k < m) continue;
      moments.first[k] = b1 * moments.first[k] + (1 - b1) * g[k];
      moments.second[k] = b2 * moments.second[k] + (1 - b2) * g[k] * g[k];
      const hat = moments.first[k] / (1 - b1 ** step);
      const hat2 = moments.second[k] / (1 - b2 ** step);
      p[k] -= (lr * hat) / (Math.sqrt(hat2) + 1e-8);
    }
    gate.beta = p.slice(0, m);
    gate.gamma = p.slice(m);
  }
  return kind === 'count'
    ? { kind, beta: gate.beta.map((b) => b / scale), gamma: gate.gamma.map((g) => g * scale) }
    : gate;
}
