import { KERNELS_URL, useKernelModule } from 'osusume/browser';
import { PrivateEngine } from './engine';

/** The service's address for the private-mode payload (cached by the service worker for offline use). */
export const PRIVATE_MODEL_URL = '/api/private/model';

let loading: Promise<PrivateEngine> | undefined;

/**
 * The private engine: the WebAssembly kernels (core's, shipped as an asset of the app) and the payload,
 * fetched once per page. Neither request carries a rating.
 */
export function loadPrivateEngine(): Promise<PrivateEngine> {
  loading ??= (async () => {
    const [kernels, payload] = await Promise.all([
      fetchBytes(KERNELS_URL.href),
      fetchBytes(PRIVATE_MODEL_URL),
    ]);
    useKernelModule(await WebAssembly.compile(kernels));
    return PrivateEngine.decode(new Uint8Array(payload));
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return response.arrayBuffer();
}
