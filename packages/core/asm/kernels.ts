// WebAssembly SIMD kernels for the factor models (AssemblyScript, compiled by `asc` at build time).
//
// Every kernel works on raw pointers into one shared linear memory that the JavaScript side lays out
// (see src/math/wasm-memory.ts); nothing here allocates. Factor rows are "augmented" (see
// src/models/factor-layout.ts): `stride` f32 slots, a multiple of 4, so a prediction is always
// mu + dot(userRow, itemRow), biases included, and every loop runs over whole f32x4 lanes.

// @ts-nocheck: AssemblyScript types (f32, usize, v128) are not TypeScript's.

/** Dot product of two rows of `stride` f32 (stride a multiple of 4). */
@inline
function dot(a: usize, b: usize, stride: i32): f32 {
  let acc = f32x4.splat(0);
  const end = a + (<usize>stride << 2);
  for (; a < end; a += 16, b += 16) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(a), v128.load(b)));
  }
  return (
    f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)
  );
}

/** acc += scale * row */
@inline
function axpy(acc: usize, row: usize, scale: f32, stride: i32): void {
  const s = f32x4.splat(scale);
  const end = acc + (<usize>stride << 2);
  for (; acc < end; acc += 16, row += 16) {
    v128.store(acc, f32x4.add(v128.load(acc), f32x4.mul(s, v128.load(row))));
  }
}

/**
 * One SGD epoch over `n` ratings stored as packed (user i32, item i32, value f32) triplets, visited in
 * the stored order. Per slot c: row[c] <- row[c] * keep[c] + (err * step[c]) * other[c], where the
 * caller sets step = learning rate (0 on frozen slots) and keep = 1 - learning rate * regularization.
 * Returns the sum of squared errors seen before each update (the training loss of the epoch).
 */
export function sgdEpoch(
  triplets: usize,
  n: i32,
  users: usize,
  items: usize,
  stride: i32,
  mu: f32,
  stepUser: usize,
  keepUser: usize,
  stepItem: usize,
  keepItem: usize,
): f64 {
  const rowBytes = <usize>stride << 2;
  let loss: f64 = 0;
  for (let t = 0; t < n; t++) {
    const at = triplets + <usize>t * 12;
    const u = users + <usize>load<i32>(at) * rowBytes;
    const v = items + <usize>load<i32>(at, 4) * rowBytes;
    const err = load<f32>(at, 8) - mu - dot(u, v, stride);
    loss += <f64>err * <f64>err;
    const e = f32x4.splat(err);
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const pu = v128.load(u + c);
      const qv = v128.load(v + c);
      const nu = f32x4.add(f32x4.mul(pu, v128.load(keepUser + c)), f32x4.mul(f32x4.mul(e, v128.load(stepUser + c)), qv));
      const nv = f32x4.add(f32x4.mul(qv, v128.load(keepItem + c)), f32x4.mul(f32x4.mul(e, v128.load(stepItem + c)), pu));
      v128.store(u + c, nu);
      v128.store(v + c, nv);
    }
  }
  return loss;
}

/** In-place Fisher-Yates shuffle of `n` 12-byte triplets with a xorshift32 stream seeded by `seed` (non-zero). */
export function shuffleTriplets(triplets: usize, n: i32, seed: u32): u32 {
  let s = seed;
  for (let t = n - 1; t > 0; t--) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    const m = <i32>(<u64>s * <u64>(t + 1) >> 32);
    const a = triplets + <usize>t * 12;
    const b = triplets + <usize>m * 12;
    const a0 = load<u64>(a);
    const a1 = load<u32>(a, 8);
    store<u64>(a, load<u64>(b));
    store<u32>(a, load<u32>(b, 8), 8);
    store<u64>(b, a0);
    store<u32>(b, a1, 8);
  }
  return s;
}

/**
 * ALS half-sweep over rows [begin, end): each row x of `solved` minimizes
 *   sum_j (r_j - mu - fixedPartner_j - x . y_j)^2 + sum_c (reg[c] * count + regFixed[c]) * x[c]^2,
 * over the slots where mask[c] = 1, with the y_j rows of `fixed` taken from a CSR matrix
 * (indptr i32, indices i32, values f32). The solve is conjugate gradient, warm-started from the row's
 * current value, `steps` iterations: O(count * stride) per step instead of O(count * stride^2) for the
 * normal equations. `fixedSlot` (or -1) is the slot of x that holds the constant 1 pairing with the
 * partner's bias; fixedPartner_j is y_j[fixedSlot]. `scratch` holds 4 * stride f32 for this thread.
 */
