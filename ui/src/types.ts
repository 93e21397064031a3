/** Shapes of the API answers the console reads (docs/api.md). */

export interface Problem {
  file?: string;
  line?: number;
  path?: string;
  message: string;
}

export interface RejectionInfo {
  commit: string;
  author: string;
  time: string;
  message: string;
  problems: Problem[];
}

export interface DocumentSummary {
  key: string;
  service: string;
  profiles: string[];
  label: string;
  state: string;
  version: string | null;
  etag: string | null;
  commit: { author: string; time: string; message: string } | null;
  degraded: boolean;
  validated: boolean;
  rejection: RejectionInfo | null;
}

export interface DocumentsAnswer {
  label: string;
  principal: { name: string; admin: boolean };
  /** Optional APIs this server has. */
  features: { fleet: boolean; rollouts: boolean };
  documents: DocumentSummary[];
}

export type FlatValue = string | number | boolean | null;

export interface ConfigEntry {
  key: string;
  value: FlatValue;
  masked: boolean;
  file: string | null;
  line?: number;
}

export interface ConsoleConfig {
  service: string;
  profiles: string[];
  label: string;
  version: string;
  etag: string;
  sources: string[];
  entries: ConfigEntry[];
}

export interface HistoryEntry {
  id: string;
  author: string;
  time: string;
  message: string;
  changedKeys: string[];
}

export interface HistoryAnswer {
  commits: HistoryEntry[];
}

export interface DiffAnswer {
  fromVersion: string;
  toVersion: string;
  added: Record<string, FlatValue>;
  removed: Record<string, FlatValue>;
  changed: Record<string, { from: FlatValue; to: FlatValue }>;
}

/** `/v1/fleet`, per document (DESIGN §10). Fields the server may leave out are optional. */
export interface FleetDocument {
  service: string;
  profiles: string[];
  label?: string;
  etag?: string | null;
  version?: string | null;
  online: number;
  applied: number;
  failed: number;
  older?: number;
  offline?: number;
}

/** One instance (`/v1/fleet/{service}/{profiles}`). */
export interface FleetInstance {
  id: string;
  labels?: Record<string, string>;
  host?: string;
  pid?: number;
  sdk?: string;
  replica?: string;
  connectedSince?: string;
  lastSeen?: string;
  online?: boolean;
  state?: string;
  appliedEtag?: string | null;
  appliedVersion?: string | null;
  lastError?: string | null;
}

export interface RolloutStep {
  percent: number;
  bake?: string | number;
}

export interface RolloutEvent {
  time?: string;
  at?: string;
  kind?: string;
  type?: string;
  message?: string;
}

/** `/v1/rollouts`, one rollout (DESIGN §11). */
export interface Rollout {
  service: string;
  profile: string;
  status?: string;
  step?: number;
  steps?: RolloutStep[];
  percent?: number;
  cohort?: number | string[] | { size?: number; instances?: string[] };
  applied?: number;
  failed?: number;
  bakeLeft?: string | number | null;
  haltReason?: string | null;
  events?: RolloutEvent[];
}
