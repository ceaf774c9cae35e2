// The geometry of the learning-curve chart, computed apart from the template so the SVG is plain markup:
// SVG coordinates for the curve, its ticks and an optional reference line (the model's own held-out RMSE
// when the curve follows one of its parts).
import { epochTicks, linear, valueAxis } from './scale';

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Room for the title and legend above, the value labels on the left and the epoch labels below. */
export const FRAME: Frame = { width: 640, height: 320, left: 64, right: 620, top: 56, bottom: 264 };

export interface Point {
  x: number;
  y: number;
  epoch: number;
  value: number;
}

export interface Tick {
  at: number;
  label: string;
}

export interface ChartLayout {
  frame: Frame;
  points: Point[];
  /** The polyline's `points` attribute. */
  line: string;
  xTicks: Tick[];
  yTicks: Tick[];
  reference: { y: number; label: string } | null;
}

/** Lays out `values` (one per epoch, epoch 1 first) and the `reference` value, if any, in `frame`. */
export function curveLayout(
  values: readonly number[],
  reference: number | undefined,
  frame: Frame = FRAME,
): ChartLayout {
  const all = reference === undefined ? [...values] : [...values, reference];
  const axis = valueAxis(Math.min(...all), Math.max(...all));
  const n = values.length;
  // One epoch has no span: the point is centred rather than pinned to the left edge.
  const x = linear(n > 1 ? [1, n] : [0, 2], [frame.left, frame.right]);
  const y = linear(axis.domain, [frame.bottom, frame.top]);
  const points = values.map((value, i) => ({ x: x(i + 1), y: y(value), epoch: i + 1, value }));
  return {
    frame,
    points,
    line: points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '),
    xTicks: epochTicks(n).map((epoch) => ({ at: x(epoch), label: String(epoch) })),
    yTicks: axis.ticks.map((value) => ({ at: y(value), label: value.toFixed(axis.decimals) })),
    reference: reference === undefined ? null : { y: y(reference), label: reference.toFixed(3) },
  };
}
