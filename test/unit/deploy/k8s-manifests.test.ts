import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resolveProcessorConfig } from '../../../src/processor/index.js';
import { readYaml } from './support.js';

const DIR = 'deploy/k8s';
const API_VERSION: Record<string, string> = {
  Namespace: 'v1',
  Deployment: 'apps/v1',
  Job: 'batch/v1',
  ScaledObject: 'keda.sh/v1alpha1',
  PodMonitor: 'monitoring.coreos.com/v1',
  PrometheusRule: 'monitoring.coreos.com/v1',
};
const ROLE_COMMAND: Record<string, string> = {
  'lyap-processor': 'process',
  'lyap-controller': 'control',
  'lyap-alerter': 'alert',
  'lyap-trainer': 'train',
};

type Labels = Record<string, string>;
interface Container {
  name: string;
  image: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { exec: { command: string[] } };
  livenessProbe?: { exec: { command: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Labels };
  spec: {
    containers: Container[];
    restartPolicy?: string;
    volumes?: { name: string; secret?: { secretName: string } }[];
  };
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec?: {
    selector?: { matchLabels: Labels };
    template?: PodTemplate;
    scaleTargetRef?: { kind: string; name: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers?: { type: string; metadata: Record<string, string> }[];
    jobLabel?: string;
    podMetricsEndpoints?: {
      port: string;
      path: string;
      scheme?: string;
      tlsConfig?: { serverName?: string; ca?: { secret?: { name: string; key: string } } };
      basicAuth?: { password?: { secret?: { name: string; key: string } } };
    }[];
  };
}
interface Kustomization {
  namespace: string;
  resources: string[];
  configMapGenerator: { name: string; literals: string[] }[];
  images: { name: string }[];
}

const kustomization = readYaml(join(DIR, 'kustomization.yaml')) as Kustomization;
const resources: Resource[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => doc.toJS() as Resource),
);
const pods = resources.filter((r) => r.spec?.template !== undefined);
const configLiterals = new Map(
  kustomization.configMapGenerator.flatMap((g) =>
    g.literals.map((l) => [`${g.name}/${l.split('=')[0] ?? ''}`, l.slice(l.indexOf('=') + 1)] as const),
  ),
);

function matches(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe('deploy/k8s > kustomize manifests', () => {
  it('lists every manifest of the folder as a resource, and only those', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort();
    assert.deepEqual([...kustomization.resources].sort(), files);
  });

  it('gives every resource a known kind with its apiVersion and a name, in the kustomization namespace', () => {
    for (const r of resources) {
      assert.equal(r.apiVersion, API_VERSION[r.kind], `${r.kind} ${r.metadata.name}`);
      assert.match(r.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      assert.ok(r.metadata.namespace === undefined || r.metadata.namespace === kustomization.namespace);
    }
    const namespace = resources.find((r) => r.kind === 'Namespace');
    assert.equal(namespace?.metadata.name, kustomization.namespace);
  });

  it('has a processor and a controller Deployment and a trainer Job whose selectors match their pods', () => {
    const byName = new Map(pods.map((r) => [r.spec?.template?.metadata.labels['app.kubernetes.io/name'], r]));
    assert.equal(byName.get('lyap-processor')?.kind, 'Deployment');
    assert.equal(byName.get('lyap-controller')?.kind, 'Deployment');
    assert.equal(byName.get('lyap-trainer')?.kind, 'Job');
    for (const r of pods) {
      const labels = r.spec?.template?.metadata.labels ?? {};
      if (r.kind === 'Deployment') {
        const selector = r.spec?.selector?.matchLabels ?? {};
        assert.ok(
          Object.keys(selector).length > 0 && matches(selector, labels),
          `${r.metadata.name} selector`,
        );
      } else {
        assert.equal(r.spec?.template?.spec.restartPolicy, 'Never');
      }
    }
  });

  it('runs the lyap command of each role with the brokers from the config map and the metrics port', () => {
    for (const r of pods) {
      const template = r.spec?.template;
      assert.ok(template);
      const role = template.metadata.labels['app.kubernetes.io/name'] ?? '';
      const [container] = template.spec.containers;
      assert.ok(container, `${r.metadata.name} has a container`);
      assert.equal(container.image, kustomization.images[0]?.name, 'the image kustomize sets');
      assert.equal(container.args[0], ROLE_COMMAND[role], `${role} command`);
      const flag = (name: string): string | undefined => container.args[container.args.indexOf(name) + 1];
      assert.equal(flag('--brokers'), '$(KAFKA_BROKERS)');
      assert.equal(flag('--metrics-port'), '9464');
      const ref = container.env?.find((e) => e.name === 'KAFKA_BROKERS')?.valueFrom?.configMapKeyRef;
      assert.ok(
        ref && configLiterals.has(`${ref.name}/${ref.key}`),
        `${role}: KAFKA_BROKERS from the generated config map`,
      );
      assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: 9464 }]);
      if (r.kind === 'Deployment') {
        // With --web-config every path needs TLS and the password: the probes are node one-liners.
        assert.match(
          container.readinessProbe?.exec.command.join(' ') ?? '',
          /https.*path: '\/readyz'.*metrics-password/,
        );
        assert.match(
          container.livenessProbe?.exec.command.join(' ') ?? '',
          /https.*path: '\/healthz'.*metrics-password/,
        );
      }
    }
  });

