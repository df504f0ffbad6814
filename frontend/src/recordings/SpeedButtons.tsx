import { SPEEDS } from './playback';

/** 1x, 2x, 4x: the speed recordings play at, the current one pressed. */
export function SpeedButtons({ rate, onRate }: { rate: number; onRate: (rate: number) => void }) {
  return (
    <div role="group" aria-label="Speed" className="speeds">
      {SPEEDS.map((speed) => (
        <button key={speed} type="button" aria-pressed={rate === speed} onClick={() => { onRate(speed); }}>
          {speed}x
        </button>
      ))}
    </div>
  );
}
