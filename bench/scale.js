// One scale point, in its own process so its peak memory is its own:
// node bench/scale.js RATINGS THREADS -> JSON (ALS k=32, 10 sweeps on synthetic ratings).
import { fitAls } from 'osusume';
import { syntheticRatings } from './synthetic.js';

const ratings = Number(process.argv[2] ?? 1e6);
const threads = Number(process.argv[3] ?? 2);
const t0 = performance.now();
const data = syntheticRatings({
  ratings,
  users: Math.round(ratings / 100),
  items: Math.round(ratings / 500),
});
const generateSeconds = (performance.now() - t0) / 1000;
const { report } = await fitAls(data, { factors: 32, epochs: 10 }, { threads, seed: 1 });
const sweeps = report.epochSeconds.slice().sort((a, b) => a - b);
console.log(
  JSON.stringify({
    ratings,
    users: data.users.size,
    items: data.items.size,
    threads,
    generateSeconds,
    fitSeconds: report.fitSeconds,
    sweepSeconds: sweeps[sweeps.length >> 1],
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
