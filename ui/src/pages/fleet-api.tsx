import { api, ifFeature } from '../api';
import type { DocumentsAnswer } from '../types';

/** What a fleet page shows when the server has no fleet view. */
export const FLEET_UNAVAILABLE = (
  <p>
    This server has no fleet view (<code>/v1/fleet</code> is not part of this server).
  </p>
);

/** The most instances one page shows (the API's largest page). */
export const FLEET_PAGE = 1000;

/** `path` when the server has a fleet view; undefined when it has none. */
export async function fleetApi<T>(path: string): Promise<T | undefined> {
  const { features } = await api<DocumentsAnswer>('/v1/console/documents');
  return ifFeature<T>(features, 'fleet', path);
}
