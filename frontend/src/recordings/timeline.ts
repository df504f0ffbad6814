// The geometry of the recordings timeline: a window of one day shown across
// the bar's width, recorded spans as pixel rectangles, a pixel back to an
// instant, and zooming and panning that keep the window inside the day.
// Times are milliseconds since the epoch; the day is the operator's local day.

export interface Range {
  start: number;
  end: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What the bar can show across its width, widest first: a day, then hours, then minutes. */
export const ZOOMS = [
  { label: '24 h', ms: 24 * HOUR },
  { label: '6 h', ms: 6 * HOUR },
  { label: '1 h', ms: HOUR },
  { label: '10 min', ms: 10 * MINUTE },
  { label: '1 min', ms: MINUTE },
] as const;

/** The local calendar day `instant` falls in (23 or 25 hours across a DST change). */
export function dayOf(instant: number): Range {
  const start = new Date(instant);
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { start: start.getTime(), end: end.getTime() };
}

/** The day `days` after the one `day` is (negative: before). */
export function shiftDay(day: Range, days: number): Range {
  const start = new Date(day.start);
  start.setDate(start.getDate() + days);
  return dayOf(start.getTime());
}

/** `YYYY-MM-DD` of a local day, as `<input type="date">` and the address take it. */
export function dayKey(day: Range): string {
  const date = new Date(day.start);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The local day a `YYYY-MM-DD` names; null for anything else. */
export function parseDayKey(key: string | null): Range | null {
  const match = key ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(key) : null;
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) ? null : dayOf(date.getTime());
}

/** Where `time` is on a bar `width` pixels wide showing `view`. */
export function xOf(time: number, view: Range, width: number): number {
  return ((time - view.start) / (view.end - view.start)) * width;
}

/** The instant under pixel `x`, within the view. */
export function timeAt(x: number, view: Range, width: number): number {
  const fraction = Math.min(1, Math.max(0, x / width));
  return Math.round(view.start + fraction * (view.end - view.start));
}

export interface Rect {
  left: number;
  width: number;
}

/**
 * The spans' rectangles on the bar, clipped to the view. Spans closer than
 * a pixel are drawn as one, so a day of thousands of short spans stays a
 * few hundred elements, and each span is at least a pixel wide so a
 * few seconds of recording still shows on a day's bar.
 */
export function spanRects(spans: readonly Range[], view: Range, width: number): Rect[] {
  const rects: Rect[] = [];
  for (const span of spans) {
    if (span.end <= view.start || span.start >= view.end) continue;
    const left = Math.max(0, xOf(span.start, view, width));
    const right = Math.max(left + 1, Math.min(width, xOf(span.end, view, width)));
    const last = rects.at(-1);
    if (last && left - (last.left + last.width) < 1) last.width = Math.max(last.width, right - last.left);
    else rects.push({ left, width: right - left });
  }
  return rects;
}

/** A window `length` ms long inside `day`, holding `anchor` where it was in `view` (as a wheel zooms around the pointer). */
export function zoomed(view: Range, day: Range, length: number, anchor: number): Range {
  const size = Math.min(length, day.end - day.start);
  const fraction = (anchor - view.start) / (view.end - view.start);
  const start = anchor - fraction * size;
  return clamped({ start, end: start + size }, day);
}

/** The view moved by `delta` ms, stopping at the day's edges. */
export function panned(view: Range, day: Range, delta: number): Range {
  return clamped({ start: view.start + delta, end: view.end + delta }, day);
}

function clamped(view: Range, day: Range): Range {
  const size = view.end - view.start;
  const start = Math.min(Math.max(view.start, day.start), day.end - size);
  return { start: Math.round(start), end: Math.round(start + size) };
}

/** The zoom level nearest to the view's length. */
export function zoomIndex(view: Range): number {
  const length = view.end - view.start;
  let best = 0;
  ZOOMS.forEach((zoom, index) => {
    if (Math.abs(Math.log(zoom.ms / length)) < Math.abs(Math.log((ZOOMS[best]?.ms ?? length) / length))) best = index;
  });
  return best;
}

const TICK_STEPS = [10_000, 30_000, MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR];

/** Labelled instants along the view: round local times, about six to twelve of them. */
export function ticks(view: Range): number[] {
  const length = view.end - view.start;
  const step = TICK_STEPS.find((candidate) => length / candidate <= 12) ?? 3 * HOUR;
  // Counted from the local midnight so ticks fall on the hour of the
  // operator's clock, not of UTC.
  const midnight = dayOf(view.start).start;
  const first = midnight + Math.ceil((view.start - midnight) / step) * step;
  const instants: number[] = [];
  for (let time = first; time <= view.end; time += step) instants.push(time);
  return instants;
}

/** The recorded span holding `time`, or the next one after it: where a click in a gap plays. */
export function playableFrom(spans: readonly Range[], time: number): number | null {
  for (const span of spans) {
    if (time < span.end) return Math.max(time, span.start);
  }
  return null;
}
