import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { parseTokenFile } from '../../server/src/access/token-file.js';
import { parseBusUrl } from '../../server/src/bus/bus-url.js';
import { createSecretBox } from '../../server/src/secrets/secret-box.js';
import { loadSettings, SETTING_FLAGS } from '../../server/src/settings.js';

const DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../deploy/kubernetes',
);

/* Just enough of the Kubernetes shapes to read the manifests. */
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet?: { path: string; port: string };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { port: number; targetPort: string }[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: Container[];
        volumes: {
          name: string;
          emptyDir?: object;
          secret?: { secretName: string; items: { key: string }[] };
        }[];
      };
    };
  };
  stringData?: Record<string, string>;
  resources?: string[];
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const manifests: Manifest[] = files.flatMap((f) =>
  parseAllDocuments(readFileSync(path.join(DIR, f), 'utf8')).map((d) => d.toJSON() as Manifest),
);
function find(kind: string, name: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!m) throw new Error(`deploy/kubernetes has no ${kind} ${name}`);
  return m;
}
function container(name: string): Container {
  const c = find('Deployment', name).spec.template?.spec.containers[0];
  if (!c) throw new Error(`Deployment ${name} has no container`);
  return c;
}
const hotconf = container('hotconf');
const envOf = (name: string) => hotconf.env.find((e) => e.name === name);

describe('deploy/kubernetes', () => {
  it('lists every manifest in kustomization.yaml', () => {
    const kustomization = manifests.find((m) => m.kind === 'Kustomization');
    expect([...(kustomization?.resources ?? [])].sort()).to.deep.equal(
      files.filter((f) => f !== 'kustomization.yaml').sort(),
    );
  });

  it('runs three replicas with readiness on /ready, liveness on /health and resources', () => {
    expect(find('Deployment', 'hotconf').spec.replicas).to.equal(3);
    expect(hotconf.readinessProbe.httpGet).to.deep.equal({ path: '/ready', port: 'http' });
    expect(hotconf.livenessProbe.httpGet).to.deep.equal({ path: '/health', port: 'http' });
    expect(hotconf.ports).to.deep.equal([{ name: 'http', containerPort: 8888 }]);
    // The image's ENTRYPOINT/CMD (tini, then `hotconf serve`) must run unchanged.
    expect(hotconf).not.to.have.any.keys('command', 'args');
    expect(hotconf.resources.requests).to.have.keys('cpu', 'memory');
    expect(hotconf.resources.limits).to.have.keys('memory');
  });

  it('names only real settings, with values hotconf accepts', () => {
    const known = Object.keys(SETTING_FLAGS).map(
      (flag) => `HOTCONF_${flag.toUpperCase().replace(/-/g, '_')}`,
    );
    const names = hotconf.env.map((e) => e.name).filter((n) => n.startsWith('HOTCONF_'));
    expect(names.filter((n) => !known.includes(n))).to.deep.equal([]);
    const literal = Object.fromEntries(
      hotconf.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
    );
    const settings = loadSettings(literal);
    expect(settings).to.include({
      host: '0.0.0.0',
      port: 8888,
      cacheDir: '/var/cache/hotconf',
      pingInterval: 30,
    });
    expect(envOf('HOTCONF_REPLICA_ID')?.valueFrom?.fieldRef?.fieldPath).to.equal('metadata.name');
  });

  it('keeps the clone cache on an emptyDir at /var/cache/hotconf', () => {
    const spec = find('Deployment', 'hotconf').spec.template?.spec;
    const mount = hotconf.volumeMounts.find((m) => m.mountPath === '/var/cache/hotconf');
    expect(spec?.volumes.find((v) => v.name === mount?.name)?.emptyDir).to.be.an('object');
  });

  it('takes tokens, the encryption key and the webhook secret from the Secret, all usable', () => {
    const secret = find('Secret', 'hotconf').stringData ?? {};
    for (const name of ['HOTCONF_ENCRYPT_KEY', 'HOTCONF_WEBHOOK_SECRET']) {
      const ref = envOf(name)?.valueFrom?.secretKeyRef;
      expect(ref?.name, name).to.equal('hotconf');
      expect(secret, name).to.have.property(ref?.key ?? '');
    }
    const tokensVolume = find('Deployment', 'hotconf').spec.template?.spec.volumes.find(
      (v) => v.secret,
    );
    expect(tokensVolume?.secret?.items.map((i) => i.key)).to.deep.equal(['tokens.yml']);
    const mount = hotconf.volumeMounts.find((m) => m.name === tokensVolume?.name);
    expect(`${mount?.mountPath}/tokens.yml`).to.equal(envOf('HOTCONF_TOKENS_FILE')?.value);
    expect(parseTokenFile(secret['tokens.yml'] ?? '').map((t) => [t.name, t.admin])).to.deep.equal([
      ['ops', true],
      ['orders-service', false],
    ]);
    expect(() => createSecretBox({ encryptKey: secret['encrypt-key'] })).not.to.throw();
    // Every value is a placeholder that says so.
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(parseTokenFile(secret['tokens.yml'] ?? '').map((t) => t.sha256)).to.deep.equal([
      sha('REPLACE-ME-admin-token'),
      sha('REPLACE-ME-orders-token'),
    ]);
    expect(Buffer.from(secret['encrypt-key'] ?? '', 'base64').toString()).to.equal(
      'REPLACE-ME-32-byte-key-not-real!',
    );
    expect(secret['webhook-secret']).to.equal('REPLACE-ME-webhook-secret');
  });

  it('points the bus at the Redis Service, and the Service at the replicas', () => {
    const bus = parseBusUrl(envOf('HOTCONF_BUS_URL')?.value ?? '');
    const redisService = find('Service', 'hotconf-redis');
    expect(bus.redacted).to.equal(
      `redis://${redisService.metadata.name}:${redisService.spec.ports?.[0]?.port}/0`,
    );
    expect(redisService.spec.selector).to.deep.equal(
      find('Deployment', 'hotconf-redis').spec.selector?.matchLabels,
    );
    const service = find('Service', 'hotconf');
    expect(service.spec.selector).to.deep.equal(
      find('Deployment', 'hotconf').spec.selector?.matchLabels,
    );
    expect(service.spec.ports).to.deep.equal([{ name: 'http', port: 8888, targetPort: 'http' }]);
  });
});
