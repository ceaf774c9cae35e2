import { BINARY_FAMILIES } from '../binary/families.js';
import { DEEP_FAMILY, DEEPFM_FAMILY } from '../deep/deepfm-family.js';
import { FM_FAMILY } from '../fm/fm-family.js';
import type { FeatureModelFamily } from './feature-family.js';

/** The models on feature rows (factorization machines, binary-outcome models, deep models), by name. */
export const FEATURE_MODEL_FAMILIES: readonly FeatureModelFamily[] = [
  FM_FAMILY,
  ...BINARY_FAMILIES,
  DEEPFM_FAMILY,
  DEEP_FAMILY,
];

export function isFeatureModel(name: string): boolean {
  return FEATURE_MODEL_FAMILIES.some((f) => f.name === name);
}

export function featureModelFamily(name: string): FeatureModelFamily {
  const family = FEATURE_MODEL_FAMILIES.find((f) => f.name === name);
  if (!family) {
    throw new Error(
      `unknown model "${name}"; feature models: ${FEATURE_MODEL_FAMILIES.map((f) => f.name).join(', ')}`,
    );
  }
  return family;
}
