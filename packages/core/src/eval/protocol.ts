import type { Dataset, Fold } from '../data/dataset.js';
import { type RankOrder, rankSplit } from './rank-split.js';
import { holdout, kfold, leaveKOut, temporal } from './splits.js';

/**
 * How an evaluation splits the data (the command line's --protocol):
 *   folds          the data set's official folds (MovieLens u1..u5)
 *   kfold:K        K seeded random folds
 *   holdout:F      a seeded random fraction F in test, `repeats` times with seeds seed, seed+1, ...
 *   seedtable:F    as holdout, and RMSE also on the least-rated and the cold-start test ratings
 *   leavekout:K    K random ratings of each user in test
 *   temporal:F     the latest fraction F of ratings in test
 *   given          train = the data, test = a second file
 *   rank:recent:N  each user's N latest positives in test (N < 1: that fraction of them), for top-k figures
 *   rank:random:N  as rank:recent, N positives drawn at random, `repeats` times with seeds seed, seed+1, ...
 * Only holdout, seedtable and rank:random draw several splits (--folds); the others refuse repeats.
 */
export type Protocol =
  | { kind: 'folds' }
  | { kind: 'given' }
  | { kind: 'kfold'; k: number }
  | { kind: 'leavekout'; k: number }
  | { kind: 'holdout' | 'seedtable'; fraction: number; repeats: number }
  | { kind: 'temporal'; fraction: number }
  | { kind: 'rank'; order: RankOrder; amount: number; repeats: number };

export const PROTOCOL_SYNTAX =
  'folds | kfold:K | holdout:F | seedtable:F | leavekout:K | temporal:F | given | rank:recent:N | rank:random:N (F a fraction in (0, 1); N a whole number or a fraction)';

export function parseProtocol(text: string, repeats = 1): Protocol {
  const protocol = parseProtocolText(text, repeats);
  if (repeats > 1 && !('repeats' in protocol)) {
    const hint = protocol.kind === 'kfold' ? ' (kfold:K sets the number of folds)' : '';
    throw new Error(
      `--folds ${repeats} does not apply to protocol ${formatProtocol(protocol)}${hint}; only holdout:F, seedtable:F and rank:random:N draw several splits`,
    );
  }
  return protocol;
}

function parseProtocolText(text: string, repeats: number): Protocol {
  const [kind, arg, extra, more] = text.split(':');
  const fail = (why: string): never => {
    throw new Error(`protocol "${text}": ${why}; expected ${PROTOCOL_SYNTAX}`);
  };
  if (more !== undefined || (kind !== 'rank' && extra !== undefined)) fail('too many ":"');
  if (!Number.isInteger(repeats) || repeats < 1) fail(`--folds must be a whole number ≥ 1, got ${repeats}`);
  const count = (): number => {
    const k = Number(arg);
    if (arg === undefined || !Number.isInteger(k) || k < 1) fail('needs a whole number ≥ 1 after ":"');
    return k;
  };
  const fraction = (): number => {
    const f = Number(arg);
    if (arg === undefined || !(f > 0 && f < 1)) fail('needs a fraction between 0 and 1 after ":"');
    return f;
  };
  switch (kind) {
    case 'folds':
    case 'given':
      if (arg !== undefined) fail('takes no argument');
      return { kind };
    case 'kfold': {
      const k = count();
      if (k < 2) fail('kfold needs at least 2 folds');
      return { kind, k };
    }
    case 'leavekout':
      return { kind, k: count() };
    case 'holdout':
    case 'seedtable':
      return { kind, fraction: fraction(), repeats };
    case 'temporal':
      return { kind, fraction: fraction() };
    case 'rank': {
      if (arg !== 'recent' && arg !== 'random') fail('rank needs recent or random after ":"');
      const amount = Number(extra);
      if (extra === undefined || !(Number.isInteger(amount) ? amount >= 1 : amount > 0 && amount < 1)) {
        fail('rank needs a whole number ≥ 1 or a fraction in (0, 1) of positives after the order');
      }
      if (arg === 'recent' && repeats > 1) {
        fail(
          `--folds ${repeats} does not apply: the most recent positives make one split (rank:random:N draws several)`,
        );
      }
      return { kind, order: arg as RankOrder, amount, repeats };
    }
    default:
      return fail(`unknown protocol "${kind}"`);
  }
}

export function formatProtocol(protocol: Protocol): string {
  switch (protocol.kind) {
    case 'folds':
    case 'given':
      return protocol.kind;
    case 'kfold':
    case 'leavekout':
      return `${protocol.kind}:${protocol.k}`;
    case 'temporal':
      return `temporal:${protocol.fraction}`;
    case 'rank':
      return `rank:${protocol.order}:${protocol.amount}`;
    default:
      return `${protocol.kind}:${protocol.fraction}`;
  }
}

/** The train/test folds a protocol makes of a data set (and, for `given`, of its test file or `data.test`). */
export function protocolFolds(protocol: Protocol, data: Dataset, seed: number, test?: Dataset): Fold[] {
  switch (protocol.kind) {
    case 'folds':
      if (!data.folds?.length) {
        throw new Error(`${data.source} has no official folds; use --protocol kfold:5 or holdout:0.2`);
      }
      return data.folds;
    case 'given': {
      const given = test ?? data.test;
      if (!given) throw new Error('protocol given needs a test file (--test <file>)');
      return [{ name: 'given', train: data.ratings, test: given.ratings }];
    }
    case 'kfold':
      return kfold(data.ratings, protocol.k, seed);
    case 'leavekout':
      return [leaveKOut(data.ratings, protocol.k, seed)];
    case 'temporal':
      return [temporal(data.ratings, protocol.fraction)];
    case 'rank':
      return Array.from({ length: protocol.repeats }, (_, r) =>
        rankSplit(data.ratings, { order: protocol.order, amount: protocol.amount, seed: seed + r }),
      );
    default:
      return Array.from({ length: protocol.repeats }, (_, r) =>
        holdout(data.ratings, protocol.fraction, seed + r),
      );
  }
}