  it('logs each pod in to Kafka as its role from its secret, with the CA, and serves /metrics with the web config', () => {
    for (const r of pods) {
      const template = r.spec?.template;
      assert.ok(template);
      const role = (template.metadata.labels['app.kubernetes.io/name'] ?? '').replace('lyap-', '');
      const [container] = template.spec.containers;
      assert.ok(container);
      const env = new Map((container.env ?? []).map((e) => [e.name, e.value]));
      assert.equal(env.get('KAFKA_SASL_MECHANISM'), 'scram-sha-512', role);
      assert.equal(env.get('KAFKA_SASL_USERNAME'), role);
      assert.equal(env.get('KAFKA_SSL_CA_FILE'), '/etc/lyap/tls/ca.pem');
      const secretAt = (path: string): string | undefined => {
        const mount = container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
        return template.spec.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName;
      };
      assert.equal(secretAt(env.get('KAFKA_SASL_PASSWORD_FILE') ?? ''), `lyap-kafka-${role}`);
      assert.equal(secretAt('/etc/lyap/tls/web.yml'), 'lyap-tls');
      assert.equal(container.args[container.args.indexOf('--web-config') + 1], '/etc/lyap/tls/web.yml');
      assert.equal(
        container.args[container.args.indexOf('--metrics-host') + 1],
        '0.0.0.0',
        'reachable by Prometheus',
      );
      if (role === 'controller' || role === 'trainer') {
        assert.equal(secretAt(env.get('LYAP_CONTROL_KEYS_FILE') ?? ''), 'lyap-control-keys', role);
      }
    }
    assert.ok(!resources.some((r) => r.kind === 'Secret'), 'no secret is committed');
  });

  it('scrapes every pod with one PodMonitor whose job label gives the job names of prometheus.yml', () => {
    const monitor = resources.find((r) => r.kind === 'PodMonitor');
    assert.ok(monitor?.spec?.selector);
    assert.equal(monitor.spec.jobLabel, 'app.kubernetes.io/name');
    assert.deepEqual(
      monitor.spec.podMetricsEndpoints?.map((e) => [e.port, e.path, e.scheme, e.tlsConfig?.serverName]),
      [['metrics', '/metrics', 'https', 'lyap-metrics']],
    );
    assert.equal(monitor.spec.podMetricsEndpoints?.[0]?.basicAuth?.password?.secret?.name, 'lyap-tls');
    const prometheus = readYaml('deploy/prometheus/prometheus.yml') as {
      scrape_configs: { job_name: string }[];
    };
    const jobs = new Set(prometheus.scrape_configs.map((j) => j.job_name));
    for (const r of pods) {
      const labels = r.spec?.template?.metadata.labels ?? {};
      assert.ok(matches(monitor.spec.selector.matchLabels, labels), `${r.metadata.name} is selected`);
      assert.ok(
        jobs.has(labels['app.kubernetes.io/name'] ?? ''),
        `${r.metadata.name}: job name as in prometheus.yml`,
      );
    }
  });

  it('scales the processor Deployment by the lag of the processor consumer group (KEDA)', () => {
    const scaled = resources.find((r) => r.kind === 'ScaledObject');
    assert.ok(scaled?.spec);
    const processor = pods.find(
      (r) => r.spec?.template?.metadata.labels['app.kubernetes.io/name'] === 'lyap-processor',
    );
    assert.equal(scaled.spec.scaleTargetRef?.kind, 'Deployment');
    assert.equal(scaled.spec.scaleTargetRef.name, processor?.metadata.name);
    assert.ok((scaled.spec.minReplicaCount ?? 0) >= 1);
    assert.ok((scaled.spec.maxReplicaCount ?? 0) >= (scaled.spec.minReplicaCount ?? 0));
    const [trigger] = scaled.spec.triggers ?? [];
    assert.equal(trigger?.type, 'kafka');
    assert.equal(trigger.metadata['consumerGroup'], resolveProcessorConfig().groupId);
    assert.equal(trigger.metadata['bootstrapServers'], configLiterals.get('lyap-config/KAFKA_BROKERS'));
    assert.match(trigger.metadata['lagThreshold'] ?? '', /^\d+$/);
  });
});
