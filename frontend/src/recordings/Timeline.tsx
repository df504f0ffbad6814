import { useEffect, useEffectEvent, useRef, useState } from 'react';

import { ZOOMS, panned, spanRects, ticks, timeAt, xOf, zoomIndex, zoomed, type Range } from './timeline';

export const timeOfDay = (instant: number, seconds = true) =>
  new Date(instant).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: seconds ? '2-digit' : undefined });

/** The bar's width in pixels, followed as the window resizes. */
function useWidth(element: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const target = element.current;
    if (!target || typeof ResizeObserver === 'undefined') return;
    // It reports the size it first sees too.
    const observer = new ResizeObserver(() => {
      setWidth(target.clientWidth);
    });
    observer.observe(target);
    return () => {
      observer.disconnect();
    };
  }, [element]);
  return width;
}

/**
 * A day's recordings as a bar: recorded spans over the gaps, the playhead,
 * the export selection. Click (or Enter on the keyboard cursor) plays from
 * that instant; the wheel and + / − zoom around the pointer or the cursor.
 */
export function Timeline({
  day,
  view,
  onView,
  spans,
  playhead,
  selection,
  onPick,
}: {
  day: Range;
  view: Range;
  onView: (view: Range) => void;
  spans: readonly Range[];
  playhead: number | null;
  selection: Range | null;
  onPick: (instant: number) => void;
}) {
  const bar = useRef<HTMLDivElement>(null);
  const width = useWidth(bar);
  const [hover, setHover] = useState<number | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const shownCursor = cursor ?? playhead ?? view.start + (view.end - view.start) / 2;
  // Zooming in before anything plays goes where the latest recording is, not to noon.
  const focus = cursor ?? playhead ?? spans.at(-1)?.end ?? shownCursor;
  const zoom = zoomIndex(view);

  const zoomTo = (index: number, anchor: number) => {
    const level = ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, index))];
    if (level) onView(zoomed(view, day, level.ms, anchor));
  };

  // React's wheel listener is passive: the page would scroll as well.
  const onWheel = useEffectEvent((event: WheelEvent) => {
    event.preventDefault();
    zoomTo(zoom + (event.deltaY < 0 ? 1 : -1), timeAt(event.offsetX, view, width));
  });
  useEffect(() => {
    const target = bar.current;
    if (!target) return;
    const listener = (event: WheelEvent) => {
      onWheel(event);
    };
    target.addEventListener('wheel', listener, { passive: false });
    return () => {
      target.removeEventListener('wheel', listener);
    };
  }, []);

  const step = (view.end - view.start) / 60;
  const moveCursor = (to: number) => {
    const next = Math.min(day.end, Math.max(day.start, to));
    setCursor(next);
    if (next < view.start || next > view.end) onView(panned(view, day, next - (view.start + view.end) / 2));
  };
  const onKey = (event: React.KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowLeft: () => { moveCursor(shownCursor - step); },
      ArrowRight: () => { moveCursor(shownCursor + step); },
      PageUp: () => { moveCursor(shownCursor - step * 10); },
      PageDown: () => { moveCursor(shownCursor + step * 10); },
      Home: () => { moveCursor(day.start); },
      End: () => { moveCursor(day.end); },
      Enter: () => { onPick(shownCursor); },
      ' ': () => { onPick(shownCursor); },
      '+': () => { zoomTo(zoom + 1, focus); },
      '=': () => { zoomTo(zoom + 1, focus); },
      '-': () => { zoomTo(zoom - 1, focus); },
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  const at = (time: number) => `${String(xOf(time, view, width))}px`;
  const inView = (time: number | null): time is number => time !== null && time >= view.start && time <= view.end;
  return (
    <div className="timeline">
      <div className="timeline-zoom" role="group" aria-label="Zoom">
        <button type="button" onClick={() => { onView(panned(view, day, -(view.end - view.start) / 2)); }} disabled={view.start <= day.start} aria-label="Earlier">
          ◀
        </button>
        {ZOOMS.map((level, index) => (
          <button key={level.label} type="button" aria-pressed={zoom === index} onClick={() => { zoomTo(index, focus); }}>
            {level.label}
          </button>
        ))}
        <button type="button" onClick={() => { onView(panned(view, day, (view.end - view.start) / 2)); }} disabled={view.end >= day.end} aria-label="Later">
          ▶
        </button>
      </div>
      <div
        ref={bar}
        className="timeline-bar"
        role="slider"
        tabIndex={0}
        aria-label="Recordings timeline: arrows move the cursor, Enter plays from it, + and − zoom"
        aria-valuemin={view.start}
        aria-valuemax={view.end}
        aria-valuenow={Math.round(shownCursor)}
        aria-valuetext={timeOfDay(shownCursor)}
        onKeyDown={onKey}
        onBlur={() => { setCursor(null); }}
        onMouseMove={(event) => { setHover(timeAt(event.nativeEvent.offsetX, view, width)); }}
        onMouseLeave={() => { setHover(null); }}
        onClick={(event) => {
          const instant = timeAt(event.nativeEvent.offsetX, view, width);
          setCursor(null);
          onPick(instant);
        }}
      >
        {width > 0
          ? spanRects(spans, view, width).map((rect) => (
              <span key={rect.left} className="timeline-span" style={{ left: rect.left, width: rect.width }} />
            ))
          : null}
        {selection && width > 0 ? (
          <span
            className="timeline-selection"
            style={{ left: Math.max(0, xOf(selection.start, view, width)), width: Math.max(2, xOf(selection.end, view, width) - xOf(selection.start, view, width)) }}
          />
        ) : null}
        {cursor !== null && inView(cursor) ? <span className="timeline-cursor" style={{ left: at(cursor) }} /> : null}
        {inView(playhead) ? <span className="timeline-playhead" style={{ left: at(playhead) }} title={timeOfDay(playhead)} /> : null}
        {inView(hover) ? (
          <span className="timeline-hover" style={{ left: at(hover) }}>
            {timeOfDay(hover)}
          </span>
        ) : null}
      </div>
      <div className="timeline-ticks" aria-hidden="true">
        {width > 0
          ? ticks(view).map((tick) => (
              <span key={tick} style={{ left: at(tick) }}>
                {timeOfDay(tick, view.end - view.start < 30 * 60_000)}
              </span>
            ))
          : null}
      </div>
    </div>
  );
}
