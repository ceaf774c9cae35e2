// The view of the map: how data coordinates (the PCA plane) become CSS pixels on the canvas. Kept as plain
// numbers, outside Vue's reactivity, because it changes on every pointer move while panning.

/** Screen = (x · scale + ox, −y · scale + oy): y points up, as on a chart. */
export interface View {
  scale: number;
  ox: number;
  oy: number;
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Zoom limits, relative to the scale that fits every point on the canvas. */
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 400;

/** The box around the points (a unit box when there are none, so that a view always exists). */
export function boundsOf(xs: ArrayLike<number>, ys: ArrayLike<number>): Bounds {
  if (xs.length === 0) return { minX: -1, minY: -1, maxX: 1, maxY: 1 };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < minX) minX = xs[i];
    if (xs[i] > maxX) maxX = xs[i];
    if (ys[i] < minY) minY = ys[i];
    if (ys[i] > maxY) maxY = ys[i];
  }
  return { minX, minY, maxX, maxY };
}

/** The view that shows the whole box centred in a width × height canvas, `padding` pixels from the edges. */
export function fitView(bounds: Bounds, width: number, height: number, padding = 16): View {
  const w = Math.max(bounds.maxX - bounds.minX, 1e-9);
  const h = Math.max(bounds.maxY - bounds.minY, 1e-9);
  const scale = Math.max(Math.min((width - 2 * padding) / w, (height - 2 * padding) / h), 1e-6);
  return centreOn(scale, (bounds.minX + bounds.maxX) / 2, (bounds.minY + bounds.maxY) / 2, width, height);
}

/** The view at `scale` with the data point (x, y) at the centre of the canvas. */
export function centreOn(scale: number, x: number, y: number, width: number, height: number): View {
  return { scale, ox: width / 2 - x * scale, oy: height / 2 + y * scale };
}

export function toScreenX(view: View, x: number): number {
  return x * view.scale + view.ox;
}

export function toScreenY(view: View, y: number): number {
  return -y * view.scale + view.oy;
}

export function toWorld(view: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - view.ox) / view.scale, y: (view.oy - sy) / view.scale };
}

/** Moves the map by (dx, dy) pixels: what a drag does. */
export function panBy(view: View, dx: number, dy: number): View {
  return { scale: view.scale, ox: view.ox + dx, oy: view.oy + dy };
}

/**
 * Zooms by `factor` keeping the data point under the screen point (sx, sy) where it is, so that the map
 * grows around the cursor (or the pinch), within [MIN_ZOOM, MAX_ZOOM] × `fitScale`.
 */
export function zoomAt(view: View, factor: number, sx: number, sy: number, fitScale: number): View {
  const scale = Math.min(Math.max(view.scale * factor, fitScale * MIN_ZOOM), fitScale * MAX_ZOOM);
  const { x, y } = toWorld(view, sx, sy);
  return { scale, ox: sx - x * scale, oy: sy + y * scale };
}

/** The same view for a canvas whose size changed: what was at the centre stays at the centre. */
export function resizeView(view: View, oldWidth: number, oldHeight: number, width: number, height: number) {
  return { scale: view.scale, ox: view.ox + (width - oldWidth) / 2, oy: view.oy + (height - oldHeight) / 2 };
}
