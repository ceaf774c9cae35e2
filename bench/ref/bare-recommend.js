// Reference for the service benchmark: the same fold-in and top n from the same model file, answered
// by Node's bare http module with one process per core, and nothing else (no framework, validation,
// API key, database or titles). What it reaches under the same load is what this machine allows a Node
// service doing this work. node bench/ref/bare-recommend.js MODEL_FILE PORT
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { DEFAULT_MIN_RATINGS, loadRecommender } from 'osusume';
import { Catalogue } from '../../packages/server/dist/src/engine/catalogue.js';
import { ServingModel } from '../../packages/server/dist/src/engine/serving-model.js';

const [file, port] = process.argv.slice(2);

if (cluster.isPrimary) {
  const workers = Array.from({ length: availableParallelism() }, () => cluster.fork());
  let listening = 0;
  for (const worker of workers)
    worker.on('listening', () => {
      if (++listening === workers.length) console.log('listening');
    });
  process.on('SIGTERM', () => {
    for (const worker of workers) worker.kill();
    process.exit(0);
  });
} else {
  // The service's own fold-in and ranking, with no titles to look up.
  const serving = new ServingModel(0, (await loadRecommender(file)).model, Catalogue.of([]), '');
  const answer = (body) => {
    const { ratings, n } = JSON.parse(body);
    const items = serving.recommend(ratings, { n, minRatings: DEFAULT_MIN_RATINGS });
    return JSON.stringify({ items: items.map(({ work, score }) => ({ work, score })) });
  };
  createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(answer(Buffer.concat(chunks).toString()));
    });
  }).listen(Number(port), '127.0.0.1');
}
