import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The service as a child process, for the smoke and crash tests: spawned in its own process group (the
 * npm wrapper, the shell, the primary and its cluster workers all in it), its log collected line by line,
 * stopped with SIGTERM or killed with SIGKILL as a whole group. Every group started here is killed when
 * `killAll()` runs (afterEach/afterAll) and, as a last resort, when the test process exits.
 */

/** The repository root (this file runs from packages/server/dist/test). */
export const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `node packages/server/dist/src/main.js`: the service without the build step. */
export const MAIN = resolve(REPOSITORY, 'packages/server/dist/src/main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** The program and its arguments, e.g. ['npm', 'start'] or [process.execPath, MAIN]. */
  command: string[];
  /** Added to (or, with undefined, removed from) this process's environment. */
  env: Record<string, string | undefined>;
  /** The port the service listens on (PORT is set from it). */
  port: number;
  cwd?: string;
}

const running = new Set<ServiceProcess>();

export class ServiceProcess {
  readonly child: ChildProcess;
  /** Every line of stdout and stderr, in order of arrival. */
  readonly lines: string[] = [];
  /** Resolves when the spawned process (the group leader) has exited. */
  readonly exited: Promise<Exit>;
  readonly baseUrl: string;
  readonly startedAt = performance.now();
  private exit: Exit | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(options: SpawnOptions) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries({ ...options.env, PORT: String(options.port) })) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    // The tests' own settings must not leak into the service.
    delete env.NODE_OPTIONS;
    delete env.VITEST;
    const [program, ...args] = options.command;
    this.child = spawn(program, args, {
      cwd: options.cwd ?? REPOSITORY,
      env,
      detached: true, // a new process group whose id is the child's pid
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.baseUrl = `http://127.0.0.1:${options.port}`;
    running.add(this);
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        pending += chunk;
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) this.lines.push(line);
        if (parts.length) this.notify();
      });
      stream?.on('end', () => {
        if (pending) this.lines.push(pending);
        pending = '';
        this.notify();
      });
    }
    this.exited = new Promise<Exit>((resolveExit) => {
      this.child.once('error', (error) => {
        this.lines.push(`spawn error: ${error.message}`);
        this.exit = { code: null, signal: null };
        this.notify();
        resolveExit(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolveExit(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The exit of the group leader, once it happened. */
  get exitStatus(): Exit | undefined {
    return this.exit;
  }

  /** The pino messages (the `msg` of JSON lines; other lines as they are). */
  messages(from = 0): string[] {
    return this.lines.slice(from).map(messageOf);
  }

  /** The pino lines of the log (other lines left out), with their time and process. */
  entries(): { time: number; pid: number; msg: string }[] {
    return this.lines.flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { time?: unknown; pid?: unknown; msg?: unknown };
        return typeof entry.time === 'number' &&
          typeof entry.pid === 'number' &&
          typeof entry.msg === 'string'
          ? [{ time: entry.time, pid: entry.pid, msg: entry.msg }]
          : [];
      } catch {
        return [];
      }
    });
  }

  /** The last lines of the log, for failure messages. */
  tail(count = 30): string {
    return this.messages().slice(-count).join('\n');
  }

  /**
   * The first log message from line `from` on for which `match` is true (a RegExp is tested against it).
   * Fails when the process exits first or after `timeoutMs`.
   */
  async waitForLog(
    match: RegExp | ((message: string) => boolean),
    options: { timeoutMs?: number; from?: number } = {},
  ): Promise<{ message: string; index: number }> {
    const test = typeof match === 'function' ? match : (message: string) => match.test(message);
    let next = options.from ?? 0;
    return this.until(options.timeoutMs ?? 60_000, `a log line ${String(match)}`, () => {
      for (; next < this.lines.length; next++) {
        const message = messageOf(this.lines[next]);
        if (test(message)) return { message, index: next };
      }
      return undefined;
    });
  }

  /** Polls GET /ready until it answers 200; returns its body ({status, model}). */
  async waitReady(timeoutMs = 120_000): Promise<{ status: string; model: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit)
        throw new Error(`the service exited (${describe(this.exit)}) before /ready:\n${this.tail()}`);
      try {
        const response = await fetch(`${this.baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
        if (response.status === 200) return (await response.json()) as { status: string; model: number };
        await response.body?.cancel();
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(100);
    }
  }

  /**
   * The service's primary process: the one running main.js whose parent does not (under `npm start` it
   * is the shell's child; started directly it is the group leader). Undefined when it is not running.
   */
  servicePid(): number | undefined {
    const members = processes().filter((p) => p.pgid === this.pid);
    const isMain = (p: ProcessInfo | undefined) =>
      p !== undefined && /(^|\/)node$/.test(p.argv[0] ?? '') && p.argv.some((arg) => arg.endsWith('main.js'));
    const byPid = new Map(members.map((p) => [p.pid, p]));
    return members.find((p) => isMain(p) && !isMain(byPid.get(p.ppid)))?.pid;
  }

  /**
   * Graceful stop with SIGTERM to: `service` (default), the service's primary process (what `kill <pid>`
   * of the service does; under `npm start` npm and its shell then exit with the service's code);
   * `leader`, the spawned process only (npm under `npm start`); `group`, every process of the group (a
   * terminal's Ctrl-C or a stop of a whole container does so). Resolves with the leader's exit once the
   * whole group is gone; kills the group (kill -9) and fails after `timeoutMs`.
   */
  async stop(options: { timeoutMs?: number; to?: 'service' | 'leader' | 'group' } = {}): Promise<Exit> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const to = options.to ?? 'service';
    if (!this.exit) {
      const target = to === 'group' ? -this.pid : to === 'leader' ? this.pid : this.servicePid();
      if (target === undefined) throw new Error(`no service process in group ${this.pid}:\n${this.tail()}`);
      try {
        process.kill(target, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    const started = Date.now();
    try {
      const exit = await this.until(timeoutMs, 'the exit after SIGTERM', () => this.exit);
      await this.untilGroupGone(Math.max(1000, timeoutMs - (Date.now() - started)));
      return exit;
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** kill -9 of the whole group; resolves once the leader exited and no process of the group is left. */
  async kill(): Promise<Exit> {
    signalGroup(this.pid, 'SIGKILL');
    const exit = await this.exited;
    await this.untilGroupGone(10_000);
    running.delete(this);
    return exit;
  }

  private async untilGroupGone(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (groupMembers(this.pid).length > 0) {
      if (Date.now() > deadline) {
        signalGroup(this.pid, 'SIGKILL');
        throw new Error(`processes of group ${this.pid} still running: ${groupMembers(this.pid).join(', ')}`);
      }
      await sleep(50);
    }
    running.delete(this);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves with the first non-undefined value of `check` (run on every new line and exit). */
  private until<T>(timeoutMs: number, what: string, check: () => T | undefined): Promise<T> {
    return new Promise<T>((resolveValue, reject) => {
      const finish = (error: Error | undefined, value?: T) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolveValue(value as T);
      };
      const listener = () => {
        const value = check();
        if (value !== undefined) finish(undefined, value);
        else if (this.exit)
          finish(new Error(`the service exited (${describe(this.exit)}) before ${what}:\n${this.tail()}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`no ${what} after ${timeoutMs} ms:\n${this.tail()}`)),
        timeoutMs,
      );
      this.listeners.add(listener);
      listener();
    });
  }
}

