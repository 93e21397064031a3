import type { RolloutView } from './rollout-view.js';

/**
 * One line per rollout for `hotconf fleet`: "rollout orders/prod: running, step 2 of 3
 * (50 %), 5 of 10 = 50 %, applied 5, failed 0". Server text is cut and cleaned by `clean`.
 */
export function rolloutLine(r: RolloutView, clean: (text: string, max?: number) => string): string {
  const halted = r.haltReason ? `; ${clean(r.haltReason, 200)}` : '';
  return `rollout ${clean(`${r.service}/${r.profile}`, 140)}: ${clean(r.status, 20)}, step ${r.step} of ${r.steps.length} (${r.percent} %), ${clean(r.share, 40)}, applied ${r.applied}, failed ${r.failed}${halted}\n`;
}
