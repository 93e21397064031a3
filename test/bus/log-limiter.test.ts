import { expect } from 'chai';
import { LogLimiter } from '../../server/src/bus/log-limiter.js';

describe('LogLimiter', () => {
  it('lets one line through per interval and says how many it held back', () => {
    let now = 0;
    const limiter = new LogLimiter(10_000, () => now);
    expect(limiter.take()).to.equal(0);
    for (let i = 0; i < 999; i++) expect(limiter.take()).to.equal(undefined);
    now = 10_000;
    expect(limiter.take()).to.equal(999);
    expect(limiter.take()).to.equal(undefined);
  });
});
