import type { Worker } from 'node:cluster';
import { describe, expect, it } from 'vitest';
import { WarmUpBarrier } from '../src/warm-together.js';

/** A stand-in for a cluster worker that records what the primary sends it. */
const fakeWorker = () => {
  const sent: unknown[] = [];
  return { sent, worker: { send: (message: unknown) => sent.push(message) } as unknown as Worker };
};

describe('the primary’s warm-up barrier', () => {
  it('tells every API process once all of them are warm, not before', () => {
    const [a, b] = [fakeWorker(), fakeWorker()];
    const barrier = new WarmUpBarrier(new Set([a.worker, b.worker]));
    barrier.receive(a.worker, { type: 'warm' });
    expect(a.sent).toEqual([]);
    barrier.receive(b.worker, { type: 'model' });
    expect(a.sent).toEqual([]);
    barrier.receive(b.worker, { type: 'warm' });
    expect(a.sent).toEqual([{ type: 'all-warm' }]);
    expect(b.sent).toEqual([{ type: 'all-warm' }]);
  });

  it('lets a process forked after a crash through on its own warm-up, once the service was ready', () => {
    const [a, b, replacement] = [fakeWorker(), fakeWorker(), fakeWorker()];
    const workers = new Set([a.worker, b.worker]);
    const barrier = new WarmUpBarrier(workers);
    barrier.receive(a.worker, { type: 'warm' });
    barrier.receive(b.worker, { type: 'warm' });
    workers.delete(b.worker);
    workers.add(replacement.worker);
    barrier.receive(replacement.worker, { type: 'warm' });
    expect(replacement.sent).toEqual([{ type: 'all-warm' }]);
    expect(a.sent).toHaveLength(1);
  });

  it('waits for the replacement of a process that crashed before the service was ever ready', () => {
    const [a, b, replacement] = [fakeWorker(), fakeWorker(), fakeWorker()];
    const workers = new Set([a.worker, b.worker]);
    const barrier = new WarmUpBarrier(workers);
    barrier.receive(a.worker, { type: 'warm' });
    workers.delete(b.worker);
    workers.add(replacement.worker);
    expect(a.sent).toEqual([]);
    barrier.receive(replacement.worker, { type: 'warm' });
    expect(a.sent).toEqual([{ type: 'all-warm' }]);
    expect(replacement.sent).toEqual([{ type: 'all-warm' }]);
  });
});
