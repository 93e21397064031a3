import { fork, type ChildProcess } from 'node:child_process';

/** A request from the benchmark driver to one of its child processes. */
interface Request {
  reqId: number;
  cmd: string;
  payload: unknown;
}

/** A child's answer to one request. */
interface Reply {
  reqId: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** Handlers a child process offers, by command name. */
export type Handlers = Record<string, (payload: any) => Promise<unknown> | unknown>;

/**
 * Child side: answers the driver's requests and says `ready` (with `info`) once set up.
 * The child exits when the driver goes away, so no load generator outlives a run.
 */
export function serveIpc(handlers: Handlers, info: Record<string, unknown> = {}): void {
  process.on('message', (raw: Request) => {
    const handler = handlers[raw.cmd];
    const reply = (r: Omit<Reply, 'reqId'>) => process.send?.({ reqId: raw.reqId, ...r });
    if (!handler) {
      reply({ ok: false, error: `unknown command ${raw.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(raw.payload))
      .then(
        (result) => reply({ ok: true, result }),
        (error: unknown) => reply({ ok: false, error: (error as Error)?.stack ?? String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', ...info });
}

/**
 * Driver side: a forked benchmark child (load generator, baseline server, WebSocket
 * clients) spoken to by request/reply over the IPC channel.
 */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();
  private exited = false;

  private constructor(
    readonly process: ChildProcess,
    readonly info: Record<string, unknown>,
  ) {
    process.on('message', (msg: Reply) => {
      const w = this.waiting.get(msg.reqId);
      if (!w) return;
      this.waiting.delete(msg.reqId);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(`${this.name}: ${msg.error}`));
    });
    process.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values())
        w.reject(new Error(`${this.name} exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  get name(): string {
    return String(this.info.name ?? 'child');
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** Forks `script` (a compiled bench module) and waits for its `ready`. */
  static async fork(script: URL, args: string[] = [], execArgv: string[] = []): Promise<Child> {
    const proc = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (msg: { type?: string }) => {
        if (msg.type !== 'ready') return;
        proc.off('message', onMessage);
        resolve(msg as Record<string, unknown>);
      };
      proc.on('message', onMessage);
      proc.once('exit', (code) =>
        reject(new Error(`${script.pathname} exited with ${code} before it was ready`)),
      );
    });
    return new Child(proc, info);
  }

  /** Sends a command and resolves with the child's result. */
  request<T>(cmd: string, payload: unknown = {}, timeoutMs = 600_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const reqId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(reqId);
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(reqId, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.process.send({ reqId, cmd, payload } satisfies Request);
    });
  }

  /** Ends the child (SIGTERM, then SIGKILL after 5 s) and waits for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGTERM');
    const hard = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(hard);
  }
}
