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
  ctx.font = '700 14px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 4;
  ctx.strokeStyle = colours.background;
  ctx.strokeText('You', x + 16, y);
  ctx.fillStyle = colours.text;
  ctx.fillText('You', x + 16, y);
}
