import { getSetting, setSetting } from '../db/settings.js';
import { importAnimeData } from '../domain/anime-import.js';
import { ratingsSignature, recomputeCounters } from '../domain/counters.js';
import { trainJob } from '../engine/trainer.js';
import type { Services } from '../services.js';
import type { JobHandler, JobKind } from './queue.js';
import { COUNTERS_SIGNATURE, MODEL_SIGNATURE } from './scheduler.js';

/** The job handlers of the process that runs background work. */
export function jobHandlers(
  services: Services,
  onActivated?: (version: number) => unknown,
): Record<JobKind, JobHandler> {
  const { db } = services.storage;
  const train = trainJob(services, onActivated);
  return {
    counters: async () => {
      const signature = await ratingsSignature(db);
      const result = await recomputeCounters(db);
      await setSetting(db, COUNTERS_SIGNATURE, signature);
      return { ...result };
    },
    train: async (job, progress, lost) => {
      const signature = await ratingsSignature(db);
      const result = await train(job, progress, lost);
      await setSetting(db, MODEL_SIGNATURE, signature);
      return result;
    },
    import: async (_job, progress) => {
      const dir = services.config.demoData;
      if (!dir) return { skipped: 'no demo data configured' };
      if (await getSetting(db, 'demo_imported')) return { skipped: 'already imported' };
      const imported = await importAnimeData(db, dir, progress);
      return { ...imported };
    },
  };
}
