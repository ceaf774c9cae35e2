import type { Ref } from 'vue';
import { type Bounds, centreOn, fitView, panBy, resizeView, type View, zoomAt } from './view.js';

// Panning and zooming the map's canvas: drag with one pointer, pinch with two, the wheel (or a trackpad
// pinch), the arrow and +/−/0 keys, and the canvas's size. The view is kept as plain numbers, outside
// Vue's reactivity (it changes on every pointer move); `changed` asks the page to draw again.

/** What the pointers do besides moving the map, for the page to act on. */
export interface PanZoomEvents {
  /** The view moved or zoomed: draw again. */
  changed(): void;
  /** A mouse moved over the canvas with no button down, at (x, y) in CSS pixels. */
  hover(x: number, y: number): void;
  /** A press that did not move: a click, or a tap (`touch`: not a mouse). */
  tap(x: number, y: number, touch: boolean): void;
  /** A drag began to move the map. */
  dragged(): void;
}

/** Pixels a press may move and still be a click or a tap. */
const CLICK_SLOP = 4;

export function usePanZoom(
  canvas: Ref<HTMLCanvasElement | undefined>,
  bounds: () => Bounds,
  events: PanZoomEvents,
) {
  const state = {
    view: { scale: 1, ox: 0, oy: 0 } as View,
    /** The scale that fits every point on the canvas (zoom limits are relative to it). */
    fitScale: 1,
    width: 0,
    height: 0,
    /** Whether the visitor moved the view (then a resize keeps it instead of fitting the map again). */
    moved: false,
  };
  const pointers = new Map<number, { x: number; y: number }>();
  let press: { id: number; x: number; y: number; dragged: boolean } | null = null;

  function move(view: View) {
    state.view = view;
    state.moved = true;
    events.changed();
  }

  /** Fits the whole map on the canvas. */
  function fit() {
    const fitted = fitView(bounds(), state.width, state.height);
    state.fitScale = fitted.scale;
    state.view = fitted;
    state.moved = false;
    events.changed();
  }

  /** Zooms by `factor` around a canvas point (its centre by default). */
  function zoomBy(factor: number, sx = state.width / 2, sy = state.height / 2) {
    move(zoomAt(state.view, factor, sx, sy, state.fitScale));
  }

  /** Centres the map on the data point (x, y), zoomed in at least `zoom` times the fitting scale. */
  function centre(x: number, y: number, zoom: number) {
    const scale = Math.max(state.view.scale, state.fitScale * zoom);
    move(centreOn(scale, x, y, state.width, state.height));
  }

  /**
   * The canvas's new size. Before the data comes (`hasData` false) only the size is kept; until the
   * visitor moves the map it keeps fitting the canvas; afterwards, its centre stays put.
   */
  function resize(width: number, height: number, hasData: boolean) {
    if (width === state.width && height === state.height) return;
    const [oldWidth, oldHeight] = [state.width, state.height];
    state.width = width;
    state.height = height;
    if (!hasData) return;
    if (!state.moved || oldWidth === 0) fit();
    else {
      state.fitScale = fitView(bounds(), width, height).scale;
      state.view = resizeView(state.view, oldWidth, oldHeight, width, height);
      events.changed();
    }
  }

  /** The arrows pan (further with Shift), + and − zoom, 0 and Home fit: whether the key was one of them. */
  function key(event: KeyboardEvent): boolean {
    const step = event.shiftKey ? 0.4 : 0.12;
    const { width, height } = state;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [width * step, 0],
      ArrowRight: [-width * step, 0],
      ArrowUp: [0, height * step],
      ArrowDown: [0, -height * step],
    };
    const by = moves[event.key];
    if (by) move(panBy(state.view, by[0], by[1]));
    else if (event.key === '+' || event.key === '=') zoomBy(1.5);
    else if (event.key === '-' || event.key === '_') zoomBy(1 / 1.5);
    else if (event.key === '0' || event.key === 'Home') fit();
    else return false;
    return true;
  }

  function local(event: PointerEvent | WheelEvent) {
    const rect = canvas.value!.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  /** A press begins; false when it is not one the map takes (a mouse button other than the main one). */
  function pointerDown(event: PointerEvent): boolean {
    if (event.pointerType === 'mouse' && event.button !== 0) return false;
    canvas.value?.setPointerCapture(event.pointerId);
    const p = local(event);
    pointers.set(event.pointerId, p);
    press = pointers.size === 1 ? { id: event.pointerId, ...p, dragged: false } : null;
    return true;
  }

  // One pointer drags the map, two pinch it.
  function pointerMove(event: PointerEvent) {
    const p = local(event);
    const previous = pointers.get(event.pointerId);
    if (!previous) {
      if (event.pointerType === 'mouse') events.hover(p.x, p.y);
      return;
    }
    if (pointers.size === 1) {
      if (press && Math.hypot(p.x - press.x, p.y - press.y) > CLICK_SLOP) press.dragged = true;
      if (!press || press.dragged) {
        state.view = panBy(state.view, p.x - previous.x, p.y - previous.y);
        state.moved = true;
        events.dragged();
      }
      pointers.set(event.pointerId, p);
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const before = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, d: Math.hypot(a.x - b.x, a.y - b.y) };
      pointers.set(event.pointerId, p);
      const [c, d] = [...pointers.values()];
      const after = { x: (c.x + d.x) / 2, y: (c.y + d.y) / 2, d: Math.hypot(c.x - d.x, c.y - d.y) };
      let view = panBy(state.view, after.x - before.x, after.y - before.y);
      if (before.d > 0 && after.d > 0)
        view = zoomAt(view, after.d / before.d, after.x, after.y, state.fitScale);
      state.view = view;
      state.moved = true;
    }
    events.changed();
  }

  function pointerUp(event: PointerEvent) {
    if (!pointers.delete(event.pointerId)) return;
    if (press && press.id === event.pointerId && !press.dragged) {
      const p = local(event);
      events.tap(p.x, p.y, event.pointerType !== 'mouse');
    }
    press = null;
  }

  function pointerCancel(event: PointerEvent) {
    pointers.delete(event.pointerId);
    press = null;
  }

  function wheel(event: WheelEvent) {
    // Lines and pages to pixels; a trackpad pinch comes as a wheel with ctrlKey and small deltas.
    const delta = event.deltaY * (event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? state.height : 1);
    const p = local(event);
    zoomBy(Math.exp(-delta * (event.ctrlKey ? 0.01 : 0.0015)), p.x, p.y);
  }

  /** Whether no pointer is pressed on the map. */
  const idle = () => pointers.size === 0;

  return {
    state,
    fit,
    zoomBy,
    centre,
    resize,
    key,
    pointerDown,
    pointerMove,
    pointerUp,
    pointerCancel,
    wheel,
    idle,
  };
}
