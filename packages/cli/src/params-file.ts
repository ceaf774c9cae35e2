import { readFile } from 'node:fs/promises';
import { type ParamValue, parseTunedParams } from 'osusume';

/** Collects repeated `--params-file <file>` options. */
export function collectFile(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Reads parameter files written by `osusume tune --out`, by model. Each file must be for one of
 * `models`; errors name the option and the file.
 */
export async function readParamsFiles(
  files: readonly string[],
  models: readonly string[],
): Promise<Map<string, Record<string, ParamValue>>> {
  const byModel = new Map<string, Record<string, ParamValue>>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        `--params-file ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      );
    }
    const tuned = parseTunedParams(text, `--params-file ${file}`);
    if (!models.includes(tuned.model)) {
      throw new Error(
        `--params-file ${file} holds parameters for ${tuned.model}, not ${models.join(' or ')}`,
      );
    }
    byModel.set(tuned.model, tuned.params);
  }
  return byModel;
}
