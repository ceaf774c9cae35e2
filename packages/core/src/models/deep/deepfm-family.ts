import type { FeatureMatrix } from '../../data/feature-matrix.js';
import {
  type FeatureFitOptions,
  type FeatureFitResult,
  type FeatureModelFamily,
  featureFitResult,
} from '../features/feature-family.js';
import { defineParams, type ParamValues, resolveParams } from '../params.js';
import { DEEPFM_DEFAULTS, type DeepFmFit, deepFmEpochs } from './deepfm-training.js';

/** Parses a hidden-layer list such as "64,32" ("" or "none": no hidden layer). */
export function parseHidden(text: string): number[] {
  const trimmed = text.replace(/\s+/g, '');
  if (trimmed === '' || trimmed === 'none') return [];
  return trimmed.split(',').map((part) => {
    const n = Number(part);
    if (!(Number.isInteger(n) && n >= 1))
      throw new Error(`hidden=${text}: layer sizes must be whole numbers ≥ 1`);
    return n;
  });
}

function paramSpecs(fm: boolean) {
  const d = DEEPFM_DEFAULTS;
  return defineParams([
    { name: 'factors', type: 'int', default: d.k, min: 1, description: 'embedding size k per feature' },
    {
      name: 'hidden',
      type: 'string',
      default: d.hidden.join(','),
      pattern: fm ? /^\s*(none|\d+(\s*,\s*\d+)*)?\s*$/ : /^\s*\d+(\s*,\s*\d+)*\s*$/,
      description: fm
        ? 'hidden layer sizes, input side first ("none": the MLP is one linear unit)'
        : 'hidden layer sizes, input side first (at least one)',
    },
    {
      name: 'dropout',
      type: 'number',
      default: d.dropout,
      min: 0,
      max: 0.95,
      description: 'dropout on hidden units',
    },
    { name: 'lr', type: 'number', default: d.lr, min: 1e-6, max: 1, description: "Adam's step size" },
    { name: 'batch', type: 'int', default: d.batch, min: 1, description: 'rows per minibatch' },
    {
      name: 'epochs',
      type: 'int',
      default: d.epochs,
      min: 1,
      description: 'most epochs (early stopping may end sooner)',
    },
    {
      name: 'patience',
      type: 'int',
      default: d.patience,
      min: 1,
      description: 'epochs without a better validation loss before stopping',
    },
    {
      name: 'holdout',
      type: 'number',
      default: d.validationFraction,
      min: 0,
      max: 0.5,
      description:
        'share of the training rows held out for early stopping, when no validation rows are given',
    },
    {
      name: 'l2',
      type: 'number',
      default: d.l2,
      min: 0,
      description: 'L2 penalty on the touched weights and embeddings',
    },
    {
      name: 'init',
      type: 'number',
      default: d.init,
      min: 0,
      description: "std of the embeddings' initial values",
    },
  ]);
}

function family(fm: boolean): FeatureModelFamily {
  const specs = paramSpecs(fm);
  return {
    name: fm ? 'deepfm' : 'deep',
    description: fm
      ? 'DeepFM (Guo et al. 2017): an FM and a ReLU MLP on shared field embeddings, Adam, early stopping'
      : 'Deep: the MLP half of DeepFM alone (field embeddings into a ReLU MLP), Adam, early stopping',
    params: specs,
    tasks: ['regression', 'binary'],
    notARecommender:
      'its MLP mixes the user with the item, so a score is no user term plus item terms and a new user cannot be solved for; it has no model file yet (osusume eval measures it)',
    async fit(
      train: FeatureMatrix,
      given: ParamValues,
      options: FeatureFitOptions,
    ): Promise<FeatureFitResult> {
      const t0 = performance.now();
      const params = resolveParams(specs, given);
      const epochs = deepFmEpochs(train, {
        task: options.task,
        k: params.factors,
        hidden: parseHidden(params.hidden),
        dropout: params.dropout,
        lr: params.lr,
        batch: params.batch,
        epochs: params.epochs,
        patience: params.patience,
        validationFraction: params.holdout,
        l2: params.l2,
        init: params.init,
        fm,
        seed: options.seed,
        validation: options.validation,
        onEpoch: options.onEpoch,
        signal: options.signal,
      });
      let fit: DeepFmFit;
      for (;;) {
        const step = epochs.next();
        if (step.done) {
          fit = step.value;
          break;
        }
        // Let timers, abort signals and progress output through between epochs.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return featureFitResult(t0, { predict: (rows) => fit.predict(rows) }, fit.epochSeconds, fit.curve);
    },
  };
}

/** DeepFM as `osusume eval --model deepfm` sees it. */
export const DEEPFM_FAMILY: FeatureModelFamily = family(true);

/** Deep (DeepFM without its FM half) as `osusume eval --model deep` sees it. */
export const DEEP_FAMILY: FeatureModelFamily = family(false);
