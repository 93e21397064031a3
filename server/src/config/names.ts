import { LABEL_PATTERN, NAME_PATTERN, RESERVED_NAMES } from '@hotconf/client';
import { InvalidInputError } from '../errors.js';

/** Service and profile names (DESIGN §2): the protocol's definition. */
export const NAME = NAME_PATTERN;
/** Branches, tags and commit ids (DESIGN §2); `..` is refused separately. */
export const LABEL = LABEL_PATTERN;
export const MAX_PROFILES = 8;
/** Never services: they are routes. */
export const RESERVED = RESERVED_NAMES;

/** A config file at the search path. */
export const CONFIG_FILE = /\.(ya?ml|json|properties)$/;
/**
 * `{service}-{profile}.canary.yml` (or `.canary.properties`): a rollout (DESIGN §11), never an
 * ordinary config file nor a plain-text resource. Group 1 is `{service}-{profile}`.
 */
export const CANARY_FILE = /^(?:.*\/)?([^/]+)\.canary\.(?:ya?ml|properties)$/;
/** `schemas/{service}.schema.json`; the match's group 1 is the service. */
export const SCHEMA_FILE = /^([a-z0-9][a-z0-9_.-]{0,63})\.schema\.json$/;

/**
 * The file extensions a config file may have, highest precedence first: as in Spring Boot,
 * `orders.properties` outranks `orders.yml` (both are read).
 */
export const EXTENSIONS = ['.properties', '.yml', '.yaml', '.json'] as const;

function describe(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown.replace(/[^\x20-\x7e]/g, '?'));
}

/** @throws InvalidInputError (400, HC_INVALID_NAME) unless `service` is a valid service name. */
export function checkService(service: string): string {
  if (!NAME.test(service) || RESERVED.has(service)) {
    throw new InvalidInputError(
      'HC_INVALID_NAME',
      `service ${describe(service)} is not a valid name: use a-z, 0-9, '.', '_' or '-', at most 64 characters, not a reserved word`,
    );
  }
  return service;
}

/**
 * Parses a comma-separated profile list (`dev,eu`); empty means `default`.
 * @throws InvalidInputError (400, HC_INVALID_NAME) on a bad name or more than 8 profiles.
 */
export function parseProfiles(profiles: string | readonly string[] | undefined): string[] {
  const list = typeof profiles === 'string' ? profiles.split(',') : [...(profiles ?? [])];
  // Empty entries (`dev,`) are dropped; anything else is checked as sent, never trimmed.
  const names = list.filter((p) => p !== '');
  if (names.length === 0) return ['default'];
  if (names.length > MAX_PROFILES) {
    throw new InvalidInputError(
      'HC_INVALID_NAME',
      `at most ${MAX_PROFILES} profiles may be named, got ${names.length}`,
    );
  }
  for (const p of names) {
    if (!NAME.test(p)) {
      throw new InvalidInputError(
        'HC_INVALID_NAME',
        `profile ${describe(p)} is not a valid name: use a-z, 0-9, '.', '_' or '-', at most 64 characters`,
      );
    }
  }
  // A profile named twice counts once, at its last position (later beats earlier).
  return names.filter((p, i) => names.lastIndexOf(p) === i);
}

/** @throws InvalidInputError (400, HC_INVALID_LABEL) unless `label` is a safe label. */
export function checkLabel(label: string): string {
  if (
    !LABEL.test(label) ||
    label.includes('..') ||
    label.endsWith('/') ||
    label.endsWith('.lock')
  ) {
    throw new InvalidInputError(
      'HC_INVALID_LABEL',
      `label ${describe(label)} is not a valid branch, tag or commit id`,
    );
  }
  return label;
}

/** Spring clients send `/` in labels as `(_)`. */
export function decodeSpringLabel(label: string): string {
  return label.replaceAll('(_)', '/');
}

/**
 * The candidate files for a service and profiles, highest precedence first (DESIGN §2):
 * for `orders` and `dev,eu`: orders-eu, application-eu, orders-dev, application-dev,
 * orders, application. The `default` profile has no files of its own beyond the plain ones,
 * except `{service}-default.yml`, which Spring also reads. A comma list of applications
 * (`foo,bar`, Spring paths only) reads as Spring's `spring.config.name=application,foo,bar`:
 * a later name beats an earlier one within each profile.
 */
export function candidateBases(service: string, profiles: readonly string[]): string[] {
  const apps = service.split(',').reverse();
  const out: string[] = [];
  for (let i = profiles.length - 1; i >= 0; i--) {
    const p = profiles[i] as string;
    for (const app of apps) out.push(`${app}-${p}`);
    out.push(`application-${p}`);
  }
  out.push(...apps, 'application');
  return out;
}

/** Splits a file name into base and extension; null when it is not a config file. */
export function splitFileName(file: string): { base: string; ext: string } | null {
  for (const ext of EXTENSIONS) {
    if (file.endsWith(ext)) return { base: file.slice(0, -ext.length), ext };
  }
  return null;
}
