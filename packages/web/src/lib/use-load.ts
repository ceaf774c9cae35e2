import { ref, shallowRef, type WatchSource, watch } from 'vue';

/**
 * Data a page loads from the API, reloaded when its sources change; only the newest answer is kept,
 * so a slow response never overwrites a later one, and `load` gets a signal that aborts it as soon as
 * a newer load starts (a search typed letter by letter does not queue up its older requests).
 * `failure`: why the last load failed (see LoadFailed).
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, sources: WatchSource[]) {
  const data = ref<T>();
  const failure = shallowRef<Error>();
  const loading = ref(false);
  let asked = 0;
  let pending: AbortController | undefined;
  async function reload(): Promise<void> {
    const ticket = ++asked;
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    loading.value = true;
    try {
      const result = await load(controller.signal);
      if (ticket === asked) {
        data.value = result;
        failure.value = undefined;
      }
    } catch (e) {
      if (ticket === asked) failure.value = e instanceof Error ? e : new Error(String(e));
    } finally {
      if (ticket === asked) loading.value = false;
    }
  }
  watch(sources, reload, { immediate: true });
  return { data, failure, loading, reload };
}
