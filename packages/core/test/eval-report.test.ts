import { describe, expect, it } from 'vitest';
import { escapeXml, learningCurveSeries, learningCurvesSvg, meanCurve, niceTicks } from '../src/eval/plot.js';
import { comparisonTable, type ModelEvaluation } from '../src/eval/report.js';

function evaluation(
  model: string,
  folds: Record<string, number>[],
  params: ModelEvaluation['params'] = {},
  curves?: number[][],
): ModelEvaluation {
  return { data: 'ml-100k', model, params, protocol: 'kfold:2', folds, mean: {}, curves };
}

// Two folds: mean (a + b)/2, sd = |a − b|/√2, so ci95 = 1.96 · sd/√2 = 0.98 · |a − b|.
//   als  rmse 0.90, 0.92 → 0.9100 ± 0.0196   mae 0.70, 0.72 → 0.7100 ± 0.0196
//        auc  0.80, 0.84 → 0.8200 ± 0.0392   fitSeconds 1.5, 2.5 → 2.00 ± 0.980
//   sgd  rmse 0.95, 0.97 → 0.9600 ± 0.0196   mae 0.69, 0.69 → 0.6900 ± 0.0000
//        auc  0.85, 0.85 → 0.8500 ± 0.0000   fitSeconds 0.5, 0.7 → 0.600 ± 0.196
// Best: rmse als (lower), mae sgd (lower), auc sgd (higher), fitSeconds sgd (lower).
const als = evaluation(
  'als',
  [
    { fitSeconds: 1.5, mae: 0.7, auc: 0.8, rmse: 0.9, epochs: 10 },
    { fitSeconds: 2.5, mae: 0.72, auc: 0.84, rmse: 0.92, epochs: 10 },
  ],
  { rank: 20, lambda: 0.1 },
);
const sgd = evaluation(
  'sgd',
  [
    { fitSeconds: 0.5, mae: 0.69, auc: 0.85, rmse: 0.95, epochs: 30, epochSeconds: 0.02 },
    { fitSeconds: 0.7, mae: 0.69, auc: 0.85, rmse: 0.97, epochs: 30, epochSeconds: 0.03 },
  ],
  { rank: 20, biased: true },
);

/** The cells of the Markdown table's rows (header first, the rule skipped). */
function markdownRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** A small RFC 4180 reader, to check that the CSV reads back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

