import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { needsToken, onAuthChange } from './api';
import { feed, type LiveEvent } from './live';

/** What a page's data is: loading, loaded, or why it failed. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * Loads `load()` now, again when `deps` change, when a token is entered, and shortly after
 * any live event that `relevant` accepts (all by default) — the page updates without reload.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  relevant: (event: LiveEvent) => boolean = () => true,
): Loaded<T> {
  // The data with the deps it was loaded for: data for other deps is never shown.
  const [loaded, setLoaded] = useState<{ key: string; value: T } | undefined>(undefined);
  const key = JSON.stringify(deps);
  const keyRef = useRef(key);
  keyRef.current = key;
  const [error, setError] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;

  const run = useCallback(() => {
    const mine = ++generation.current;
    const forKey = keyRef.current;
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setLoaded({ key: forKey, value });
        setError(undefined);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  }, []);

  useEffect(run, [key]);

  useEffect(() => {
    let timer: number | undefined;
    const offFeed = feed.on((event) => {
      if (!relevantRef.current(event)) return;
      // Events come in bursts (one per document, then `settled`): one reload per burst.
      if (timer === undefined)
        timer = window.setTimeout(() => {
          timer = undefined;
          run();
        }, 60);
    });
    const offAuth = onAuthChange(() => {
      if (!needsToken()) run();
    });
    return () => {
      offFeed();
      offAuth();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, []);

  const data = loaded?.key === key ? loaded.value : undefined;
  // Loading means: nothing yet for these deps (a live reload keeps showing what is there).
  return { data, error, loading: loaded?.key !== key, reload: run };
}
