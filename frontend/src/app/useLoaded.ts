import { useEffect, useState } from 'react';

/**
 * What `load(key)` answered, loaded again whenever `key` or `generation`
 * changes (bump `generation` to reload the same key). The answer of a load
 * that a newer one superseded is dropped, so a slow reply never overwrites a
 * fresh one. `load` must be a stable function (declared outside components).
 */
export function useLoaded<T>(load: (key: string) => Promise<T>, key: string, generation: number) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    load(key).then(
      (loaded) => {
        if (!current) return;
        setValue(loaded);
        setError(null);
      },
      (err: unknown) => {
        if (current) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => {
      current = false;
    };
  }, [load, key, generation]);
  return { value, setValue, error, setError };
}
