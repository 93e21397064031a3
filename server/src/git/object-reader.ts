import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { GIT_ENV } from './run-git.js';

/** A git object as `cat-file --batch` returns it. */
export interface GitObject {
  oid: string;
  type: 'blob' | 'tree' | 'commit' | 'tag';
  data: Buffer;
}

interface Pending {
  resolve(obj: GitObject | null): void;
  reject(error: Error): void;
}

/**
 * Reads objects through one long-lived `git cat-file --batch`, so reading a snapshot of
 * thousands of files costs no process spawns. Requests are answered in order.
 */
export class ObjectReader {
  private proc: ChildProcessWithoutNullStreams | undefined;
  private readonly queue: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  constructor(private readonly gitDir: string) {}

  /** Reads an object by id or revision expression; null when git says it is missing. */
  read(rev: string): Promise<GitObject | null> {
    if (this.closed) return Promise.reject(new Error('object reader is closed'));
    if (/[\s]/.test(rev)) return Promise.resolve(null);
    const proc = this.process();
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      proc.stdin.write(`${rev}\n`);
    });
  }

  /** Stops the git process. */
  close(): void {
    this.closed = true;
    this.proc?.stdin.end();
    this.proc?.kill();
    this.failAll(new Error('object reader is closed'));
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.proc) return this.proc;
    const proc = spawn('git', ['--git-dir', this.gitDir, 'cat-file', '--batch'], {
      env: GIT_ENV,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    proc.stderr.resume();
    proc.stdin.on('error', () => undefined);
    proc.on('exit', () => {
      if (this.proc === proc) this.proc = undefined;
      this.buffer = Buffer.alloc(0);
      this.failAll(new Error('git cat-file exited'));
    });
    this.proc = proc;
    return proc;
  }

  private drain(): void {
    for (;;) {
      const head = this.queue[0];
      if (!head) return;
      const eol = this.buffer.indexOf(10);
      if (eol < 0) return;
      const header = this.buffer.toString('latin1', 0, eol);
      const parts = header.split(' ');
      if (parts.length !== 3) {
        // "<rev> missing" or "<rev> ambiguous"
        this.buffer = this.buffer.subarray(eol + 1);
        this.queue.shift();
        head.resolve(null);
        continue;
      }
      const size = Number(parts[2]);
      if (this.buffer.length < eol + 1 + size + 1) return;
      const data = Buffer.from(this.buffer.subarray(eol + 1, eol + 1 + size));
      this.buffer = this.buffer.subarray(eol + 1 + size + 1);
      this.queue.shift();
      head.resolve({ oid: parts[0] as string, type: parts[1] as GitObject['type'], data });
    }
  }

  private failAll(error: Error): void {
    for (const p of this.queue.splice(0)) p.reject(error);
  }
}