export function alsRows(
  begin: i32,
  end: i32,
  indptr: usize,
  indices: usize,
  values: usize,
  solved: usize,
  fixed: usize,
  stride: i32,
  mu: f32,
  fixedSlot: i32,
  mask: usize,
  reg: usize,
  regFixed: usize,
  steps: i32,
  scratch: usize,
): void {
  const rowBytes = <usize>stride << 2;
  const r = scratch;
  const p = scratch + rowBytes;
  const ap = p + rowBytes;
  const lam = ap + rowBytes;
  for (let row = begin; row < end; row++) {
    const x = solved + <usize>row * rowBytes;
    const first = load<i32>(indptr + (<usize>row << 2));
    const last = load<i32>(indptr + (<usize>(row + 1) << 2));
    const count = last - first;
    if (count == 0) {
      memory.fill(x, 0, rowBytes);
      if (fixedSlot >= 0) store<f32>(x + (<usize>fixedSlot << 2), 1);
      continue;
    }
    if (fixedSlot >= 0) store<f32>(x + (<usize>fixedSlot << 2), 0);
    const w = f32x4.splat(<f32>count);
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const l = f32x4.add(f32x4.mul(v128.load(reg + c), w), v128.load(regFixed + c));
      v128.store(lam + c, l);
      // r = -lambda * x, then accumulate the data term below
      v128.store(r + c, f32x4.neg(f32x4.mul(l, v128.load(x + c))));
    }
    for (let t = first; t < last; t++) {
      const y = fixed + <usize>load<i32>(indices + (<usize>t << 2)) * rowBytes;
      let target = load<f32>(values + (<usize>t << 2)) - mu;
      if (fixedSlot >= 0) target -= load<f32>(y + (<usize>fixedSlot << 2));
      axpy(r, y, target - dot(y, x, stride), stride);
    }
    let rr: f32 = 0;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const m = f32x4.mul(v128.load(r + c), v128.load(mask + c));
      v128.store(r + c, m);
      v128.store(p + c, m);
      rr += dotLanes(m, m);
    }
    for (let it = 0; it < steps && rr > 1e-12; it++) {
      for (let c: usize = 0; c < rowBytes; c += 16) {
        v128.store(ap + c, f32x4.mul(v128.load(lam + c), v128.load(p + c)));
      }
      for (let t = first; t < last; t++) {
        const y = fixed + <usize>load<i32>(indices + (<usize>t << 2)) * rowBytes;
        axpy(ap, y, dot(y, p, stride), stride);
      }
      let pap: f32 = 0;
      for (let c: usize = 0; c < rowBytes; c += 16) {
        const m = f32x4.mul(v128.load(ap + c), v128.load(mask + c));
        v128.store(ap + c, m);
        pap += dotLanes(m, v128.load(p + c));
      }
      if (pap <= 0) break;
      rr = cgStep(x, r, p, ap, rr, pap, rowBytes);
    }
    if (fixedSlot >= 0) store<f32>(x + (<usize>fixedSlot << 2), 1);
  }
}

/**
 * The rest of a conjugate-gradient step once A·p (`ap`) and p·A·p are known: x += αp, r −= α·Ap,
 * p = r + βp with α = r·r / pAp, β = r'·r' / r·r. Returns the new r·r.
 */
@inline
function cgStep(x: usize, r: usize, p: usize, ap: usize, rr: f32, pap: f32, rowBytes: usize): f32 {
  const alpha = f32x4.splat(rr / pap);
  let next: f32 = 0;
  for (let c: usize = 0; c < rowBytes; c += 16) {
    v128.store(x + c, f32x4.add(v128.load(x + c), f32x4.mul(alpha, v128.load(p + c))));
    const nr = f32x4.sub(v128.load(r + c), f32x4.mul(alpha, v128.load(ap + c)));
    v128.store(r + c, nr);
    next += dotLanes(nr, nr);
  }
  const beta = f32x4.splat(next / rr);
  for (let c: usize = 0; c < rowBytes; c += 16) {
    v128.store(p + c, f32x4.add(v128.load(r + c), f32x4.mul(beta, v128.load(p + c))));
  }
  return next;
}

