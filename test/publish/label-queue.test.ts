import { expect } from 'chai';
import { pino } from 'pino';
import { LabelQueue } from '../../server/src/publish/label-queue.js';

describe('LabelQueue', () => {
  const quiet = pino({ level: 'silent' });

  it('advances labels one at a time, in the order they first moved, keeping the first seenAt', async () => {
    const calls: [string, number][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let settled = 0;
    const queue = new LabelQueue({
      advance: async (label, seenAt) => {
        calls.push([label, seenAt]);
        if (label === 'main') await gate;
      },
      onSettled: () => settled++,
      logger: quiet,
    });
    const done = queue.push(['main'], 1);
    void queue.push(['dev', 'main'], 2);
    void queue.push(['dev'], 3);
    release();
    await done;
    expect(calls).to.deep.equal([
      ['main', 1],
      ['dev', 2],
      ['main', 2],
    ]);
    expect(settled).to.equal(1);
  });

  it('logs a failing label and goes on with the next', async () => {
    const seen: string[] = [];
    const queue = new LabelQueue({
      advance: async (label) => {
        seen.push(label);
        if (label === 'bad') throw new Error('boom');
      },
      onSettled: () => undefined,
      logger: quiet,
    });
    await queue.push(['bad', 'good'], 0);
    await queue.settled();
    expect(seen).to.deep.equal(['bad', 'good']);
  });
});
