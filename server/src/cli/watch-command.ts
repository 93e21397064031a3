import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import type { ServerMessage } from '@hotconf/client';
import { checkService, parseProfiles } from '../config/names.js';
import { flatten } from '../config/flatten.js';
import { UsageError, type Command } from './run-cli.js';

/**
 * `hotconf watch <service> <profiles> [--server URL] [--label L] [--token T] [--json]`:
 * a `tail -f` for config. Prints the document once, then each change with its keys and
 * new values; reconnects (resuming by etag) until interrupted.
 */
export const watchCommand: Command = async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      label: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length < 1 || positionals.length > 2)
    throw new UsageError('usage: hotconf watch <service> [profiles] [--server URL]');
  const service = checkService(positionals[0] as string);
  const profiles = parseProfiles(positionals[1]);
  const server = (values.server ?? process.env.HOTCONF_SERVER ?? 'http://127.0.0.1:8888').replace(
    /\/+$/,
    '',
  );
  if (!/^https?:\/\//.test(server)) throw new UsageError('--server must be an http(s) URL');
  const token = values.token ?? process.env.HOTCONF_TOKEN;
  const url = `${server.replace(/^http/, 'ws')}/v1/watch`;
  const print = (line: string) => process.stdout.write(`${line}\n`);

  let etag: string | null = null;
  let delay = 200;
  let stopping = false;
  return new Promise<number>((settle) => {
    // The reconnect timer is unref'd; this keeps the process watching until told to stop.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const resolve = (code: number) => {
      clearInterval(keepAlive);
      settle(code);
    };
    let socket: WebSocket | undefined;
    const stop = () => {
      stopping = true;
      socket?.close(1000);
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const open = () => {
      const ws = new WebSocket(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      socket = ws;
      ws.on('open', () => {
        delay = 200;
        ws.send(
          JSON.stringify({
            type: 'subscribe',
            id: 'watch',
            service,
            profiles,
            label: values.label ?? null,
            etag,
          }),
        );
      });
      ws.on('message', (data) => {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(data.toString()) as ServerMessage;
        } catch {
          process.stderr.write('hotconf watch: ignored a frame that is not JSON\n');
          return;
        }
        const at = new Date().toISOString();
        if (values.json) print(JSON.stringify({ at, ...msg }));
        if (msg.type === 'error') {
          if (!values.json) print(`${at} error ${msg.code}: ${msg.message}`);
          if (
            msg.code === 'HC_FORBIDDEN' ||
            msg.code === 'HC_INVALID_NAME' ||
            msg.code === 'HC_SERVICE_NOT_FOUND'
          ) {
            ws.close();
            stopping = true;
            resolve(1);
          }
          return;
        }
        if (msg.type === 'patch') return;
        etag = msg.etag;
        if (values.json) return;
        if (msg.type === 'subscribed')
          print(`${at} ${service} [${profiles}] up to date at ${msg.version.slice(0, 12)}`);
        else if (msg.type === 'snapshot') {
          print(`${at} ${service} [${profiles}] version ${msg.version.slice(0, 12)}`);
          for (const [k, v] of Object.entries(flatten(msg.config)))
            print(`  ${k} = ${JSON.stringify(v)}`);
        } else if (msg.type === 'change') {
          const flat = flatten(msg.config);
          print(`${at} change → ${msg.version.slice(0, 12)}: ${msg.changedKeys.join(', ')}`);
          for (const key of msg.changedKeys) {
            const shown = Object.entries(flat).filter(
              ([k]) => k === key || k.startsWith(`${key}.`) || k.startsWith(`${key}[`),
            );
            if (shown.length === 0) print(`  ${key} (removed)`);
            for (const [k, v] of shown) print(`  ${k} = ${JSON.stringify(v)}`);
          }
        }
      });
      ws.on('error', (error) => {
        if (!stopping) process.stderr.write(`hotconf watch: ${error.message}; retrying\n`);
      });
      ws.on('close', (code) => {
        if (stopping) return;
        if (code === 4401) {
          process.stderr.write('hotconf watch: the token was revoked\n');
          resolve(1);
          return;
        }
        setTimeout(open, Math.random() * delay).unref();
        delay = Math.min(delay * 2, 10_000);
      });
    };
    open();
  });
};