@inline
function dotLanes(a: v128, b: v128): f32 {
  const m = f32x4.mul(a, b);
  return f32x4.extract_lane(m, 0) + f32x4.extract_lane(m, 1) + f32x4.extract_lane(m, 2) + f32x4.extract_lane(m, 3);
}

/**
 * out = Σ_j y_j y_jᵀ over `count` rows of `stride` f32 (a stride × stride matrix, f32, overwritten): the
 * Gram matrix YᵀY that implicit ALS shares between all rows of a half-sweep.
 */
export function gramRows(rows: usize, count: i32, stride: i32, out: usize): void {
  const rowBytes = <usize>stride << 2;
  memory.fill(out, 0, <usize>stride * rowBytes);
  for (let j = 0; j < count; j++) {
    const y = rows + <usize>j * rowBytes;
    for (let c: usize = 0; c < <usize>stride; c++) {
      const yc = load<f32>(y + (c << 2));
      if (yc != 0) axpy(out + c * rowBytes, y, yc, stride);
    }
  }
}

/** out = G v for a stride × stride f32 matrix G (row-major, symmetric) and a row v. */
@inline
function gramTimes(out: usize, gram: usize, v: usize, stride: i32): void {
  const rowBytes = <usize>stride << 2;
  memory.fill(out, 0, rowBytes);
  for (let c: usize = 0; c < <usize>stride; c++) axpy(out, gram + c * rowBytes, load<f32>(v + (c << 2)), stride);
}

/**
 * Implicit ALS half-sweep (Hu, Koren, Volinsky 2008) over rows [begin, end): each row x of `solved`
 * minimizes Σ_j c_j (p_j − x·y_j)² + λ|x|² over every item j of `fixed`, with p_j = 1 and c_j = 1 + w_j
 * on the row's CSR entries (indptr i32, indices i32, `values` f32 holding w_j = c_j − 1) and c_j = 1,
 * p_j = 0 elsewhere. Its normal equations are (G + Σ_j w_j y_j y_jᵀ) x = Σ_j (1 + w_j) y_j with
 * G = YᵀY + λI (`gram`, stride × stride f32, computed once per half-sweep), solved by `steps` steps of
 * conjugate gradient warm-started from the row's current value (Takács et al. 2011): each step costs
 * one product with G, O(stride²), plus O(count · stride), never the O(count · stride²) of forming the
 * row's own matrix. `scratch` holds 3 * stride f32 for this thread.
 */
export function ialsRows(
  begin: i32,
  end: i32,
  indptr: usize,
  indices: usize,
  values: usize,
  solved: usize,
  fixed: usize,
  stride: i32,
  gram: usize,
  steps: i32,
  scratch: usize,
): void {
  const rowBytes = <usize>stride << 2;
  const r = scratch;
  const p = scratch + rowBytes;
  const ap = p + rowBytes;
  for (let row = begin; row < end; row++) {
    const x = solved + <usize>row * rowBytes;
    const first = load<i32>(indptr + (<usize>row << 2));
    const last = load<i32>(indptr + (<usize>(row + 1) << 2));
    if (last == first) {
      memory.fill(x, 0, rowBytes);
      continue;
    }
    // r = b − A x = Σ_j (1 + w_j − w_j y_j·x) y_j − G x
    gramTimes(ap, gram, x, stride);
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(r + c, f32x4.neg(v128.load(ap + c)));
    for (let t = first; t < last; t++) {
      const y = fixed + <usize>load<i32>(indices + (<usize>t << 2)) * rowBytes;
      const w = load<f32>(values + (<usize>t << 2));
      axpy(r, y, 1 + w - w * dot(y, x, stride), stride);
    }
    let rr: f32 = 0;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const v = v128.load(r + c);
      v128.store(p + c, v);
      rr += dotLanes(v, v);
    }
    for (let it = 0; it < steps && rr > 1e-20; it++) {
      gramTimes(ap, gram, p, stride);
      for (let t = first; t < last; t++) {
        const y = fixed + <usize>load<i32>(indices + (<usize>t << 2)) * rowBytes;
        axpy(ap, y, load<f32>(values + (<usize>t << 2)) * dot(y, p, stride), stride);
      }
      const pap = dot(p, ap, stride);
      if (pap <= 0) break;
      rr = cgStep(x, r, p, ap, rr, pap, rowBytes);
    }
  }
}

