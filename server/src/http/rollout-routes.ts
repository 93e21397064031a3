import Router from '@koa/router';
import type { Context } from 'koa';
import {
  mayReadDocument,
  requireAdmin,
  requirePrincipal,
  requireRead,
  requireReadDocument,
  type Access,
} from '../access/access.js';
import { checkService, parseProfiles } from '../config/names.js';
import { ErrorCodes, InvalidInputError, NotFoundError } from '../errors.js';
import type { InstanceView } from '../fleet/instance-view.js';
import { documentOwners, type DocumentRecord } from '../publish/document-record.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import { rolloutView } from '../rollout/rollout-view.js';
import { sendJson } from './send.js';

export interface RolloutRoutesDeps {
  rollouts: Pick<RolloutController, 'list' | 'halt'>;
  documents: { all(): DocumentRecord[] };
  fleet: { snapshot(): Promise<{ views: InstanceView[] }> };
  access: Access;
  /** The replica driving the steps, when known. */
  driver(): string | undefined;
}

/**
 * `GET /v1/rollouts`, `GET /v1/rollouts/{service}/{profile}` and
 * `POST /v1/rollouts/{service}/{profile}/halt` (admin) — DESIGN §11. A read token sees the
 * rollouts of documents it may read only.
 */
export function rolloutRoutes(deps: RolloutRoutesDeps): Router {
  const router = new Router();
  const { access } = deps;
  // A rollout shows a document's instances and changed keys: it is read like the document
  // itself, with every service whose files it uses (DESIGN §7).
  const recordOf = (key: string) => deps.documents.all().find((r) => r.key === key);

  router.get('/v1/rollouts', async (ctx) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const { views } = await deps.fleet.snapshot();
    const now = Date.now();
    const rollouts = [...deps.rollouts.list()]
      .filter(([key, s]) =>
        mayReadDocument(principal, s.service, documentOwners(s.service, recordOf(key))),
      )
      .map(([key, s]) => rolloutView(s, recordOf(key), views, now))
      .sort((a, b) => `${a.service}/${a.profile}`.localeCompare(`${b.service}/${b.profile}`));
    sendJson(ctx, { driver: deps.driver() ?? null, rollouts });
  });

  const find = (ctx: Context) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const service = checkService(ctx.params.service ?? '');
    const profiles = parseProfiles(ctx.params.profile);
    if (profiles.length !== 1)
      throw new InvalidInputError('HC_INVALID_NAME', 'a rollout is of one profile');
    requireRead(principal, service);
    const profile = profiles[0] as string;
    const found = [...deps.rollouts.list()].find(
      ([, s]) => s.service === service && s.profile === profile,
    );
    if (!found) {
      throw new NotFoundError(
        ErrorCodes.NOT_FOUND,
        `${service} (${profile}) has no rollout: add ${service}-${profile}.canary.yml to start one`,
      );
    }
    requireReadDocument(principal, documentOwners(service, recordOf(found[0])));
    return { principal, key: found[0], state: found[1] };
  };

  router.get('/v1/rollouts/:service/:profile', async (ctx) => {
    const { key, state } = find(ctx);
    const { views } = await deps.fleet.snapshot();
    sendJson(ctx, rolloutView(state, recordOf(key), views, Date.now()));
  });

  router.post('/v1/rollouts/:service/:profile/halt', async (ctx) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    requireAdmin(principal);
    const { key } = find(ctx);
    const halted = await deps.rollouts.halt(key, `halted by ${principal.name}`);
    const { views } = await deps.fleet.snapshot();
    if (halted) sendJson(ctx, rolloutView(halted, recordOf(key), views, Date.now()));
  });

  return router;
}
