import { describe, expect, it } from 'vitest';
import type { Ref } from 'vue';
import { usePanZoom } from '../src/map/pan-zoom.js';
import { toScreenX, toScreenY, toWorld } from '../src/map/view.js';

// The map's pan and zoom without a browser: a canvas at the page's origin, pointer events as plain objects.
const BOUNDS = { minX: -1, minY: -1, maxX: 1, maxY: 1 };

function setUp() {
  const taps: { x: number; y: number; touch: boolean }[] = [];
  let changes = 0;
  let drags = 0;
  const element = { getBoundingClientRect: () => ({ left: 0, top: 0 }), setPointerCapture: () => {} };
  const canvas = { value: element } as unknown as Ref<HTMLCanvasElement | undefined>;
  const panZoom = usePanZoom(canvas, () => BOUNDS, {
    changed: () => changes++,
    hover: () => {},
    tap: (x, y, touch) => taps.push({ x, y, touch }),
    dragged: () => drags++,
  });
  panZoom.resize(400, 200, true);
  return { panZoom, taps, changes: () => changes, drags: () => drags };
}

const pointer = (id: number, x: number, y: number, type = 'touch') =>
  ({ pointerId: id, clientX: x, clientY: y, pointerType: type, button: 0 }) as PointerEvent;
const key = (name: string, shiftKey = false) => ({ key: name, shiftKey }) as KeyboardEvent;

describe('the map’s pan and zoom', () => {
  it('fits the map on the canvas once its size is known', () => {
    const { panZoom, changes } = setUp();
    const { view } = panZoom.state;
    // The box's centre is at the canvas's centre, the box as tall as the canvas less the padding.
    expect(toScreenX(view, 0)).toBeCloseTo(200);
    expect(toScreenY(view, 0)).toBeCloseTo(100);
    expect(view.scale).toBeCloseTo((200 - 32) / 2);
    expect(panZoom.state.fitScale).toBe(view.scale);
    expect(changes()).toBe(1);
  });

  it('drags the map with one pointer, and takes a press that barely moves for a tap', () => {
    const { panZoom, taps, drags } = setUp();
    const before = panZoom.state.view;
    panZoom.pointerDown(pointer(1, 100, 100));
    panZoom.pointerMove(pointer(1, 102, 101));
    panZoom.pointerUp(pointer(1, 102, 101));
    expect(taps).toEqual([{ x: 102, y: 101, touch: true }]);
    expect(panZoom.state.view).toEqual(before);
    panZoom.pointerDown(pointer(2, 100, 100, 'mouse'));
    panZoom.pointerMove(pointer(2, 130, 80, 'mouse'));
    panZoom.pointerUp(pointer(2, 130, 80, 'mouse'));
    expect(taps).toHaveLength(1);
    expect(drags()).toBe(1);
    expect(panZoom.state.view.ox).toBeCloseTo(before.ox + 30);
    expect(panZoom.state.view.oy).toBeCloseTo(before.oy - 20);
    expect(panZoom.state.moved).toBe(true);
  });

  it('zooms around the middle of a pinch', () => {
    const { panZoom } = setUp();
    const { view } = panZoom.state;
    panZoom.pointerDown(pointer(1, 150, 100));
    panZoom.pointerDown(pointer(2, 250, 100));
    panZoom.pointerMove(pointer(2, 350, 100));
    // The fingers moved apart twice as far: twice the scale, the point between them stays under them.
    expect(panZoom.state.view.scale).toBeCloseTo(view.scale * 2);
    // What was between the fingers (x 200) is between them again (x 250: the middle moved too).
    const middle = toWorld(view, 200, 100);
    expect(toScreenX(panZoom.state.view, middle.x)).toBeCloseTo(250);
    expect(toScreenY(panZoom.state.view, middle.y)).toBeCloseTo(100);
  });

  it('pans with the arrows, zooms with + and −, fits again with 0, and leaves other keys alone', () => {
    const { panZoom } = setUp();
    const fitted = panZoom.state.view;
    expect(panZoom.key(key('ArrowLeft'))).toBe(true);
    expect(panZoom.state.view.ox).toBeCloseTo(fitted.ox + 400 * 0.12);
    expect(panZoom.key(key('ArrowUp', true))).toBe(true);
    expect(panZoom.state.view.oy).toBeCloseTo(fitted.oy + 200 * 0.4);
    expect(panZoom.key(key('+'))).toBe(true);
    expect(panZoom.state.view.scale).toBeCloseTo(fitted.scale * 1.5);
    expect(panZoom.key(key('-'))).toBe(true);
    expect(panZoom.state.view.scale).toBeCloseTo(fitted.scale);
    expect(panZoom.key(key('a'))).toBe(false);
    expect(panZoom.key(key('0'))).toBe(true);
    expect(panZoom.state.view).toEqual(fitted);
    expect(panZoom.state.moved).toBe(false);
  });

  it('keeps fitting the canvas until the visitor moves the map, then keeps its centre on a resize', () => {
    const { panZoom } = setUp();
    panZoom.resize(800, 400, true);
    expect(panZoom.state.view.scale).toBeCloseTo((400 - 32) / 2);
    panZoom.zoomBy(2);
    const centre = { x: toScreenX(panZoom.state.view, 0), y: toScreenY(panZoom.state.view, 0) };
    panZoom.resize(600, 400, true);
    expect(panZoom.state.view.scale).toBeCloseTo(((400 - 32) / 2) * 2);
    expect(toScreenX(panZoom.state.view, 0)).toBeCloseTo(centre.x - 100);
    expect(toScreenY(panZoom.state.view, 0)).toBeCloseTo(centre.y);
  });
});
