import { expect } from 'chai';
import { loadSettings } from '../../server/src/settings.js';
import {
  refreshDestinations,
  type PublishedChange,
} from '../../server/src/spring-bus/refresh-destinations.js';
import {
  parseBusMessage,
  springDestination,
} from '../../server/src/spring-bus/spring-bus-event.js';
import {
  hideSpringBusPassword,
  parseSpringBusUrl,
} from '../../server/src/spring-bus/spring-bus-url.js';

/** A published change of `service` at `version`, from files before → after. */
function change(
  service: string,
  version: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): PublishedChange {
  const sources = (files: Record<string, unknown>) =>
    Object.entries(files).map(([file, config]) => ({ file, config: config as { v: 1 } }));
  return {
    record: { service },
    document: { version, sources: sources(after) },
    previous: { sources: sources(before) },
  };
}

describe('Spring bus wire format', () => {
  describe('refreshDestinations', () => {
    it('announces each application once per commit, however many of its documents changed', () => {
      expect(
        refreshDestinations([
          change('orders', 'c1', { 'orders.yml': { a: 1 } }, { 'orders.yml': { a: 2 } }),
          change(
            'orders',
            'c1',
            { 'orders-dev.yml': {}, 'orders.yml': { a: 1 } },
            {
              'orders-dev.yml': {},
              'orders.yml': { a: 2 },
            },
          ),
          change('payments', 'c2', { 'payments.yml': { a: 1 } }, { 'payments.yml': { a: 3 } }),
        ]),
      ).to.deep.equal([
        { version: 'c1', destinations: ['orders:**'] },
        { version: 'c2', destinations: ['payments:**'] },
      ]);
    });

    it('announces ** once when only application*.yml files changed, per app when others did too', () => {
      const shared = (service: string) =>
        change(
          service,
          'c3',
          { 'application-dev.yml': { a: 1 }, [`${service}.yml`]: {} },
          {
            'application-dev.yml': { a: 2 },
            [`${service}.yml`]: {},
          },
        );
      expect(refreshDestinations([shared('orders'), shared('payments')])).to.deep.equal([
        { version: 'c3', destinations: ['**'] },
      ]);
      const mixed = change('orders', 'c3', { 'orders.yml': { a: 1 } }, { 'orders.yml': { a: 2 } });
      expect(refreshDestinations([shared('payments'), mixed])).to.deep.equal([
        { version: 'c3', destinations: ['orders:**', 'payments:**'] },
      ]);
    });

    it('announces each application, not **, at a commit that a document rejected', () => {
      const shared = change(
        'payments',
        'c5',
        { 'application.yml': { a: 1 } },
        {
          'application.yml': { a: 2 },
        },
      );
      expect(refreshDestinations([shared], new Set(['c5']))).to.deep.equal([
        { version: 'c5', destinations: ['payments:**'] },
      ]);
    });

    it('counts a document that changed with no file changing (a schema default) as its own', () => {
      const same = { 'application.yml': { a: 1 } };
      expect(refreshDestinations([change('orders', 'c4', same, same)])).to.deep.equal([
        { version: 'c4', destinations: ['orders:**'] },
      ]);
    });
  });

  describe('springDestination', () => {
    it("puts a destination in Spring's form, as PathDestinationFactory does", () => {
      expect(
        [undefined, '**', 'orders', 'orders:8080', 'orders:**', 'orders:8080:abc'].map(
          springDestination,
        ),
      ).to.deep.equal(['**', '**', 'orders:**', 'orders:8080:**', 'orders:**', 'orders:8080:abc']);
    });
  });

  describe('parseBusMessage', () => {
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));

    it('reads an ack as Spring Cloud Bus writes it', () => {
      expect(
        parseBusMessage(
          json({
            type: 'AckRemoteApplicationEvent',
            timestamp: 1700000000000,
            originService: 'orders:8080:abc',
            destinationService: '**',
            id: 'a1',
            ackId: 'e1',
            ackDestinationService: 'orders:**',
            event: 'org.springframework.cloud.bus.event.RefreshRemoteApplicationEvent',
          }),
        ),
      ).to.deep.equal({
        kind: 'ack',
        ack: {
          originService: 'orders:8080:abc',
          ackId: 'e1',
          ackDestinationService: 'orders:**',
          event: 'org.springframework.cloud.bus.event.RefreshRemoteApplicationEvent',
          timestamp: 1700000000000,
        },
      });
    });

    it('classifies what is not for hotconf, and never throws', () => {
      expect(parseBusMessage(Buffer.from('{'))).to.deep.equal({
        kind: 'malformed',
        reason: 'not-json',
      });
      expect(parseBusMessage(json([1]))).to.deep.equal({ kind: 'malformed', reason: 'not-json' });
      expect(parseBusMessage(json({ id: 1 }))).to.deep.equal({
        kind: 'malformed',
        reason: 'no-type',
      });
      expect(parseBusMessage(json({ type: 'AckRemoteApplicationEvent' }))).to.deep.equal({
        kind: 'malformed',
        reason: 'incomplete',
      });
      expect(parseBusMessage(Buffer.alloc(64 * 1024 + 1, 32))).to.deep.equal({
        kind: 'malformed',
        reason: 'oversized',
      });
      expect(parseBusMessage(json({ type: 'TraceEvent' }))).to.deep.equal({
        kind: 'other',
        type: 'TraceEvent',
      });
    });
  });

  describe('HOTCONF_SPRING_BUS_URL', () => {
    it('masks the password for logs and status, raw and percent-encoded', () => {
      const address = parseSpringBusUrl('amqp://app:p%40ss@rabbit:5672/prod');
      expect(address.redacted).to.equal('amqp://app:***@rabbit:5672/prod');
      expect(
        hideSpringBusPassword(
          address,
          'cannot log in with p@ss or p%40ss to amqp://app:p%40ss@rabbit:5672/prod',
        ),
      ).to.equal('cannot log in with *** or *** to amqp://app:***@rabbit:5672/prod');
    });

    it('rejects an unusable URL by name, without echoing it', () => {
      expect(() => loadSettings({ HOTCONF_SPRING_BUS_URL: 'http://u:secret@rabbit' })).to.throw(
        TypeError,
        'HOTCONF_SPRING_BUS_URL must start with amqp:// or amqps://, got "http://"',
      );
      expect(() => loadSettings({}, { 'spring-bus-url': 'not a url secret' })).to.throw(
        TypeError,
        'HOTCONF_SPRING_BUS_URL must be a URL like amqp://user:password@rabbit:5672/vhost',
      );
      expect(loadSettings({ HOTCONF_SPRING_BUS_URL: 'amqp://rabbit/' }).springBusUrl).to.equal(
        'amqp://rabbit/',
      );
    });
  });
});