/** Starts the service (see SpawnOptions). */
export function spawnService(options: SpawnOptions): ServiceProcess {
  return new ServiceProcess(options);
}

/** kill -9 of every group started here and still running (for afterEach/afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((service) => service.kill().catch(() => {})));
}

// The last resort when the test process ends without afterAll (a crash, a timeout of the whole run).
process.once('exit', () => {
  for (const service of running) signalGroup(service.pid, 'SIGKILL');
});

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/**
 * An HTTP client of a running service: JSON in and out, the session cookie kept, the CSRF token sent on
 * writes to the web app's API once `session()` or `login()` has fetched one, the API key on /api/v1.
 */
export class HttpClient {
  private cookie: string | undefined;
  private csrf: string | undefined;

  constructor(
    private readonly service: { baseUrl: string },
    private readonly apiKey?: string,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (this.apiKey && path.startsWith('/api/v1/')) headers['x-api-key'] = this.apiKey;
    const response = await fetch(`${this.service.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const pair = setCookie.split(';')[0];
      if (pair.startsWith('osusume_session=')) this.cookie = pair;
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the text as it is.
    }
    return { status: response.status, body: parsed as T };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }

  put<T = Record<string, unknown>>(path: string, body: unknown = {}) {
    return this.request<T>('PUT', path, body);
  }

  /** GET /api/session: a session cookie and its CSRF token. */
  async session(): Promise<void> {
    const response = await this.get<{ csrfToken: string }>('/api/session');
    if (response.status !== 200) throw new Error(`GET /api/session: ${response.status}`);
    this.csrf = response.body.csrfToken;
  }

  /** Logs in (the session and CSRF token change). */
  async login(username: string, password: string): Promise<void> {
    if (!this.csrf) await this.session();
    const response = await this.post<{ csrfToken: string }>('/api/login', { username, password });
    if (response.status !== 200)
      throw new Error(`POST /api/login: ${response.status} ${JSON.stringify(response.body)}`);
    this.csrf = response.body.csrfToken;
  }
}

/** A background job as the admin API shows it. */
export interface JobView {
  id: number;
  kind: string;
  status: string;
  progress: number;
  error: string | null;
  result: Record<string, unknown> | null;
}

/** Polls GET /api/admin/jobs/:id (as an admin) until the job is done or failed. */
export async function pollJob(client: HttpClient, id: number, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.get<JobView>(`/api/admin/jobs/${id}`);
    if (response.status !== 200) throw new Error(`GET /api/admin/jobs/${id}: ${response.status}`);
    const job = response.body;
    if (job.status === 'done' || job.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

function messageOf(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const parsed = JSON.parse(line) as { msg?: unknown };
    return typeof parsed.msg === 'string' ? parsed.msg : line;
  } catch {
    return line;
  }
}

function describe(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // No process left in the group.
  }
}

/** The live (not zombie) processes of a process group, from /proc (elsewhere: whether any is left). */
export function groupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  return processes()
    .filter((p) => p.pgid === pgid)
    .map((p) => p.pid);
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  argv: string[];
}

/** The live processes, from /proc (Linux). */
function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      found.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), argv });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
