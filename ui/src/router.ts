import { useEffect, useState } from 'preact/hooks';

/** A parsed `#/…` location: path segments (decoded) and query parameters. */
export interface Route {
  parts: string[];
  query: URLSearchParams;
}

/** Reads the hash; anything not starting with `#/` (a skip link's `#main`) is the overview. */
export function parseHash(hash: string): Route {
  if (!hash.startsWith('#/')) return { parts: [], query: new URLSearchParams() };
  const [path = '', query = ''] = hash.slice(2).split('?');
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { parts, query: new URLSearchParams(query) };
}

/** `#/doc/orders/dev` from parts, each encoded. */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

/** The current route, updated on every hash change. */
export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => {
      // The skip link's target is not a route: keep the page where it is.
      if (location.hash.startsWith('#/') || location.hash === '') setHash(location.hash);
    };
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return parseHash(hash);
}
