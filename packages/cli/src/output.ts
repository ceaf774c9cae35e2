import cliProgress from 'cli-progress';

/**
 * Where a command's output goes: a result on stdout (human text, or one JSON document with --json),
 * progress on stderr only when stderr is a terminal and --json is off, so pipes and scripts stay quiet.
 */
export class Output {
  private bar: cliProgress.SingleBar | undefined;

  constructor(readonly json: boolean) {}

  get interactive(): boolean {
    return !this.json && process.stderr.isTTY === true;
  }

  /** A line of human output (suppressed with --json). */
  line(text = ''): void {
    if (!this.json) process.stdout.write(`${text}\n`);
  }

  /** The JSON result (with --json). */
  result(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note on stderr for humans (e.g. what was skipped); quiet with --json. */
  note(text: string): void {
    if (!this.json) process.stderr.write(`${text}\n`);
  }

  progress(label: string, total: number): (value: number, detail?: string) => void {
    if (!this.interactive) return () => {};
    this.done();
    this.bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {detail}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { detail: '' });
    return (value, detail = '') => this.bar?.update(value, { detail });
  }

  done(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
