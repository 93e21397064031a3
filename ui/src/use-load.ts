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
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;

  const run = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setData(undefined);
    run();
  }, deps);

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

  return { data, error, loading, reload: run };
}
