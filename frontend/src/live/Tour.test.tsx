import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Tour } from './Tour';
import type { SavedView } from './views';

const view = (id: number, name: string): SavedView => ({
  id,
  name,
  owner: 'ann',
  shared: false,
  layout: '4',
  tiles: [],
  editable: true,
  version: 1,
  created_at: '2026-12-04T12:00:00Z',
  updated_at: '2026-12-04T12:00:00Z',
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('the tour', () => {
  it('opens the views ticked in turn, every interval, until stopped', () => {
    vi.useFakeTimers();
    const opened: string[] = [];
    const views = [view(1, 'Dock'), view(2, 'Gate'), view(3, 'Yard')];
    render(<Tour views={views} onOpen={(shown) => opened.push(shown.name)} onChoosing={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Tour' }));
    fireEvent.click(screen.getByLabelText('Yard'));
    fireEvent.click(screen.getByLabelText('Dock'));
    fireEvent.change(screen.getByLabelText('Seconds per view'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start tour' }));
    // In the list's order, whatever the order they were ticked in.
    expect(opened).toEqual(['Dock']);
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(opened).toEqual(['Dock', 'Yard']);
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(opened).toEqual(['Dock', 'Yard', 'Dock']);
    fireEvent.click(screen.getByRole('button', { name: 'Stop tour' }));
    act(() => {
      vi.advanceTimersByTime(20_000);
    });
    expect(opened).toHaveLength(3);
  });

  it('refuses an interval under five seconds', () => {
    render(<Tour views={[view(1, 'Dock'), view(2, 'Gate')]} onOpen={() => undefined} onChoosing={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Tour' }));
    fireEvent.click(screen.getByLabelText('Dock'));
    fireEvent.click(screen.getByLabelText('Gate'));
    fireEvent.change(screen.getByLabelText('Seconds per view'), { target: { value: '2' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Tour' }));
    expect(screen.getByText('At least 5 seconds.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Stop tour' })).toBeNull();
  });
});
