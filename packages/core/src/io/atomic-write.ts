import { randomBytes } from 'node:crypto';
import { type FileHandle, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Options of `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /**
   * Permission bits for the file (the umask applies). By default a replaced file keeps its permissions and a
   * new one gets 0o666 minus the umask, as with `fs.writeFile`.
   */
  mode?: number;
}

/**
 * Writes a file so that readers see either the old content or the new one, never a part: the bytes go to a
 * temporary file beside the target, are flushed to disk (fsync), and the temporary file is renamed over the
 * target; the directory is then flushed too where the platform allows it, so the rename survives a crash.
 * On failure the temporary file is removed and the target is left as it was. A symbolic link is followed:
 * the file it points to is replaced, not the link.
 *
 * `data` may be a list of chunks, written one after the other (a model's header and tensors, uncopied).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[],
  options: AtomicWriteOptions = {},
): Promise<void> {
  const target = await realpath(path).catch(() => resolve(path));
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const chunks =
    typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;

  let handle: FileHandle | undefined;
  let renamed = false;
  try {
    const keepMode = options.mode === undefined ? await existingMode(target) : undefined;
    handle = await open(temp, 'wx', options.mode ?? 0o666);
    if (keepMode !== undefined) await handle.chmod(keepMode).catch(() => {});
    for (const chunk of chunks) {
      let at = 0;
      while (at < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, at, chunk.length - at);
        at += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await renameWithRetry(temp, target);
    renamed = true;
  } finally {
    if (!renamed) {
      await handle?.close().catch(() => {});
      await unlink(temp).catch(() => {});
    }
  }
  await syncDirectory(dir);
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

/** Windows refuses a rename for a moment while another process (an indexer, an antivirus) has the file open. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const transient = code === 'EPERM' || code === 'EACCES' || code === 'EBUSY';
      if (process.platform !== 'win32' || !transient || attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

/** Flushes a directory entry to disk; a no-op where directories cannot be opened (Windows). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported on this platform or file system: the rename itself has still happened.
  } finally {
    await handle?.close().catch(() => {});
  }
}
