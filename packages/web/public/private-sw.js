// The service worker of private mode (docs/web.md, "Private mode"): keeps the app, the model payload and
// the works pages a visitor saw, so that private mode opens and recommends offline. Network first (a new
// model or app version is taken when the service answers), the kept copy when it does not. Only GET
// requests are kept; none of them carries a rating.
const CACHE = 'osusume-private-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// The page lists what it has loaded (scripts, styles, the kernels, the payload) once private mode is on.
self.addEventListener('message', (event) => {
  const urls = Array.isArray(event.data?.keep) ? event.data.keep : [];
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(urls.map((url) => keep(cache, url)))));
});

async function keep(cache, url) {
  try {
    // As a browser asks for a page: the service answers a page address with the app only then.
    const response = await fetch(url, { headers: { accept: 'text/html,*/*' } });
    if (response.ok) await cache.put(url, response);
  } catch {
    // Out of reach now: kept on the next visit.
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (error) {
        // A page address (e.g. /private) is the app's shell, kept as "/".
        const kept =
          (await cache.match(request)) ?? (request.mode === 'navigate' ? await cache.match('/') : undefined);
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
