import Router from '@koa/router';
import { HotconfError, InvalidInputError } from '../errors.js';
import type { SpringBus } from '../spring-bus/spring-bus.js';
import { requireAdmin, requirePrincipal, type Access } from './access.js';

/** One destination segment: an application name, an index or port, an instance id, or a wildcard. */
const SEGMENT = /^[A-Za-z0-9._*-]{1,128}$/;

/**
 * Spring Cloud Bus's `busrefresh` actuator endpoint (admin), answering as Spring's does:
 * `POST /actuator/busrefresh` announces a refresh for every application,
 * `POST /actuator/busrefresh/{destination}` for one (`orders`, `orders:8080`, or path
 * segments `orders/8080`, joined with `:` as Spring joins them); 204 No Content.
 * The caller is checked first: 401 before anything else is said.
 */
export function actuatorRoutes(options: { springBus: SpringBus; access: Access }): Router {
  const { springBus, access } = options;
  const router = new Router();
  const handle = (destination: string | undefined) => {
    if (!springBus.configured) {
      throw new HotconfError(
        503,
        'HC_NO_SPRING_BUS',
        'this server has no HOTCONF_SPRING_BUS_URL, so it cannot announce on Spring Cloud Bus',
      );
    }
    springBus.refresh(destination);
  };
  router.post('/actuator/busrefresh', (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    handle(undefined);
    ctx.status = 204;
  });
  router.post('/actuator/busrefresh/*destination', (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    const raw = String(ctx.params.destination ?? '');
    const segments = raw.split(/[/:]/);
    if (raw.length > 300 || !segments.every((s) => SEGMENT.test(s))) {
      throw new InvalidInputError(
        'HC_INVALID_NAME',
        'a destination is an application name, optionally followed by :index and :instance id (letters, digits, . _ - or *)',
      );
    }
    handle(segments.join(':'));
    ctx.status = 204;
  });
  return router;
}
