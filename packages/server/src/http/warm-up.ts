import type { FastifyInstance } from 'fastify';
import { Rng } from 'osusume';
import type { ServingModel } from '../engine/serving-model.js';

/**
 * How long a process sends itself requests before /ready says yes. The model's own warm-up compiles the
 * fold-in and the scoring; this one compiles the rest of a request (routing, the API key, validation,
 * serialization), which under load otherwise compiles during the first second of real traffic and puts
 * it in the latency tail.
 */
const WARM_UP_MS = 500;

/**
 * Posts made-up visitors to the integration API's recommend route through Fastify's inject (no socket);
 * returns how many were answered 200 (none without an API key: the route is off).
 */
export async function warmUpHttp(
  app: FastifyInstance,
  apiKey: string | undefined,
  serving: ServingModel,
  milliseconds = WARM_UP_MS,
): Promise<number> {
  if (!apiKey) return 0;
  const rng = new Rng(2);
  const until = performance.now() + milliseconds;
  let answered = 0;
  while (performance.now() < until) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/recommend',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      payload: JSON.stringify({ ratings: serving.madeUpRatings(rng), n: 10 }),
    });
    if (response.statusCode === 200) answered++;
  }
  return answered;
}