/** Lowest address the JavaScript side may use: past the module's own static data. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * The exact counterpart of `alsRows` (same arguments and objective): forms the normal equations of each
 * row (the Gram matrix with f32x4 products summed in f32, then the penalties in f64) and solves them by
 * Cholesky in f64, O(count * stride^2 / 4 + stride^3) per row. `scratch` holds 12 * stride^2 + 8 * stride
 * bytes for this thread. A single row of a one-row CSR is how a new user is folded in.
 */
export function alsRowsExact(
  begin: i32,
  end: i32,
  indptr: usize,
  indices: usize,
  values: usize,
  solved: usize,
  fixed: usize,
  stride: i32,
  mu: f32,
  fixedSlot: i32,
  mask: usize,
  reg: usize,
  regFixed: usize,
  steps: i32,
  scratch: usize,
): void {
  const rowBytes = <usize>stride << 2;
  const n = <usize>stride;
  const a = scratch;
  const b = a + ((n * n) << 3);
  const gram = b + (n << 3);
  for (let row = begin; row < end; row++) {
    const x = solved + <usize>row * rowBytes;
    const first = load<i32>(indptr + (<usize>row << 2));
    const last = load<i32>(indptr + (<usize>(row + 1) << 2));
    const count = last - first;
    memory.fill(b, 0, n << 3);
    memory.fill(gram, 0, (n * n) << 2);
    memory.fill(x, 0, rowBytes);
    if (count > 0) {
      for (let t = first; t < last; t++) {
        const y = fixed + <usize>load<i32>(indices + (<usize>t << 2)) * rowBytes;
        let target = <f64>(load<f32>(values + (<usize>t << 2)) - mu);
        if (fixedSlot >= 0) target -= <f64>load<f32>(y + (<usize>fixedSlot << 2));
        for (let c: usize = 0; c < n; c++) {
          const yc = load<f32>(y + (c << 2));
          store<f64>(b + (c << 3), load<f64>(b + (c << 3)) + <f64>yc * target);
          // Lower triangle only (d <= c, rounded up to whole lanes): Cholesky reads nothing else.
          axpy(gram + c * rowBytes, y, yc, <i32>((c + 4) & ~3));
        }
      }
      const w: f64 = <f64>count;
      for (let c: usize = 0; c < n; c++) {
        const free = load<f32>(mask + (c << 2)) != 0;
        if (!free) store<f64>(b + (c << 3), 0);
        for (let d: usize = 0; d <= c; d++) {
          // A frozen slot is decoupled (identity row, zero right-hand side), so its solution is 0.
          let v: f64 = free && load<f32>(mask + (d << 2)) != 0 ? <f64>load<f32>(gram + ((c * n + d) << 2)) : 0;
          if (c == d) {
            const penalty = <f64>load<f32>(reg + (c << 2)) * w + <f64>load<f32>(regFixed + (c << 2));
            v = free ? v + penalty + 1e-12 : 1;
          }
          store<f64>(a + ((c * n + d) << 3), v);
        }
      }
      choleskySolveInPlace(a, b, n);
      for (let c: usize = 0; c < n; c++) store<f32>(x + (c << 2), <f32>load<f64>(b + (c << 3)));
    }
    if (fixedSlot >= 0) store<f32>(x + (<usize>fixedSlot << 2), 1);
  }
}

