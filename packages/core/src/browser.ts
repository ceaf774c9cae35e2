// What a browser may import from osusume (`osusume/browser`): the modules below use no Node.js API, so a
// page can fold a visitor into a factor model and rank and explain with it, as the service does (the
// web app's private mode, docs/web.md). The page compiles KERNELS_URL and hands it to useKernelModule.
export { IdMap } from './data/id-map.js';
export { decodePortableFactors } from './io/portable-factors.js';
export { KERNELS_URL, useKernelModule } from './math/kernels.js';
export type { FactorModel, UserVector } from './models/factor-model.js';
export type { Explanation, ScoredItem } from './models/recommender.js';
