import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

const MAIN = new URL('../../server/src/cli/main.js', import.meta.url).pathname;
export const REAL_GIT = '/usr/bin/git';

/** A response as the test sees it; status 0 when the server closed without answering. */
export interface Reply {
  status: number;
  body: string;
}

/**
 * Writes `dir/bin/git`: appends each argument (one per line, then a `--end--` line) to
 * `dir/git-argv.log`, then execs the real git. First in PATH, it sees every git the
 * server spawns.
 */
export async function gitSpy(dir: string): Promise<{ bin: string; log: string }> {
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'git-argv.log');
  await mkdir(bin, { recursive: true });
  await writeFile(log, '');
  const script = `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${log}'\nprintf -- '--end--\\n' >> '${log}'\nexec ${REAL_GIT} "$@"\n`;
  await writeFile(path.join(bin, 'git'), script);
  await chmod(path.join(bin, 'git'), 0o755);
  return { bin, log };
}

/** `hotconf serve` in a child process; its output is collected in `output`. */
export class ServerProcess {
  readonly child: ChildProcess;
  output = '';

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [MAIN, 'serve'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** One HTTP request with the path sent exactly as given (no URL normalisation). */
export function request(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: target, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    // A server that answers early (413) and closes while we still write is not a failure.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE'
        ? resolve({ status: 0, body: '' })
        : reject(error),
    );
    req.end(body);
  });
}

/** Bytes on a bare socket, for requests no HTTP client would send; the reply's status line parsed. */
export function rawRequest(port: number, bytes: Buffer | string, timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const done = () => {
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve({ status: status ? Number(status[1]) : 0, body: data });
    };
    socket.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      // One response is enough; keep-alive would otherwise hold the socket open.
      if (/\r\n\r\n/.test(data) && /content-length: (\d+)/i.test(data)) {
        const length = Number(/content-length: (\d+)/i.exec(data)?.[1]);
        if (data.length - data.indexOf('\r\n\r\n') - 4 >= length) done();
      }
    });
    socket.on('end', done);
    socket.on('error', done);
    socket.setTimeout(timeoutMs, done);
    socket.write(bytes);
  });
}

/** Waits until `GET /ready` answers 200. */
export async function waitReady(
  port: number,
  server: ServerProcess,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.alive) throw new Error(`the server exited: ${server.output}`);
    const reply = await request(port, 'GET', '/ready').catch(() => ({ status: 0, body: '' }));
    if (reply.status === 200) return;
    if (Date.now() > deadline) throw new Error(`the server did not become ready: ${server.output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
