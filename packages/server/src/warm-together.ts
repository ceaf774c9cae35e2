import type { Worker } from 'node:cluster';

/** An API process tells the primary it is warmed up. */
const WARM = 'warm';
/** The primary tells the API processes that all of them are. */
const ALL_WARM = 'all-warm';

type Message = { type?: string } | undefined;

/**
 * In an API process, once its own warm-up is over: tells the primary, and resolves true once every API
 * process is warm (at once when the service has been ready before), so that a /ready probe, which
 * reaches one process, means the whole service answers warm. Resolves false after `timeoutMs` all the
 * same: a peer stuck in its start must not keep the others from serving.
 */
export function warmTogether(timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (together: boolean) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(together);
    };
    const onMessage = (message: Message) => {
      if (message?.type === ALL_WARM) done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    process.on('message', onMessage);
    process.send?.({ type: WARM });
  });
}

/**
 * The primary's side of `warmTogether`: opens once every API process has said it is warm, and stays
 * open, so that one forked later to replace a crashed one waits for its own warm-up only.
 */
export class WarmUpBarrier {
  private readonly warm = new WeakSet<Worker>();
  private open = false;

  constructor(private readonly workers: ReadonlySet<Worker>) {}

  /** Handles a message from `worker` (others than the warm-up's are ignored). */
  receive(worker: Worker, message: Message): void {
    if (message?.type !== WARM) return;
    this.warm.add(worker);
    if (this.open) {
      worker.send({ type: ALL_WARM });
      return;
    }
    if (![...this.workers].every((peer) => this.warm.has(peer))) return;
    this.open = true;
    for (const peer of this.workers) peer.send({ type: ALL_WARM });
  }
}
