import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type ItemTag, writeFileAtomic } from 'osusume';

/**
 * The tag names of a model's outputs, in output order, from a file: a JSON array of strings (as some
 * projects ship their tag list), or plain text with one name per line (blank lines and surrounding
 * whitespace ignored; a line may not be empty in the middle of the list, so positions never shift).
 */
export async function readTagNames(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`tag list "${file}": ${(error as Error).message}`);
  }
  const trimmed = text.trim();
  let names: string[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`tag list "${file}": not valid JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((name) => typeof name === 'string')) {
      throw new Error(`tag list "${file}": expected a JSON array of strings`);
    }
    names = parsed.map((name) => name.trim());
  } else {
    const lines = text.split(/\r?\n/).map((line) => line.trim());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    names = lines;
  }
  checkTagNames(names, `tag list "${file}"`);
  return names;
}

/** Throws when a tag list is empty, has an empty name or names a tag twice. */
export function checkTagNames(names: readonly string[], what = 'tag list'): void {
  if (names.length === 0) throw new Error(`${what}: no tags`);
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') throw new Error(`${what}: tag ${i + 1} is empty`);
    if (/[\r\n]/.test(name)) throw new Error(`${what}: tag ${i + 1} contains a line break`);
    const first = seen.get(name);
    if (first !== undefined) throw new Error(`${what}: tag "${name}" is both ${first + 1} and ${i + 1}`);
    seen.set(name, i);
  });
}

/** A field of a tab-separated tags file, quoted (RFC 4180) when it holds a tab, a quote or outer spaces. */
function field(value: string): string {
  return /[\t"]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Writes tags as an `item tag weight` file (tab-separated, weights to 6 significant digits), the format
 * `readItemTags` and the CLI's `--tags` read, atomically.
 */
export async function writeItemTagsFile(
  file: string,
  tags: ReadonlyMap<string, readonly ItemTag[]>,
): Promise<number> {
  const lines: string[] = [];
  for (const [item, list] of tags) {
    for (const { tag, weight } of list) {
      lines.push(`${field(item)}\t${field(tag)}\t${Number(weight.toPrecision(6))}`);
    }
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return lines.length;
}