/** Solves A x = b for symmetric positive-definite A (lower triangle used, overwritten by L); b becomes x. */
function choleskySolveInPlace(a: usize, b: usize, n: usize): void {
  for (let j: usize = 0; j < n; j++) {
    const rowJ = a + ((j * n) << 3);
    let d = load<f64>(rowJ + (j << 3)) - dotF64(rowJ, rowJ, j);
    d = Math.sqrt(d > 1e-300 ? d : 1e-300);
    store<f64>(rowJ + (j << 3), d);
    for (let i = j + 1; i < n; i++) {
      const rowI = a + ((i * n) << 3);
      store<f64>(rowI + (j << 3), (load<f64>(rowI + (j << 3)) - dotF64(rowI, rowJ, j)) / d);
    }
  }
  for (let i: usize = 0; i < n; i++) {
    const rowI = a + ((i * n) << 3);
    store<f64>(b + (i << 3), (load<f64>(b + (i << 3)) - dotF64(rowI, b, i)) / load<f64>(rowI + (i << 3)));
  }
  for (let i = <isize>n - 1; i >= 0; i--) {
    let s = load<f64>(b + (<usize>i << 3));
    for (let m = <usize>i + 1; m < n; m++) s -= load<f64>(a + ((m * n + <usize>i) << 3)) * load<f64>(b + (m << 3));
    store<f64>(b + (<usize>i << 3), s / load<f64>(a + ((<usize>i * n + <usize>i) << 3)));
  }
}

/** Σ p[m]·q[m] for m < len over f64, two lanes at a time. */
@inline
function dotF64(p: usize, q: usize, len: usize): f64 {
  let acc = f64x2.splat(0);
  let m: usize = 0;
  for (; m + 2 <= len; m += 2) {
    acc = f64x2.add(acc, f64x2.mul(v128.load(p + (m << 3)), v128.load(q + (m << 3))));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (m < len) s += load<f64>(p + (m << 3)) * load<f64>(q + (m << 3));
  return s;
}

/**
 * out[j] = scale · scales[j] · (row · rows[j]) over rows of 16-bit integers (a multiple of 8 per row):
 * quantized scores, half the memory traffic of f32 rows and eight products per instruction. Four items
 * per pass share each load of the user row, and their four sums are gathered into one vector by
 * shuffles, to be scaled and stored together. The integer sums are exact as long as
 * stride · max|row|·max|rows| stays below 2³¹ (the caller sees to it).
 */
export function scoreRowsI16(row: usize, rows: usize, scales: usize, count: i32, stride: i32, scale: f32, out: usize): void {
  const rowBytes = <usize>stride << 1;
  const t = f32x4.splat(scale);
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const p = rows + <usize>j * rowBytes;
    let a = i32x4.splat(0);
    let b = i32x4.splat(0);
    let c = i32x4.splat(0);
    let d = i32x4.splat(0);
    for (let k: usize = 0; k < rowBytes; k += 16) {
      const u = v128.load(row + k);
      a = i32x4.add(a, i32x4.dot_i16x8_s(u, v128.load(p + k)));
      b = i32x4.add(b, i32x4.dot_i16x8_s(u, v128.load(p + rowBytes + k)));
      c = i32x4.add(c, i32x4.dot_i16x8_s(u, v128.load(p + 2 * rowBytes + k)));
      d = i32x4.add(d, i32x4.dot_i16x8_s(u, v128.load(p + 3 * rowBytes + k)));
    }
    // [a0+a2, b0+b2, a1+a3, b1+b3] and the same for c, d; then [a, b, c, d].
    const ab = i32x4.add(v128.shuffle<i32>(a, b, 0, 4, 1, 5), v128.shuffle<i32>(a, b, 2, 6, 3, 7));
    const cd = i32x4.add(v128.shuffle<i32>(c, d, 0, 4, 1, 5), v128.shuffle<i32>(c, d, 2, 6, 3, 7));
    const sums = i32x4.add(v128.shuffle<i32>(ab, cd, 0, 1, 4, 5), v128.shuffle<i32>(ab, cd, 2, 3, 6, 7));
    const scaled = f32x4.mul(t, v128.load(scales + (<usize>j << 2)));
    v128.store(out + (<usize>j << 2), f32x4.mul(f32x4.convert_i32x4_s(sums), scaled));
  }
  for (; j < count; j++) {
    const p = rows + <usize>j * rowBytes;
    let a = i32x4.splat(0);
    for (let k: usize = 0; k < rowBytes; k += 16) a = i32x4.add(a, i32x4.dot_i16x8_s(v128.load(row + k), v128.load(p + k)));
    store<f32>(out + (<usize>j << 2), <f32>sumI32Lanes(a) * (scale * load<f32>(scales + (<usize>j << 2))));
  }
}

/**
 * out[items[e]] += values[e] · weights[c] for the entries e of each column c in [starts[c], starts[c+1]):
 * sparse columns added to every item's score, skipping the columns whose weight is 0.
 */
