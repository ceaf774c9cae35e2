export { ensureAdmin } from './auth/accounts.js';
export { type Config, loadConfig } from './config.js';
export { openStorage, sqlitePath } from './db/connect.js';
export { migrate } from './db/migrations.js';
export { activateModelFile } from './engine/model-activation.js';
export { ModelStore } from './engine/model-store.js';
export { start } from './start.js';