describe('comparisonTable', () => {
  it('writes mean ± ci95 cells, orders the columns and bolds the best of each', () => {
    const { markdown } = comparisonTable([als, sgd]);
    const lines = markdown.split('\n');
    expect(lines[0]).toContain('ml-100k');
    expect(lines[0]).toContain('kfold:2');
    expect(lines[0]).toContain('2 folds');
    const rows = markdownRows(markdown);
    // epochSeconds is only in sgd's folds, so not a default column; epochs is, after the times.
    expect(rows[0]).toEqual(['model', 'params', 'RMSE', 'MAE', 'AUC', 'fit (s)', 'epochs']);
    expect(rows[1]).toEqual([
      'als',
      'rank=20, lambda=0.1',
      '**0.9100 ± 0.0196**',
      '0.7100 ± 0.0196',
      '0.8200 ± 0.0392',
      '2.00 ± 0.980',
      '10 ± 0',
    ]);
    expect(rows[2]).toEqual([
      'sgd',
      'rank=20, biased=true',
      '0.9600 ± 0.0196',
      '**0.6900 ± 0.0000**',
      '**0.8500 ± 0.0000**',
      '**0.600 ± 0.196**',
      '30 ± 0',
    ]);
  });

  it('shows "–" for a metric a model lacks or has only as NaN, and the mean alone for one fold', () => {
    const single = evaluation('baseline', [
      { rmse: 1.0123456, rmseColdStart: Number.NaN, fitSeconds: 0.0123 },
    ]);
    const { markdown, csv, json } = comparisonTable([single, als], ['rmse', 'rmseColdStart', 'epochSeconds']);
    const rows = markdownRows(markdown);
    expect(rows[0]).toEqual(['model', 'params', 'RMSE', 'RMSE (cold-start)', 'epoch (s)']);
    expect(rows[1]).toEqual(['baseline', '', '1.0123', '–', '–']);
    expect(rows[2]).toEqual(['als', 'rank=20, lambda=0.1', '**0.9100 ± 0.0196**', '–', '–']);
    expect(markdown.split('\n')[0]).toContain('1–2 folds');
    const csvRows = parseCsv(csv);
    expect(csvRows[1]).toEqual(['baseline', '{}', '1.0123456', '', '', '', '', '']);
    expect(json.models[0].summary.rmseColdStart).toEqual({ mean: null, sd: null, ci95: null, n: 0 });
    expect(json.folds).toBe(2);
  });

  it('bolds the fastest whole fit, never an epoch time that may hide a blend’s other fits', () => {
    // The blend's epochs are its parts' final fits; its fit also ran the parts on a hold-out for its gate.
    const blend = evaluation('balse', [
      { rmse: 0.9, fitSeconds: 9, epochSeconds: 0.01 },
      { rmse: 0.9, fitSeconds: 9, epochSeconds: 0.01 },
    ]);
    const rows = markdownRows(comparisonTable([sgd, blend], ['fitSeconds', 'epochSeconds']).markdown);
    expect(rows[1].slice(2)).toEqual(['**0.600 ± 0.196**', '0.0250 ± 0.00980']);
    expect(rows[2].slice(2)).toEqual(['9.00 ± 0', '0.0100 ± 0']);
  });

  it('says over how many folds a cell was averaged when some folds had no value', () => {
    // cold-start RMSE 1.2 and 1.3 in two of three folds: 1.2500 ± 0.98 · 0.1 = 0.0980
    const partial = evaluation('knn', [
      { rmse: 0.9, rmseColdStart: 1.2 },
      { rmse: 0.9, rmseColdStart: Number.NaN },
      { rmse: 0.9, rmseColdStart: 1.3 },
    ]);
    const rows = markdownRows(comparisonTable([partial]).markdown);
    expect(rows[1]).toEqual(['knn', '0.9000 ± 0.0000', '1.2500 ± 0.0980 (n=2)']);
  });

  it('writes a CSV at full precision that quotes commas and quotes', () => {
    const odd = evaluation('svd, "biased"', [{ rmse: 0.9 }, { rmse: 0.93 }], { note: 'a, "b"', k: 3 });
    const { csv } = comparisonTable([odd, als], ['rmse', 'mae']);
    expect(csv.split('\n')[0]).toBe('model,params,rmse_mean,rmse_ci95,mae_mean,mae_ci95');
    expect(csv).toContain('"svd, ""biased"""');
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.length === 6)).toBe(true);
    expect(rows[1][0]).toBe('svd, "biased"');
    expect(JSON.parse(rows[1][1])).toEqual({ note: 'a, "b"', k: 3 });
    expect(Number(rows[1][2])).toBe((0.9 + 0.93) / 2);
    expect(Number(rows[1][3])).toBeCloseTo(0.98 * 0.03, 12);
    expect(rows[1][4]).toBe('');
    expect(Number(rows[2][2])).toBe((0.9 + 0.92) / 2);
  });

  it('keeps odd model names from breaking the Markdown table', () => {
    const odd = evaluation('a|b*c', [{ rmse: 1 }]);
    const { markdown } = comparisonTable([odd]);
    expect(markdown).toContain('a\\|b\\*c');
    const rows = markdownRows(markdown);
    expect(rows[1]).toHaveLength(2);
    // A lone model has nothing to beat: no bold.
    expect(rows[1][1]).toBe('1.0000');
  });

  it('gives JSON summaries per model, NaN as null', () => {
    const { json } = comparisonTable([als, sgd]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json).toMatchObject({ data: 'ml-100k', protocol: 'kfold:2', folds: 2 });
    expect(json.models.map((m) => m.model)).toEqual(['als', 'sgd']);
    expect(json.models[1].params).toEqual({ rank: 20, biased: true });
    expect(Object.keys(json.models[0].summary)).toEqual(['rmse', 'mae', 'auc', 'fitSeconds', 'epochs']);
    const rmse = json.models[0].summary.rmse;
    expect(rmse.n).toBe(2);
    expect(rmse.mean).toBeCloseTo(0.91, 12);
    expect(rmse.sd).toBeCloseTo(0.02 / Math.SQRT2, 12);
    expect(rmse.ci95).toBeCloseTo(0.0196, 12);
    const one = comparisonTable([evaluation('x', [{ rmse: 1 }])]).json.models[0].summary.rmse;
    expect(one).toEqual({ mean: 1, sd: null, ci95: null, n: 1 });
  });

  it('copes with no results', () => {
    const { markdown, csv, json } = comparisonTable([]);
    expect(markdown).toContain('No results');
    expect(csv).toBe('model,params\n');
    expect(json).toEqual({ data: '', protocol: '', folds: 0, models: [] });
  });
});

