import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Timeline } from './Timeline';
import { dayOf, type Range } from './timeline';

const at = (h: number, m = 0) => new Date(2026, 11, 4, h, m).getTime();
const day = dayOf(at(12));

afterEach(cleanup);

function renderTimeline(view: Range, playhead: number | null) {
  const onPick = vi.fn<(instant: number) => void>();
  const onView = vi.fn<(view: Range) => void>();
  render(<Timeline day={day} view={view} onView={onView} spans={[{ start: at(9), end: at(10) }]} playhead={playhead} selection={null} onPick={onPick} />);
  return { bar: screen.getByRole('slider'), onPick, onView };
}

describe('the timeline by keyboard', () => {
  it('moves a cursor from the playhead by a sixtieth of the view and plays from it on Enter', () => {
    const { bar, onPick } = renderTimeline({ start: at(9), end: at(10) }, at(9, 30));
    expect(bar.getAttribute('aria-valuetext')).toMatch(/09:30/);
    fireEvent.keyDown(bar, { key: 'ArrowRight' });
    fireEvent.keyDown(bar, { key: 'ArrowRight' });
    fireEvent.keyDown(bar, { key: 'ArrowLeft' });
    expect(bar.getAttribute('aria-valuetext')).toMatch(/09:31/);
    fireEvent.keyDown(bar, { key: 'Enter' });
    expect(onPick).toHaveBeenCalledWith(at(9, 31));
  });

  it('zooms with + and − toward the latest recording before anything plays', () => {
    const { bar, onView } = renderTimeline(day, null);
    fireEvent.keyDown(bar, { key: '+' });
    const zoomedIn = onView.mock.calls[0]?.[0];
    expect(zoomedIn && zoomedIn.end - zoomedIn.start).toBe(6 * 3_600_000);
    expect(zoomedIn && zoomedIn.start <= at(10) && at(10) <= zoomedIn.end).toBe(true);
    fireEvent.keyDown(bar, { key: '-' });
    expect(onView).toHaveBeenLastCalledWith(day);
  });
});
