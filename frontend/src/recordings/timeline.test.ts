import { describe, expect, it } from 'vitest';

import { ZOOMS, dayKey, dayOf, panned, parseDayKey, playableFrom, shiftDay, spanRects, ticks, timeAt, xOf, zoomIndex, zoomed } from './timeline';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const day = dayOf(new Date(2026, 11, 4, 13, 20).getTime());
const at = (h: number, m = 0, s = 0) => new Date(2026, 11, 4, h, m, s).getTime();

describe('timeline geometry', () => {
  it('maps a day onto the bar and back, at every zoom', () => {
    expect(xOf(at(12), day, 960)).toBe(480);
    expect(timeAt(480, day, 960)).toBe(at(12));
    expect(timeAt(-5, day, 960)).toBe(day.start);
    expect(timeAt(2000, day, 960)).toBe(day.end);
    for (const zoom of ZOOMS) {
      const view = zoomed(day, day, zoom.ms, at(13, 20));
      expect(view.end - view.start).toBe(zoom.ms);
      expect(timeAt(xOf(at(13, 20), view, 800), view, 800)).toBe(at(13, 20));
    }
    // One minute across 600 px: a pixel is 100 ms.
    const minute = zoomed(day, day, MINUTE, at(13, 20));
    expect(timeAt(xOf(at(13, 20), minute, 600) + 1, minute, 600) - at(13, 20)).toBe(100);
  });

  it('zooms around the anchor and keeps the window inside the day', () => {
    const hour = zoomed(day, day, HOUR, at(12));
    expect(hour).toEqual({ start: at(11, 30), end: at(12, 30) });
    expect(zoomed({ start: at(0), end: at(1) }, day, 6 * HOUR, at(0, 30))).toEqual({ start: at(0), end: at(6) });
    expect(zoomed(hour, day, 24 * HOUR, at(12))).toEqual(day);
    expect(panned(hour, day, -13 * HOUR)).toEqual({ start: at(0), end: at(1) });
    expect(zoomIndex(hour)).toBe(2);
    expect(zoomIndex(day)).toBe(0);
  });

  it('draws spans clipped to the view, merged below a pixel, never thinner than one', () => {
    const spans = [
      { start: at(1), end: at(2) },
      { start: at(2, 0, 30), end: at(3) },
      { start: at(6), end: at(6, 0, 5) },
      { start: at(23, 30), end: at(23, 59) },
    ];
    const rects = spanRects(spans, day, 240);
    expect(rects).toEqual([
      { left: 10, width: 20 },
      { left: 60, width: 1 },
      { left: 235, width: expect.closeTo(4.83, 2) as number },
    ]);
    const hour = { start: at(1, 30), end: at(2, 30) };
    expect(spanRects(spans, hour, 600)).toEqual([
      { left: 0, width: 300 },
      { left: 305, width: 295 },
    ]);
    const many = Array.from({ length: 10_000 }, (_, i) => ({ start: at(0) + i * 8_000, end: at(0) + i * 8_000 + 6_000 }));
    expect(spanRects(many, day, 1000).length).toBeLessThanOrEqual(1000);
  });

  it('plays a click in a gap from the next recording', () => {
    const spans = [{ start: at(1), end: at(2) }, { start: at(5), end: at(6) }];
    expect(playableFrom(spans, at(1, 30))).toBe(at(1, 30));
    expect(playableFrom(spans, at(3))).toBe(at(5));
    expect(playableFrom(spans, at(7))).toBeNull();
  });

  it('labels round local times and names days', () => {
    expect(ticks(day)).toHaveLength(13);
    expect(ticks(day)[1]).toBe(at(2));
    expect(ticks({ start: at(13, 2, 20), end: at(13, 12, 20) })[0]).toBe(at(13, 3));
    expect(dayKey(day)).toBe('2026-12-04');
    expect(parseDayKey('2026-12-04')).toEqual(day);
    expect(parseDayKey('yesterday')).toBeNull();
    expect(dayKey(shiftDay(day, -4))).toBe('2026-11-30');
  });
});
