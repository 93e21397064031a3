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

/** `GET /v1/fleet` → `documents[]` (DESIGN §10, docs/api.md). */
export interface FleetDocument {
  service: string;
  profiles: string[];
  label: string;
  published: { etag: string; version: string } | null;
  online: number;
  applied: number;
  failed: number;
  older: number;
  offline: number;
  /** Connections that never said hello. */
  anonymous: number;
  /** "9 of 10 on a1b2c3d, 1 failed". */
  summary: string;
}

/** `GET /v1/fleet`. */
export interface FleetAnswer {
  defaultLabel: string;
  partial: boolean;
  documents: FleetDocument[];
}

/** What an instance did with the document: its last report. */
export interface FleetInstanceDocument {
  etag: string | null;
  version: string | null;
  reportedAt: string | null;
  error: string | null;
}

/** One row of `GET /v1/fleet/{service}/{profiles}`. */
export interface FleetInstance {
  id: string;
  /** `sdk` (`@hotconf/client`) or `spring-bus` (a Spring instance's acks). */
  source: string;
  labels: Record<string, string>;
  host: string | null;
  pid: number | null;
  sdk: string | null;
  replica: string;
  connectedSince: string;
  lastSeen: string;
  online: boolean;
  /** Against what is published: applied, failed, older, offline. */
  state: string;
  /** This document only. */
  documents: FleetInstanceDocument[];
  lastError: { document: string; etag: string; error: string; at: string } | null;
}

/** `GET /v1/fleet/{service}/{profiles}`. */
export interface FleetInstancesAnswer {
  label: string;
  published: { etag: string; version: string } | null;
  partial: boolean;
  instances: FleetInstance[];
  nextCursor: string | null;
}

/** One step of a rollout's plan: its share and how long it bakes (`5m`, `0s`). */
export interface RolloutStep {
  percent: number;
  bake: string;
}

/** One line of a rollout's history: `started`, `step`, `halted`, `complete`. */
export interface RolloutEvent {
  at: string;
  kind: string;
  message: string;
}

/** `GET /v1/rollouts/{service}/{profile}`, and each of `GET /v1/rollouts`' `rollouts` (DESIGN §11). */
export interface Rollout {
  service: string;
  profile: string;
  label: string;
  status: 'running' | 'halted' | 'complete';
  /** The current step, from 1. */
  step: number;
  steps: RolloutStep[];
  /** The current step's percent. */
  percent: number;
  /** The real share of the eligible instances online now: `1 of 3 = 33 %`. */
  share: string;
  /** Instance ids in the cohort. */
  cohort: string[];
  applied: number;
  failed: number;
  /** Milliseconds of bake left; null until the step's cohort has applied, or when not running. */
  bakeLeft: number | null;
  haltReason: string | null;
  canaryFile: string | null;
  events: RolloutEvent[];
}
