// Painting the map on a 2-D canvas. Thousands of points stay well under a frame because each colour is
// one path (a rect or an arc per point) filled once, and points outside the canvas are skipped.

import type { ColourGroup } from './legend';
import { toScreenX, toScreenY, type View } from './view';

export interface Scene {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  groups: ColourGroup[];
  /** The works of the highlighted genre, drawn on top in its colour while the others are dimmed. */
  highlight: { colour: string; indices: Int32Array } | null;
  /** The point under the cursor or selected with the keyboard, −1 for none. */
  active: number;
  you: { x: number; y: number } | null;
  /** The work found with the search, ringed and named; −1 for none. */
  located: number;
  locatedTitle: string;
  /** Region names at their centres (the clusters of the layout), largest region first. */
  labels: { x: number; y: number; text: string }[];
  /** A cross at the centre, for keyboard users: Enter opens the point nearest to it. */
  reticle: boolean;
  /** Point radius in CSS pixels. */
  radius: number;
  colours: { background: string; text: string; accent: string; focus: string };
}

/** Draws the scene on a context already scaled to CSS pixels; returns how many points were painted. */
export function drawMap(
  ctx: CanvasRenderingContext2D,
  view: View,
  width: number,
  height: number,
  scene: Scene,
) {
  const { xs, ys, radius: r, colours } = scene;
  ctx.globalAlpha = 1;
  ctx.fillStyle = colours.background;
  ctx.fillRect(0, 0, width, height);

  let drawn = 0;
  // Small points as squares (cheaper, and the same at that size), larger ones as discs.
  const addPoints = (indices: Int32Array, radius: number, count: boolean) => {
    const square = radius < 2.5;
    ctx.beginPath();
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const sx = toScreenX(view, xs[i]);
      const sy = toScreenY(view, ys[i]);
      if (sx < -radius || sy < -radius || sx > width + radius || sy > height + radius) continue;
      if (square) ctx.rect(sx - radius, sy - radius, 2 * radius, 2 * radius);
      else {
        ctx.moveTo(sx + radius, sy);
        ctx.arc(sx, sy, radius, 0, 2 * Math.PI);
      }
      if (count) drawn++;
    }
    ctx.fill();
  };

  ctx.globalAlpha = scene.highlight ? 0.22 : 0.85;
  for (const group of scene.groups) {
    ctx.fillStyle = group.colour;
    addPoints(group.indices, r, true);
  }
  if (scene.highlight) {
    ctx.globalAlpha = 1;
    ctx.fillStyle = scene.highlight.colour;
    addPoints(scene.highlight.indices, r + 0.5, false);
  }
  ctx.globalAlpha = 1;

  drawLabels(ctx, view, width, height, scene.labels, colours);
  if (scene.located >= 0) {
    const sx = toScreenX(view, xs[scene.located]);
    const sy = toScreenY(view, ys[scene.located]);
    ring(ctx, sx, sy, r + 9, 3, colours.focus, colours.background);
    haloText(
      ctx,
      scene.locatedTitle,
      sx + r + 14,
      sy,
      '700 14px system-ui, sans-serif',
      colours.focus,
      colours,
    );
  }
  if (scene.you) drawYou(ctx, toScreenX(view, scene.you.x), toScreenY(view, scene.you.y), colours);
  if (scene.active >= 0) {
    const sx = toScreenX(view, xs[scene.active]);
    const sy = toScreenY(view, ys[scene.active]);
    ring(ctx, sx, sy, r + 5, 2, colours.text, colours.background);
  }
  if (scene.reticle) {
    ctx.strokeStyle = colours.focus;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    const cx = width / 2;
    const cy = height / 2;
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ]) {
      ctx.moveTo(cx + dx * 6, cy + dy * 6);
      ctx.lineTo(cx + dx * 14, cy + dy * 14);
    }
    ctx.stroke();
  }
  return drawn;
}

/**
 * The regions' names, at a fixed size whatever the zoom (readable when zoomed out, out of the way of the
 * points when zoomed in); a label that would overlap one drawn before it (a larger region) is left out.
 */
function drawLabels(
  ctx: CanvasRenderingContext2D,
  view: View,
  width: number,
  height: number,
  labels: Scene['labels'],
  colours: Scene['colours'],
) {
  const font = '600 13px system-ui, sans-serif';
  ctx.font = font;
  const taken: { x0: number; y0: number; x1: number; y1: number }[] = [];
  for (const label of labels) {
    const w = ctx.measureText(label.text).width;
    const cx = toScreenX(view, label.x);
    const cy = toScreenY(view, label.y);
    const box = { x0: cx - w / 2 - 4, y0: cy - 10, x1: cx + w / 2 + 4, y1: cy + 10 };
    if (box.x1 < 0 || box.y1 < 0 || box.x0 > width || box.y0 > height) continue;
    if (taken.some((t) => box.x0 < t.x1 && t.x0 < box.x1 && box.y0 < t.y1 && t.y0 < box.y1)) continue;
    taken.push(box);
    haloText(ctx, label.text, cx - w / 2, cy, font, colours.text, colours);
  }
}

/** Text with an outline of the background's colour, readable over points of any colour. */
function haloText(
  ctx: CanvasRenderingContext2D,
  text: string,
  x: number,
  y: number,
  font: string,
  colour: string,
  colours: Scene['colours'],
) {
  ctx.font = font;
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 4;
  ctx.strokeStyle = colours.background;
  ctx.strokeText(text, x, y);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
}

/** A ring with a dark outline, visible over points of any colour. */
function ring(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  radius: number,
  width: number,
  colour: string,
  outline: string,
) {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.lineWidth = width + 3;
  ctx.strokeStyle = outline;
  ctx.stroke();
  ctx.lineWidth = width;
  ctx.strokeStyle = colour;
  ctx.stroke();
}

/** "You are here": a double ring, a dot and a label, unlike any work's point. */
function drawYou(ctx: CanvasRenderingContext2D, x: number, y: number, colours: Scene['colours']) {
  ring(ctx, x, y, 11, 3, colours.accent, colours.background);
  ring(ctx, x, y, 5, 2, colours.text, colours.background);
  haloText(ctx, 'You', x + 16, y, '700 14px system-ui, sans-serif', colours.text, colours);
}
