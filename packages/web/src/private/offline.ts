import { KERNELS_URL } from 'osusume/browser';
import { PRIVATE_MODEL_URL } from './load';

/**
 * Keeps private mode usable offline: registers its service worker (public/private-sw.js) and asks it to
 * keep the app's shell, what this page loaded and the model. Without service workers (an insecure
 * origin, some private windows) private mode still works while the page stays open.
 */
export async function keepForOffline(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/private-sw.js');
    const worker = (await navigator.serviceWorker.ready).active;
    // The app's files, and the answers the page needs to open: the session (the app waits for it) and
    // the works to rate.
    const loaded = performance
      .getEntriesByType('resource')
      .map((entry) => new URL(entry.name))
      .filter(
        (url) => url.origin === location.origin && /^\/(assets\/|api\/(session|works)\b)/.test(url.pathname),
      )
      .map((url) => url.href);
    worker?.postMessage({ keep: ['/', location.pathname, PRIVATE_MODEL_URL, KERNELS_URL.href, ...loaded] });
  } catch {
    // Offline use is a bonus: the page works online without it.
  }
}
