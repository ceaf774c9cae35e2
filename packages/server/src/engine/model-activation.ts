import { copyFile, rename } from 'node:fs/promises';
import { loadRecommender } from 'osusume';
import type { Db } from '../db/schema.js';
import type { ModelStore, ModelVersion } from './model-store.js';

/** How many unknown items an error names. */
const NAMED = 5;

/**
 * Makes a model file made elsewhere (`osusume import-factors` from Spark's factors, or `osusume train`)
 * the serving version, by the steps a training takes (trainer.ts): a version row, the file under the
 * models directory, its checksum and, on PostgreSQL, its copy in the database; then the activation, which
 * running nodes hear of (NOTIFY on PostgreSQL, their model poll on SQLite). A file that does not load, or
 * whose items are not all works of the catalogue, is refused before anything is written.
 */
export async function activateModelFile(db: Db, models: ModelStore, file: string): Promise<ModelVersion> {
  const { model, info } = await loadRecommender(file);
  await checkItems(db, model.items.toArray(), file);
  await models.ensureDirectory();
  const version = await models.begin(info.model, info.params);
  try {
    // The models directory only ever holds whole files: copied beside, then renamed into place.
    const partial = `${version.file}.partial`;
    await copyFile(file, partial);
    await rename(partial, version.file);
    await models.publish(version.id);
    const ratings = model.ratingCounts().reduce((sum, count) => sum + count, 0);
    await models.activate(version.id, info.model, { ...info.metrics, importedFrom: file }, ratings);
    await models.prune().catch(() => {});
    return (await models.get(version.id)) as ModelVersion;
  } catch (error) {
    await models.fail(version.id, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/** Every item of the model must be a work of the catalogue, by its id: else it was fitted on other data. */
async function checkItems(db: Db, items: string[], file: string): Promise<void> {
  const works = new Set((await db.selectFrom('works').select('id').execute()).map((w) => w.id));
  if (works.size === 0) {
    throw new Error(
      'the catalogue has no works: start the service once (it imports the data) before activating a model',
    );
  }
  const unknown = items.filter((id) => !works.has(id));
  if (unknown.length === 0) return;
  const named = unknown.slice(0, NAMED).map((id) => JSON.stringify(id));
  if (unknown.length > NAMED) named.push('…');
  throw new Error(
    `${file}: ${unknown.length} of its ${items.length} items are not works of the catalogue (${named.join(', ')}); ` +
      'fit the model on the ratings of this service’s works, under their ids (import-factors --ids gives them back)',
  );
}
