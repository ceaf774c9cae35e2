// Reference for the SGD speed benchmark: biased SGD matrix factorization written as a plain JavaScript
// loop over Float64Arrays, the way one would without SIMD. Same updates as osusume's sgd model.
// Usage: node plain-sgd.js TRAIN K EPOCHS  -> JSON {msPerEpoch}
import { readFileSync } from 'node:fs';

const [file, kText = '100', epochsText = '10'] = process.argv.slice(2);
const k = Number(kText);
const epochs = Number(epochsText);
const rows = readFileSync(file, 'utf8').trim().split('\n');
const n = rows.length;
const user = new Int32Array(n);
const item = new Int32Array(n);
const value = new Float64Array(n);
let users = 0;
let items = 0;
rows.forEach((line, t) => {
  const f = line.split(/\s+/);
  user[t] = Number(f[0]) - 1;
  item[t] = Number(f[1]) - 1;
  value[t] = Number(f[2]);
  users = Math.max(users, user[t] + 1);
  items = Math.max(items, item[t] + 1);
});
let state = 1;
const random = () => {
  state = (Math.imul(state, 48271) >>> 0) % 2147483647;
  return state / 2147483647;
};
const p = Float64Array.from({ length: users * k }, () => (random() - 0.5) * 0.1);
const q = Float64Array.from({ length: items * k }, () => (random() - 0.5) * 0.1);
const bu = new Float64Array(users);
const bi = new Float64Array(items);
const mean = value.reduce((a, b) => a + b, 0) / n;
const lr = 0.005;
const reg = 0.05;
const order = Int32Array.from({ length: n }, (_, t) => t);
const times = [];
for (let e = 0; e < epochs; e++) {
  const t0 = performance.now();
  for (let t = n - 1; t > 0; t--) {
    const s = Math.floor(random() * (t + 1));
    const swap = order[t];
    order[t] = order[s];
    order[s] = swap;
  }
  for (let t = 0; t < n; t++) {
    const r = order[t];
    const u = user[r] * k;
    const i = item[r] * k;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += p[u + f] * q[i + f];
    const err = value[r] - mean - bu[user[r]] - bi[item[r]] - dot;
    bu[user[r]] += lr * (err - reg * bu[user[r]]);
    bi[item[r]] += lr * (err - reg * bi[item[r]]);
    for (let f = 0; f < k; f++) {
      const pf = p[u + f];
      const qf = q[i + f];
      p[u + f] += lr * (err * qf - reg * pf);
      q[i + f] += lr * (err * pf - reg * qf);
    }
  }
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ k, epochs, msPerEpoch: times[times.length >> 1] }));