export function addColumns(out: usize, starts: usize, items: usize, values: usize, weights: usize, columns: i32): void {
  for (let c = 0; c < columns; c++) {
    const x = load<f32>(weights + (<usize>c << 2));
    if (x == 0) continue;
    const end = load<i32>(starts + (<usize>(c + 1) << 2));
    for (let e = load<i32>(starts + (<usize>c << 2)); e < end; e++) {
      const at = out + (<usize>load<i32>(items + (<usize>e << 2)) << 2);
      store<f32>(at, load<f32>(at) + load<f32>(values + (<usize>e << 2)) * x);
    }
  }
}

/**
 * The scan of ItemRanker.rankBounded: over the items whose `banned` byte is 0, keeps the n best scores in
 * a min-heap (`heap`, n f32) and writes to `near` every item that is within `slack` of the heap's minimum
 * when seen, which includes every item that can still be in the top n; returns how many, and stores the
 * final minimum − slack at `floorOut` (f64; −∞ while fewer than n items were eligible). Four scores at a
 * time are compared first with the floor rounded down to f32: most blocks of four have nothing above it.
 */
export function nearTop(scores: usize, banned: usize, count: i32, n: i32, slack: f64, heap: usize, near: usize, floorOut: usize): i32 {
  let size = 0;
  let floor = -Infinity;
  let below = f32x4.splat(-Infinity);
  let found = 0;
  let j = 0;
  while (j < count) {
    if (j + 4 <= count && !v128.any_true(f32x4.ge(v128.load(scores + (<usize>j << 2)), below))) {
      j += 4;
      continue;
    }
    const s = load<f32>(scores + (<usize>j << 2));
    if (<f64>s >= floor && load<u8>(banned + <usize>j) == 0) {
      store<i32>(near + (<usize>found << 2), j);
      found++;
      if (size < n) {
        heapInsert(heap, size, s);
        size++;
      } else if (s > load<f32>(heap)) {
        heapReplaceRoot(heap, size, s);
      }
      if (size == n) {
        floor = <f64>load<f32>(heap) - slack;
        below = f32x4.splat(<f32>(floor - Math.abs(floor) * 1e-6 - 1e-30));
      }
    }
    j++;
  }
  store<f64>(floorOut, floor);
  return found;
}

/** Adds s to the min-heap of `size` f32 values at `heap`. */
@inline
function heapInsert(heap: usize, size: i32, s: f32): void {
  let at = size;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    const p = load<f32>(heap + (<usize>parent << 2));
    if (p <= s) break;
    store<f32>(heap + (<usize>at << 2), p);
    at = parent;
  }
  store<f32>(heap + (<usize>at << 2), s);
}

/** Replaces the minimum of the min-heap of `size` f32 values at `heap` by s (larger). */
@inline
function heapReplaceRoot(heap: usize, size: i32, s: f32): void {
  let at = 0;
  for (;;) {
    const left = 2 * at + 1;
    if (left >= size) break;
    const right = left + 1;
    let child = left;
    if (right < size && load<f32>(heap + (<usize>right << 2)) < load<f32>(heap + (<usize>left << 2))) child = right;
    const c = load<f32>(heap + (<usize>child << 2));
    if (c >= s) break;
    store<f32>(heap + (<usize>at << 2), c);
    at = child;
  }
  store<f32>(heap + (<usize>at << 2), s);
}

@inline
function sumI32Lanes(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}



/**
 * v_if drawn from its conditional N(mean, 1/precision) given Σsh² and Σseh over its rows (h = ∂ŷ/∂v_if,
 * s the row's noise scale: its precision is αs): precision = α Σsh² + λ,
 * mean = (α (Σseh + v_if Σsh²) + μλ) / precision, with the group's μ and λ and the normal draw made
 * beforehand. What both Bayesian FM kernels share.
 */
@inline
function drawCoordinate(
  i: i32,
  old: f64,
  hh: f64,
  eh: f64,
  noise: usize,
  groupOf: usize,
  mu: usize,
  lambda: usize,
  k: i32,
  alpha: f64,
): f64 {
  const g = <usize>(load<i32>(groupOf + (<usize>i << 2)) * k) << 3;
  const l = load<f64>(lambda + g);
  const precision = alpha * hh + l;
  const mean = (alpha * (eh + old * hh) + load<f64>(mu + g) * l) / precision;
  return mean + load<f64>(noise + (<usize>i << 3)) / Math.sqrt(precision);
}

