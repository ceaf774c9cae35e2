import { computed, onBeforeUnmount, ref } from 'vue';
import { getJob } from '../lib/endpoints';
import type { Job } from '../lib/types';

/** How often a running job is asked for its progress: often enough to look live, cheap for the service. */
export const POLL_MS = 1000;

export function isFinished(job: Job): boolean {
  return job.status === 'done' || job.status === 'failed';
}

/**
 * Follows one job until it ends, asking GET /api/admin/jobs/{id} every POLL_MS. Following another job
 * drops the first (an answer about it arriving late is ignored), and leaving the page stops the polling.
 * `onEnd` runs once when the job is done or failed; a request that fails stops the polling with its
 * message in `error` (the page offers to look again).
 */
export function useJobFollower(onEnd: (job: Job) => void) {
  const job = ref<Job | null>(null);
  const error = ref('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  function schedule(id: number, ticket: number): void {
    timer = setTimeout(() => void poll(id, ticket), POLL_MS);
  }

  async function poll(id: number, ticket: number): Promise<void> {
    try {
      const next = await getJob(id);
      if (ticket !== generation) return;
      job.value = next;
      if (isFinished(next)) onEnd(next);
      else schedule(id, ticket);
    } catch (e) {
      if (ticket === generation) error.value = (e as Error).message;
    }
  }

  function follow(start: Job): void {
    clearTimeout(timer);
    const ticket = ++generation;
    job.value = start;
    error.value = '';
    if (isFinished(start)) onEnd(start);
    else schedule(start.id, ticket);
  }

  /** Asks again at once after a failed request. */
  function retry(): void {
    if (!job.value) return;
    clearTimeout(timer);
    error.value = '';
    void poll(job.value.id, generation);
  }

  onBeforeUnmount(() => {
    generation++;
    clearTimeout(timer);
  });

  const running = computed(() => job.value !== null && !isFinished(job.value));
  return { job, error, running, follow, retry };
}