/** Checks that tags balance and attributes are quoted: a tiny well-formedness test. */
function checkWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let consumed = 0;
  for (const match of svg.matchAll(tag)) {
    const between = svg.slice(consumed, match.index);
    expect(between).not.toMatch(/[<>]/);
    expect(between).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    consumed = match.index! + match[0].length;
    const [, closing, name, , selfClosing] = match;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(svg.slice(consumed).trim()).toBe('');
  expect(stack).toEqual([]);
}

function polylinePoints(svg: string): number[] {
  return [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1].split(' ').length);
}

describe('learningCurvesSvg', () => {
  it('draws one polyline per series with a point per epoch, a legend and a title', () => {
    const svg = learningCurvesSvg(
      [
        { name: 'als', values: [1.2, 1.0, 0.95, 0.93] },
        { name: 'sgd <fast> & "biased"', values: [1.1, 0.99, 0.96, 0.94, 0.935, 0.93] },
      ],
      { title: 'ml-100k: A & B', yLabel: 'RMSE' },
    );
    checkWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(polylinePoints(svg)).toEqual([4, 6]);
    expect(svg).toContain('>als</text>');
    expect(svg).toContain('>sgd &lt;fast&gt; &amp; &quot;biased&quot;</text>');
    expect(svg).toContain('ml-100k: A &amp; B');
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/@import|url\(|href=/);
    // Two distinct colours.
    const strokes = [...svg.matchAll(/<g class="series"[^>]*stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(strokes).size).toBe(2);
    // The y range covers the data: every plotted y lies within the frame.
    const frame = svg.match(
      /<rect class="frame" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/,
    )!;
    const [top, height] = [Number(frame[2]), Number(frame[4])];
    for (const m of svg.matchAll(/<polyline points="([^"]*)"/g)) {
      for (const point of m[1].split(' ')) {
        const py = Number(point.split(',')[1]);
        expect(py).toBeGreaterThan(top);
        expect(py).toBeLessThan(top + height);
      }
    }
  });

  it('breaks lines at NaN, draws a dot for an isolated point and a lone value', () => {
    const svg = learningCurvesSvg([
      { name: 'gappy', values: [1, 0.9, Number.NaN, 0.8, 0.7, 0.65, Number.NaN, 0.6] },
      { name: 'single', values: [0.75] },
    ]);
    checkWellFormed(svg);
    expect(polylinePoints(svg)).toEqual([2, 3]);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('>single</text>');
    const alone = learningCurvesSvg([{ name: 'one', values: [0.9] }]);
    checkWellFormed(alone);
    expect(alone.match(/<circle /g)).toHaveLength(1);
  });

  it('says "no data" for nothing to draw', () => {
    for (const series of [[], [{ name: 'x', values: [] }], [{ name: 'y', values: [Number.NaN] }]]) {
      const svg = learningCurvesSvg(series, { title: '<empty>' });
      checkWellFormed(svg);
      expect(svg).toContain('no data');
      expect(svg).toContain('&lt;empty&gt;');
      expect(svg).not.toContain('<polyline');
    }
  });

  it('tells many series apart and keeps long names within the legend', () => {
    const series = Array.from({ length: 9 }, (_, s) => ({
      name: `model number ${s} with a very long descriptive name indeed`,
      values: [1 + s / 10, 0.9 + s / 10],
    }));
    const svg = learningCurvesSvg(series, { width: 600 });
    checkWellFormed(svg);
    const styles = [
      ...svg.matchAll(/<g class="series"[^>]*stroke="([^"]+)"[^>]*?(stroke-dasharray="([^"]+)")?>/g),
    ].map((m) => `${m[1]} ${m[3] ?? ''}`);
    expect(new Set(styles).size).toBe(9);
    expect(svg).toContain('…</text>');
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and covers the range', () => {
    expect(niceTicks(0.8, 1.2)).toMatchObject({ step: 0.1, ticks: [0.8, 0.9, 1, 1.1, 1.2] });
    expect(niceTicks(0, 100)).toMatchObject({ step: 20, ticks: [0, 20, 40, 60, 80, 100] });
    expect(niceTicks(0.87, 0.93)).toMatchObject({ step: 0.02, ticks: [0.86, 0.88, 0.9, 0.92, 0.94] });
    expect(niceTicks(3, 47)).toMatchObject({ step: 10, min: 0, max: 50 });
    expect(niceTicks(-0.3, 0.7, 4)).toMatchObject({ step: 0.5, ticks: [-0.5, 0, 0.5, 1] });
    expect(niceTicks(1234, 1239).step).toBe(1);
    for (const [lo, hi] of [
      [0.8123, 1.3456],
      [0.001, 0.0047],
      [12, 13000],
    ]) {
      const { ticks, step, min, max } = niceTicks(lo, hi);
      expect(min).toBeLessThanOrEqual(lo);
      expect(max).toBeGreaterThanOrEqual(hi);
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5]).toContainEqual(Number(mantissa.toPrecision(6)));
      expect(ticks.length).toBeLessThanOrEqual(7);
    }
  });

  it('widens an empty range around its value', () => {
    const { min, max, ticks } = niceTicks(0.9, 0.9);
    expect(min).toBeLessThan(0.9);
    expect(max).toBeGreaterThan(0.9);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(niceTicks(0, 0).ticks).toContain(0);
  });
});

