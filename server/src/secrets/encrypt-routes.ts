import Router from '@koa/router';
import type { Access } from '../http/access.js';
import type { SecretBox } from './secret-box.js';

/** `POST /v1/encrypt` (admin). Filled in by the access issue. */
export function encryptRoutes(options: { box: SecretBox; access: Access }): Router {
  void options;
  return new Router();
}
