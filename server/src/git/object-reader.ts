import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ObjectReadError, ObjectTooLargeError } from './object-read-error.js';
import { GIT_ENV } from './run-git.js';

/** A git object as `cat-file --batch` returns it. */
export interface GitObject {
  oid: string;
  type: 'blob' | 'tree' | 'commit' | 'tag';
  data: Buffer;
}

export interface ObjectReaderOptions {
  /** Blobs larger than this are refused from their header. Default: no limit. */
  maxBlobBytes?: number;
}

interface Pending {
  rev: string;
  resolve(obj: GitObject | null): void;
  reject(error: Error): void;
}

/** The object whose body is arriving. */
interface Body {
  oid: string;
  type: GitObject['type'];
  size: number;
  /** Body chunks, joined once at the end (so reading is linear in the size); null: discarded. */
  chunks: Buffer[] | null;
}

const TYPES = new Set(['blob', 'tree', 'commit', 'tag']);

/**
 * Reads objects through one long-lived `git cat-file --batch`, so reading a snapshot of
 * thousands of files costs no process spawns. Requests are answered in order. If git dies
 * (a corrupt object makes it exit), the request it died on fails with an
 * `ObjectReadError` and the others are asked again of a new process: no failure sticks.
 */
export class ObjectReader {
  private proc: ChildProcessWithoutNullStreams | undefined;
  private readonly queue: Pending[] = [];
  private readonly maxBlobBytes: number;
  /** Header bytes seen so far (a header may span chunks). */
  private header: Buffer[] = [];
  private body: Body | undefined;
  /** Body bytes still to come, the trailing newline included; 0 while reading a header. */
  private need = 0;
  private closed = false;

  constructor(
    private readonly gitDir: string,
    options: ObjectReaderOptions = {},
  ) {
    this.maxBlobBytes = options.maxBlobBytes ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Reads an object by id or revision expression; null when git says it is missing.
   * @throws ObjectReadError when git cannot read it (corrupt) or a blob is over the limit.
   */
  read(rev: string): Promise<GitObject | null> {
    if (this.closed) return Promise.reject(new Error('object reader is closed'));
    if (/[\s]/.test(rev)) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.send({ rev, resolve, reject }));
  }

  /** Stops the git process; later reads are refused. */
  close(): void {
    this.closed = true;
    const proc = this.proc;
    this.proc = undefined;
    proc?.stdin.end();
    proc?.kill();
    for (const p of this.queue.splice(0)) p.reject(new Error('object reader is closed'));
  }

  private send(pending: Pending): void {
    this.queue.push(pending);
    this.process().stdin.write(`${pending.rev}\n`);
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.proc) return this.proc;
    const proc = spawn('git', ['--git-dir', this.gitDir, 'cat-file', '--batch'], {
      env: GIT_ENV,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.header = [];
    this.body = undefined;
    this.need = 0;
    proc.stdout.on('data', (chunk: Buffer) => {
      if (this.proc === proc) this.onData(chunk);
    });
    // git's own words name server paths; the error a caller sees is ours.
    proc.stderr.resume();
    proc.stdin.on('error', () => undefined);
    proc.on('error', () => undefined);
    proc.on('close', () => {
      if (this.proc === proc) this.died();
    });
    this.proc = proc;
    return proc;
  }

  /** git exited under us: fail the request it was answering, re-ask the rest of a new git. */
  private died(): void {
    this.proc = undefined;
    const waiting = this.queue.splice(0);
    // While a refused body streams past, its reader has its answer already: blame no one.
    const culprit = this.body?.chunks === null ? undefined : waiting.shift();
    culprit?.reject(new ObjectReadError(culprit.rev, 'could not be read (corrupt or truncated)'));
    if (this.closed) return;
    for (const p of waiting) this.send(p);
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.need === 0) {
        const eol = chunk.indexOf(10, at);
        if (eol < 0) {
          this.header.push(chunk.subarray(at));
          return;
        }
        this.header.push(chunk.subarray(at, eol));
        at = eol + 1;
        const line = Buffer.concat(this.header).toString('latin1');
        this.header = [];
        this.onHeader(line);
      } else {
        const take = Math.min(this.need, chunk.length - at);
        this.body?.chunks?.push(chunk.subarray(at, at + take));
        this.need -= take;
        at += take;
        if (this.need === 0) this.onBody();
      }
    }
  }

  private onHeader(line: string): void {
    const head = this.queue[0];
    const [oid, type, sizeText] = line.split(' ');
    if (sizeText === undefined || !TYPES.has(type ?? '')) {
      // "<rev> missing" or "<rev> ambiguous"
      this.queue.shift();
      head?.resolve(null);
      return;
    }
    const size = Number(sizeText);
    const body: Body = { oid: oid as string, type: type as GitObject['type'], size, chunks: [] };
    if (type === 'blob' && size > this.maxBlobBytes) {
      // Refused now; the body still comes down the pipe and is counted off, never held.
      body.chunks = null;
      this.queue.shift();
      head?.reject(new ObjectTooLargeError(body.oid, size, this.maxBlobBytes));
    }
    this.body = body;
    this.need = size + 1;
  }

  private onBody(): void {
    const body = this.body;
    this.body = undefined;
    if (!body?.chunks) return;
    const head = this.queue.shift();
    // One copy of the whole body: the chunks may share memory with the pipe's buffers.
    const data = Buffer.concat(body.chunks, body.size);
    head?.resolve({ oid: body.oid, type: body.type, data });
  }
}