describe('meanCurve and learningCurveSeries', () => {
  it('averages the epochs every fold has', () => {
    expect(
      meanCurve([
        [1, 0.9, 0.8],
        [1.2, 1.1],
      ]),
    ).toEqual([1.1, 1]);
    expect(meanCurve([])).toEqual([]);
    expect(meanCurve([[], []])).toEqual([]);
    expect(
      meanCurve([
        [2, Number.NaN],
        [4, Number.NaN],
      ]),
    ).toEqual([3, Number.NaN]);
  });

  it('takes the mean curve of each model with epochs', () => {
    const series = learningCurveSeries([
      evaluation('sgd', [], { rank: 10 }, [
        [1, 0.8],
        [1, 0.9],
      ]),
      evaluation('sgd', [], { rank: 20 }, [[0.95], [0.85]]),
      evaluation('baseline', [], {}, [[], []]),
    ]);
    expect(series.map((s) => s.name)).toEqual(['sgd (rank=10)', 'sgd (rank=20)']);
    expect(series[0].values[1]).toBeCloseTo(0.85, 12);
  });
});

describe('escapeXml', () => {
  it('escapes the special characters and drops forbidden controls', () => {
    expect(escapeXml(`<a & 'b' "c">\u0001`)).toBe('&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;');
  });
});
