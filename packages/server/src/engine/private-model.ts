import { gzipSync } from 'node:zlib';
import { BlendModel, encodePortableFactors, FactorModel, type Recommender } from 'osusume';
import { CHOICE_VALUES, NEUTRAL_POINT } from '../domain/choices.js';
import { type ConsensusLists, FALLBACK_LISTS } from '../domain/consensus-lists.js';
import type { ServingModel } from './serving-model.js';

/**
 * What the web app's private mode downloads (docs/web.md, "Private mode"): the serving model's factor
 * part (the model itself for ALS, the ALS part of a BALSE blend) as portable bytes (item factors in
 * binary16), with what the page needs to apply the recommendation rule and draw cards: the choices'
 * values, the neutral point, the minimum support, each work's title, type and genres, which works are
 * adult, and the heads of the fallback lists as they were when the payload was built.
 */
export interface PrivateModel {
  version: number;
  /** The portable bytes, and gzipped (what is sent to a client that accepts gzip). */
  bytes: Uint8Array;
  gzipped: Buffer;
}

/** The factor model private mode runs: the model itself, or a blend's first factor part (ALS in BALSE). */
export function privateFactors(model: Recommender): FactorModel | undefined {
  if (model instanceof FactorModel) return model.layout.factors > 0 ? model : undefined;
  if (model instanceof BlendModel) {
    return model.parts
      .map(({ model: part }) => part)
      .find((part): part is FactorModel => part instanceof FactorModel && part.layout.factors > 0);
  }
  return undefined;
}

/** The private-mode payload of a serving model; undefined when it has no factor part. */
export async function buildPrivateModel(
  serving: ServingModel,
  consensus: ConsensusLists,
  minRatings: number,
): Promise<PrivateModel | undefined> {
  const factors = privateFactors(serving.model);
  if (!factors) return undefined;
  const ids = factors.items.toArray();
  const genres = [...new Set(ids.flatMap((id) => serving.catalogue.get(id)?.genres ?? []))].sort();
  const genreIndex = new Map(genres.map((g, i) => [g, i]));
  const works = ids.map((id) => {
    const work = serving.catalogue.get(id);
    return [work?.title ?? id, work?.type ?? null, (work?.genres ?? []).map((g) => genreIndex.get(g))];
  });
  const lists: Record<string, string[]> = {};
  for (const list of FALLBACK_LISTS) lists[list] = await consensus.works(list, undefined);
  const bytes = encodePortableFactors(factors, {
    model: serving.version,
    trainedAt: serving.trainedAt,
    blended: factors !== serving.model,
    choiceValues: CHOICE_VALUES,
    neutralPoint: NEUTRAL_POINT,
    minRatings,
    genres,
    works,
    adult: ids.flatMap((id, j) => (serving.catalogue.get(id)?.adult ? [j] : [])),
    lists,
  });
  return { version: serving.version, bytes, gzipped: gzipSync(bytes, { level: 9 }) };
}
