// osusume: the core library. Data, models, evaluation and model files; no runtime dependencies.

export { type Csr, rowLength, toCsr } from './data/csr.js';
export type { Dataset, Fold, ItemInfo, ItemTag, RowSkills } from './data/dataset.js';
export { type FeatureField, FeatureMatrix, FeatureMatrixBuilder } from './data/feature-matrix.js';
export {
  FEATURE_SETS,
  FEATURES_SYNTAX,
  FeatureEncoder,
  type FeatureTerm,
  formatFeatureTerm,
  parseFeatureSpec,
} from './data/feature-spec.js';
export { IdMap } from './data/id-map.js';
export { Interactions, InteractionsBuilder } from './data/interactions.js';
export {
  buildTagMatrix,
  inMemoryTags,
  TAG_WEIGHTINGS,
  type TagMatrix,
  type TagSource,
  type TagWeighting,
  tagMatrix,
} from './data/tags.js';
export { type EvaluateOptions, type Evaluation, evaluate, type FoldFigures } from './eval/evaluate.js';
export {
  type EvaluateFeaturesOptions,
  evaluateFeatures,
  type FeatureFold,
  featureFolds,
} from './eval/evaluate-features.js';
export {
  DEFAULT_METRICS,
  DEFAULT_RANKING_METRICS,
  isRankingMetric,
  METRICS_SYNTAX,
  type MetricList,
  parseMetrics,
} from './eval/metric-list.js';
export { accuracy, auc, logLoss, mae, rmse } from './eval/metrics.js';
export { type CurveSeries, learningCurvesSvg, meanCurve } from './eval/plot.js';
export {
  formatProtocol,
  PROTOCOL_SYNTAX,
  type Protocol,
  parseProtocol,
  protocolFolds,
} from './eval/protocol.js';
export { type SeedTableSubsets, seedTableSubsets } from './eval/protocol-subsets.js';
export { rankFigures } from './eval/rank-fold.js';
export { type RankFold, type RankOrder, type RankSplitOptions, rankSplit } from './eval/rank-split.js';
export {
  averagePrecisionAtK,
  ndcgAtK,
  precisionAtK,
  type RankingMetrics,
  rankingMetrics,
  recallAtK,
  relevanceByUser,
  type UserRanking,
} from './eval/ranking.js';
export { PositiveRule } from './eval/relevance.js';
export {
  type ComparisonTable,
  comparisonTable,
  type FoldResult,
  type ModelEvaluation,
} from './eval/report.js';
export {
  holdout,
  kfold,
  leaveKOut,
  loadSplits,
  Split,
  type SplitDescription,
  type SplitKind,
  saveSplits,
  splitsFromJson,
  splitsToJson,
  temporal,
} from './eval/splits.js';
export { type MetricRecord, meanByKey, type Summary, summarize, summarizeByKey } from './eval/summary.js';
export { type AnimeOptions, readAnime } from './io/anime.js';
export { type AtomicWriteOptions, writeFileAtomic } from './io/atomic-write.js';
export { DataFormatError } from './io/data-error.js';
export {
  type DataSpec,
  type DataSpecOptions,
  formatDataSpec,
  parseDataSpec,
  readDataSpec,
  readTestFile,
} from './io/data-spec.js';
export { type DelimitedOptions, readDelimited } from './io/delimited.js';
export { fromFloat16, toFloat16 } from './io/float16.js';
export { asImplicit } from './io/implicit.js';
export { type ItemTags, mergeTags, readItemTags } from './io/item-tags.js';
export { type KnowledgeTracingOptions, readDkvmn, readKnowledgeTracing } from './io/knowledge-tracing.js';
export { type LibfmOptions, readLibfm, writeLibfm } from './io/libfm.js';
export { type Ml100kOptions, readMl100k } from './io/ml100k.js';
export {
  inspectModelFile,
  loadModelFile,
  ModelFileError,
  type ModelFileInfo,
  readSafetensorsFile,
  saveModelFile,
  writeSafetensorsFile,
} from './io/model-file.js';
export { decodePortableFactors, encodePortableFactors, PORTABLE_FORMAT } from './io/portable-factors.js';
export { decodeSafetensors, encodeSafetensors, type Tensor } from './io/safetensors.js';
export { ADAM_DEFAULTS, type AdamSettings, AdamState } from './math/adam.js';
export {
  conditionKernel,
  elementarySymmetric,
  type LowRankKernel,
  qualityKernel,
  sampleKDpp,
} from './math/k-dpp.js';
export { type Clustering, kmeans } from './math/kmeans.js';
export { LassoSolver, type SparseRows } from './math/lasso-cd.js';
export { Rng } from './math/rng.js';
export { type TsneOptions, tsne } from './math/tsne.js';
export { ALS_PARAMS, fitAls } from './models/als.js';
export { BIASES_PARAMS, fitBiases, fitMean } from './models/baseline.js';
export { type EloModel, type EloOptions, eloPredict, eloProbability, fitElo } from './models/binary/elo.js';
export {
  BINARY_FAMILIES,
  ELO_FAMILY,
  IRT_FAMILY,
  LMF_FAMILY,
  LR_FAMILY,
} from './models/binary/families.js';
export {
  eloUpdate,
  fitIrt,
  fitIrtOnline,
  type IrtModel,
  type IrtOnlineOptions,
  type IrtOptions,
  irtPredict,
  irtProbability,
} from './models/binary/irt.js';
export { fitLinear, type LinearModel, type LinearOptions, linearPredict } from './models/binary/linear.js';
export { fitLmf, type LmfModel, type LmfOptions, lmfPredict } from './models/binary/lmf.js';
export { fieldPairs, type OutcomeColumns, outcomesOf } from './models/binary/outcomes.js';
export { BALSE_PARAMS, BLEND_PARAMS, BlendModel, type BlendUser, fitBlend } from './models/blend.js';
export { type Gate, gateLoss, gateWeights, learnGate } from './models/blend-gate.js';
export { DEEP_FAMILY, DEEPFM_FAMILY } from './models/deep/deepfm-family.js';
export {
  DEEPFM_DEFAULTS,
  type DeepFmFit,
  type DeepFmOptions,
  fitDeepFm,
} from './models/deep/deepfm-training.js';
export { type FactorLayout, factorLayout } from './models/factor-layout.js';
export {
  DEFAULT_MIN_RATINGS,
  FactorModel,
  type FactorModelInit,
  type Regularization,
  type UserVector,
} from './models/factor-model.js';
export { factorInitFrom, factorTensors } from './models/factor-model-file.js';
export type { ModelFamily } from './models/family.js';
export type {
  FeatureFitOptions,
  FeatureFitReport,
  FeatureFitResult,
  FeatureModel,
  FeatureModelFamily,
  FeatureTask,
} from './models/features/feature-family.js';
export {
  FeatureRecommender,
  type FeatureUser,
  loadFeatureRecommender,
} from './models/features/feature-recommender.js';
export type { FitOptions, FitReport, FitResult, Progress } from './models/fit-options.js';
export { type FmAlsFit, type FmAlsOptions, fitFmAls } from './models/fm/fm-als.js';
export { FM_FAMILY } from './models/fm/fm-family.js';
export {
  anovaKernel,
  type FmHigherOrderFit,
  type FmHigherOrderOptions,
  type FmHigherOrderParameters,
  fitFmHigherOrder,
  fmHigherOrderPredict,
} from './models/fm/fm-higher-order.js';
export { type FmParameters, fmParameters, fmPredictRow } from './models/fm/fm-kernel.js';
export { type FmMcmcFit, type FmMcmcOptions, fitFmMcmc } from './models/fm/fm-mcmc.js';
export type { FmOptimizer, FmTask } from './models/fm/fm-options.js';
export { type FmSgdFit, type FmSgdOptions, fitFmSgd, fmPredict } from './models/fm/fm-sgd.js';
export {
  GROUP_RULES,
  type GroupPick,
  type GroupRankOptions,
  type GroupRule,
  groupScore,
  isGroupRule,
  rankForGroup,
} from './models/group-rules.js';
export type { Confidence } from './models/implicit/confidence.js';
export { fitIals, IALS_PARAMS } from './models/implicit/ials.js';
export { ImplicitAlsModel, loadIals } from './models/implicit/ials-model.js';
export {
  fitLasso,
  LASSO_PARAMS,
  type LassoContent,
  LassoModel,
  loadLasso,
} from './models/lasso.js';
export {
  clusterGenres,
  computeMapLayout,
  MAP_TENSORS,
  MAP_TSNE,
  type MapCluster,
  type MapLayout,
  mapLayoutFromFile,
  mapLayoutToFile,
} from './models/map-layout.js';
export { loadRecommender, type SavedModelInfo, saveRecommender } from './models/model-io.js';
export {
  defineParams,
  type NumberRange,
  type ParamSpec,
  type ParamsOf,
  type ParamValue,
  resolveParams,
} from './models/params.js';
export { projectItems } from './models/projection.js';
export {
  type Explanation,
  explanationTotal,
  type FoldedUser,
  type ModelLoader,
  type Recommender,
  type RecommendOptions,
  type ScoredItem,
  type SimilarOptions,
  type TagPreferences,
} from './models/recommender.js';
export {
  FEATURE_MODEL_FAMILIES,
  familyParams,
  familyParts,
  featureModelFamily,
  implicitRmseNote,
  MODEL_FAMILIES,
  modelFamily,
} from './models/registry.js';
export { fitSgd, SGD_PARAMS } from './models/sgd.js';
export { defaultThreads } from './parallel/kernel-pool.js';
export { evaluateTuned, type TunedEvaluation } from './tune/evaluate-tuned.js';
export { ScrambledHalton } from './tune/halton.js';
export { paramsAt, type SearchDimension, searchDimensions } from './tune/search-space.js';
export { type Trial, type TuneOptions, type TuneResult, tunableFamilies, tune } from './tune/tune.js';
export { parseTunedParams, type TunedParams } from './tune/tuned-file.js';
