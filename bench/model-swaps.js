// What model swaps do to an API process's memory (issue 21's soak: RSS steps up outside V8's heap):
// loads the same model file again and again as the service does on a new version (loadRecommender, then
// warm-up requests on the new model, the old one dropped), and prints after each swap the process's RSS,
// V8's reserved heap and heap in use, and `external` (the models' ArrayBuffers). Run it with the API
// processes' flags and malloc settings (packages/server/src/start.ts) to see what they see:
//
//   MALLOC_MMAP_THRESHOLD_=1048576 MALLOC_TRIM_THRESHOLD_=67108864 \
//     node --max-semi-space-size=64 --single-threaded-gc bench/model-swaps.js <model.safetensors> [swaps=40]
//
// Without the two variables it shows glibc's default (a threshold that follows the blocks freed).
// With --expose-gc and FULL_GC=1 it collects everything after each swap, which separates garbage not
// yet collected from memory the allocator keeps.
import { loadRecommender, Rng } from 'osusume';

const [file, swapArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/model-swaps.js <model.safetensors> [swaps]');
  process.exit(2);
}
const swaps = Number(swapArg ?? 40);
const REQUESTS = 300;
const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);

console.log('| swap | RSS MiB | heapTotal MiB | heapUsed MiB | external MiB |');
console.log('|---|---|---|---|---|');
let serving;
for (let swap = 1; swap <= swaps; swap++) {
  const { model } = await loadRecommender(file);
  const rng = new Rng(swap);
  const works = model.items.toArray();
  for (let r = 0; r < REQUESTS; r++) {
    const ratings = Array.from({ length: 10 + rng.int(50) }, () => ({
      item: works[rng.int(works.length)],
      value: rng.int(5) - 2,
    }));
    model.recommend(model.foldIn(ratings), { n: 10 });
  }
  serving = model;
  if (process.env.FULL_GC) globalThis.gc();
  const m = process.memoryUsage();
  console.log(`| ${swap} | ${mib(m.rss)} | ${mib(m.heapTotal)} | ${mib(m.heapUsed)} | ${mib(m.external)} |`);
}
console.log(`\nServing ${serving.items.size} works after ${swaps} swaps.`);
