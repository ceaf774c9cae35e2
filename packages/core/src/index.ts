export { type Csr, rowLength, toCsr } from './data/csr.js';
export { IdMap } from './data/id-map.js';
export { Interactions, InteractionsBuilder } from './data/interactions.js';
