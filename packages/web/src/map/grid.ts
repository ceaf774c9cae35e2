// A uniform grid over the data coordinates, to find the point under the cursor without scanning all
// 7,000 points on every pointer move: only the cells within the search radius are visited.

import type { Bounds } from './view';

export interface GridIndex {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  bounds: Bounds;
  columns: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
  /** Points of cell c are items[starts[c]] … items[starts[c + 1] − 1] (compressed rows: two flat arrays). */
  starts: Int32Array;
  items: Int32Array;
}

/** Builds the index with about `perCell` points per cell on average. */
export function buildGrid(xs: ArrayLike<number>, ys: ArrayLike<number>, bounds: Bounds, perCell = 4) {
  const n = xs.length;
  const side = Math.max(1, Math.ceil(Math.sqrt(n / perCell)));
  const width = Math.max(bounds.maxX - bounds.minX, 1e-9);
  const height = Math.max(bounds.maxY - bounds.minY, 1e-9);
  // Cells roughly square in data units, whatever the aspect of the cloud.
  const aspect = width / height;
  const columns = Math.max(1, Math.round(side * Math.sqrt(aspect)));
  const rows = Math.max(1, Math.round(side / Math.sqrt(aspect)));
  const grid: GridIndex = {
    xs,
    ys,
    bounds,
    columns,
    rows,
    cellWidth: width / columns,
    cellHeight: height / rows,
    starts: new Int32Array(columns * rows + 1),
    items: new Int32Array(n),
  };
  const cells = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    cells[i] = cellOf(grid, xs[i], ys[i]);
    grid.starts[cells[i] + 1]++;
  }
  for (let c = 0; c < columns * rows; c++) grid.starts[c + 1] += grid.starts[c];
  const next = grid.starts.slice(0, columns * rows);
  for (let i = 0; i < n; i++) grid.items[next[cells[i]]++] = i;
  return grid;
}

function column(grid: GridIndex, x: number): number {
  const c = Math.floor((x - grid.bounds.minX) / grid.cellWidth);
  return Math.min(Math.max(c, 0), grid.columns - 1);
}

function row(grid: GridIndex, y: number): number {
  const r = Math.floor((y - grid.bounds.minY) / grid.cellHeight);
  return Math.min(Math.max(r, 0), grid.rows - 1);
}

function cellOf(grid: GridIndex, x: number, y: number): number {
  return row(grid, y) * grid.columns + column(grid, x);
}

/**
 * The index of the point nearest to (x, y) within `radius` (data units), or −1. `accept` can leave points
 * out (the dimmed ones while a genre is highlighted).
 */
export function nearest(
  grid: GridIndex,
  x: number,
  y: number,
  radius: number,
  accept?: (index: number) => boolean,
): number {
  const { xs, ys, starts, items } = grid;
  if (items.length === 0) return -1;
  const c0 = column(grid, x - radius);
  const c1 = column(grid, x + radius);
  const r0 = row(grid, y - radius);
  const r1 = row(grid, y + radius);
  let best = -1;
  let bestDistance = radius * radius;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const cell = r * grid.columns + c;
      for (let k = starts[cell]; k < starts[cell + 1]; k++) {
        const i = items[k];
        const dx = xs[i] - x;
        const dy = ys[i] - y;
        const distance = dx * dx + dy * dy;
        if (distance <= bestDistance && (!accept || accept(i))) {
          best = i;
          bestDistance = distance;
        }
      }
    }
  }
  return best;
}