/**
 * One Gibbs pass of Bayesian FM over factor f of every feature, for rows that are two ones (fm-mcmc-draws.ts):
 * feature i's column lists its rows and, for each, the other feature of the row (its partner), whose
 * v_·f is the whole of ∂ŷ/∂v_if there. Each v_if is drawn from N(mean, 1/precision) with the residuals
 * e = y − ŷ (kept current), the rows' noise scales `scale` and the normal draws `noise` made beforehand
 * by the seeded generator. All
 * f64; `v` points at factor f's run (one f64 per feature), `mu` and `lambda` at the group table's
 * column f (row g at g·k).
 */
export function mcmcPairFactor(
  features: i32,
  colptr: usize,
  rows: usize,
  partners: usize,
  v: usize,
  e: usize,
  scale: usize,
  noise: usize,
  groupOf: usize,
  mu: usize,
  lambda: usize,
  k: i32,
  alpha: f64,
): void {
  for (let i = 0; i < features; i++) {
    const begin = load<i32>(colptr + (<usize>i << 2));
    const end = load<i32>(colptr + (<usize>(i + 1) << 2));
    const at = v + (<usize>i << 3);
    const old = load<f64>(at);
    let hh: f64 = 0;
    let eh: f64 = 0;
    for (let t = begin; t < end; t++) {
      const h = load<f64>(v + (<usize>load<i32>(partners + (<usize>t << 2)) << 3));
      const r = <usize>load<i32>(rows + (<usize>t << 2)) << 3;
      const sh = load<f64>(scale + r) * h;
      hh += sh * h;
      eh += load<f64>(e + r) * sh;
    }
    const next = drawCoordinate(i, old, hh, eh, noise, groupOf, mu, lambda, k, alpha);
    store<f64>(at, next);
    const d = next - old;
    if (d == 0) continue;
    for (let t = begin; t < end; t++) {
      const r = e + (<usize>load<i32>(rows + (<usize>t << 2)) << 3);
      store<f64>(r, load<f64>(r) - d * load<f64>(v + (<usize>load<i32>(partners + (<usize>t << 2)) << 3)));
    }
  }
}

/**
 * mcmcPairFactor for any rows (fm-mcmc-draws.ts): x values are read, and ∂ŷ/∂v_if = x (q − v_if x) comes
 * from the cache q = Σⱼ v_jf x_j of factor f, one f64 per row, which the draws keep current with e.
 */
export function mcmcFactor(
  features: i32,
  colptr: usize,
  rows: usize,
  values: usize,
  v: usize,
  e: usize,
  q: usize,
  scale: usize,
  noise: usize,
  groupOf: usize,
  mu: usize,
  lambda: usize,
  k: i32,
  alpha: f64,
): void {
  for (let i = 0; i < features; i++) {
    const begin = load<i32>(colptr + (<usize>i << 2));
    const end = load<i32>(colptr + (<usize>(i + 1) << 2));
    const at = v + (<usize>i << 3);
    const old = load<f64>(at);
    let hh: f64 = 0;
    let eh: f64 = 0;
    for (let t = begin; t < end; t++) {
      const r = <usize>load<i32>(rows + (<usize>t << 2)) << 3;
      const x = load<f64>(values + (<usize>t << 3));
      const h = x * (load<f64>(q + r) - old * x);
      const sh = load<f64>(scale + r) * h;
      hh += sh * h;
      eh += load<f64>(e + r) * sh;
    }
    const next = drawCoordinate(i, old, hh, eh, noise, groupOf, mu, lambda, k, alpha);
    store<f64>(at, next);
    const d = next - old;
    for (let t = begin; t < end; t++) {
      const r = <usize>load<i32>(rows + (<usize>t << 2)) << 3;
      const x = load<f64>(values + (<usize>t << 3));
      const qr = load<f64>(q + r);
      store<f64>(e + r, load<f64>(e + r) - d * x * (qr - old * x));
      store<f64>(q + r, qr + d * x);
    }
  }
}
