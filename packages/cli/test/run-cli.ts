import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.js', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: the command's JSON output; the tests check its shape.
export type Json = Record<string, any>;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `osusume` command in `cwd`: `run` gives its exit code and output, `json` its --json result. */
export function cliRunner(cwd: string): {
  run(args: string[]): Promise<CliRun>;
  json(args: string[]): Promise<Json>;
} {
  const run = (args: string[]) =>
    new Promise<CliRun>((resolve) => {
      execFile(process.execPath, [main, ...args], { cwd }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
  const json = async (args: string[]) => {
    const result = await run([...args, '--json']);
    if (result.code !== 0) throw new Error(`osusume ${args.join(' ')} failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as Json;
  };
  return { run, json };
}
