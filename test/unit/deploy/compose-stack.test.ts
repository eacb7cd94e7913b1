import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderDashboards } from '../../../src/dashboards/index.js';
import { requireTool, run } from '../../helpers/prometheus.js';
import { readYaml } from './support.js';

const DEPLOY = 'deploy';
const COMPOSE = join(DEPLOY, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  profiles?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  depends_on?: Record<string, unknown> | string[];
}
const compose = readYaml(COMPOSE) as { services: Record<string, Service> };
const services = compose.services;
const prometheusConfig = readYaml(join(DEPLOY, 'prometheus/prometheus.yml')) as {
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
};

/** A compose bind mount `host:container[:ro]` as [absolute host path, container path]. */
function mounts(service: Service): [string, string][] {
  return (service.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([host]) => host !== undefined && host.startsWith('.'))
    .map(([host, container]) => [resolve(DEPLOY, host ?? ''), container ?? '']);
}

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

describe('deploy > docker-compose stack', () => {
  it('is a valid compose file (docker-compose config)', async (t) => {
    const tool = requireTool(t, 'docker-compose');
    if (tool === undefined) return;
    const r = await run(tool, ['-f', COMPOSE, 'config', '--quiet']);
    assert.equal(r.code, 0, r.output);
  });

  it('has Kafka, Prometheus, Alertmanager, Grafana, the three roles and an optional GPU trainer', () => {
    for (const name of [
      'kafka',
      'processor',
      'controller',
      'trainer',
      'prometheus',
      'alertmanager',
      'grafana',
    ]) {
      assert.ok(services[name], name);
    }
    assert.match(services['kafka']?.image ?? '', /^apache\/kafka:/);
    const gpu = services['gpu-trainer'];
    assert.deepEqual(gpu?.profiles, ['gpu']);
    assert.equal(gpu.build?.dockerfile, 'deploy/gpu-trainer.Dockerfile');
  });

  it('builds the project image from deploy/Dockerfile and runs each role with --brokers and --metrics-port', () => {
    const roles: [string, string | undefined][] = [
      ['processor', 'process'],
      ['controller', 'control'],
      ['alerter', 'alert'],
      ['trainer', 'train'],
      ['gpu-trainer', undefined],
    ];
    for (const [name, command] of roles) {
      const service = services[name];
      assert.ok(service?.build && service.command, name);
      assert.ok(
        existsSync(resolve(DEPLOY, service.build.context, service.build.dockerfile)),
        `${name} Dockerfile`,
      );
      if (command !== undefined) {
        assert.equal(service.build.dockerfile, 'deploy/Dockerfile');
        assert.equal(service.command[0], command);
      }
      assert.equal(flag(service.command, '--brokers'), 'kafka:9092', name);
      assert.equal(flag(service.command, '--metrics-port'), '9464', name);
    }
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:20-slim/m);
    assert.match(dockerfile, /npm ci/);
    assert.match(dockerfile, /ENTRYPOINT \["node", "\/app\/bin\/lyap\.js"\]/);
  });

  it('mounts only files that exist, and Prometheus scrapes the compose services on the metrics port', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [host] of mounts(service)) assert.ok(existsSync(host), `${name}: ${host}`);
    }
    for (const job of prometheusConfig.scrape_configs) {
      for (const sd of job.dns_sd_configs ?? []) {
        assert.equal(sd.port, 9464, job.job_name);
        for (const host of sd.names)
          assert.ok(services[host], `${job.job_name}: ${host} is a compose service`);
      }
    }
    const jobs = prometheusConfig.scrape_configs.map((j) => j.job_name);
    for (const job of ['lyap-processor', 'lyap-controller', 'lyap-alerter', 'lyap-trainer'])
      assert.ok(jobs.includes(job), job);
    const [alertmanager] = prometheusConfig.alerting.alertmanagers[0]?.static_configs[0]?.targets ?? [];
    assert.equal(alertmanager, 'alertmanager:9093');
    assert.ok(services['alertmanager']);
  });

  it('logs each role in to Kafka as its own user with its password as a secret, and serves /metrics with the web config', () => {
    const secrets = (compose as unknown as { secrets: Record<string, { file: string }> }).secrets;
    for (const [name, user] of [
      ['processor', 'processor'],
      ['controller', 'controller'],
      ['alerter', 'alerter'],
      ['trainer', 'trainer'],
      ['gpu-trainer', 'trainer'],
    ] as const) {
      const service = services[name];
      assert.ok(service?.environment && service.command, name);
      assert.equal(service.environment['KAFKA_SASL_USERNAME'], user, name);
      assert.equal(service.environment['KAFKA_SASL_MECHANISM'], 'scram-sha-512', name);
      assert.equal(
        service.environment['KAFKA_SASL_PASSWORD_FILE'],
        `/run/secrets/kafka-${user}.password`,
        name,
      );
      assert.equal(service.environment['KAFKA_SSL_CA_FILE'], '/run/secrets/ca.pem', name);
      assert.ok(
        service.secrets?.includes(`kafka-${user}.password`) && service.secrets.includes('web.yml'),
        name,
      );
      assert.equal(flag(service.command, '--web-config'), '/run/secrets/web.yml', name);
    }
    // Every secret is a file npm run deploy:secrets makes in deploy/secrets/, which git ignores.
    for (const [name, { file }] of Object.entries(secrets)) assert.equal(file, `./secrets/${name}`);
    assert.match(readFileSync('.gitignore', 'utf8'), /^deploy\/secrets\/$/m);
    const kafka = services['kafka'];
    for (const user of ['broker', 'admin', 'trainer', 'processor', 'controller', 'alerter', 'viewer']) {
      assert.ok(kafka?.secrets?.includes(`kafka-${user}.password`), `kafka creates the ${user} user`);
    }
    const setup = services['kafka-setup'];
    assert.ok(mounts(setup ?? {}).some(([host]) => host === resolve(DEPLOY, 'kafka/acls.sh')));
  });

  it('routes Alertmanager to the example webhook receiver service', () => {
    const config = readYaml(join(DEPLOY, 'alertmanager/alertmanager.yml')) as {
      receivers: { name: string; webhook_configs?: { url: string }[] }[];
    };
    const webhook = services['alert-webhook'];
    assert.ok(webhook);
    const port = webhook.environment?.['PORT'];
    for (const receiver of config.receivers) {
      for (const { url } of receiver.webhook_configs ?? []) {
        assert.equal(new URL(url).host, `alert-webhook:${port ?? ''}`, receiver.name);
      }
    }
  });

  it('provisions Grafana with the Prometheus datasource the dashboards select and the committed dashboards', () => {
    const grafana = services['grafana'];
    assert.ok(grafana);
    const datasources = readYaml(join(DEPLOY, 'grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    const prom = datasources.datasources.find((d) => d.type === 'prometheus');
    assert.equal(prom?.url, 'http://prometheus:9090');
    for (const { text } of renderDashboards()) {
      const dashboard = JSON.parse(text) as {
        templating: { list: { type: string; current?: { value: string } }[] };
      };
      const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
      assert.equal(
        variable?.current?.value,
        prom.uid,
        'the datasource variable defaults to the provisioned uid',
      );
    }
    const provider = (
      readYaml(join(DEPLOY, 'grafana/provisioning/dashboards/lyapunov-pipeline.yml')) as {
        providers: { type: string; options: { path: string } }[];
      }
    ).providers[0];
    const dashboardsMount = mounts(grafana).find(([host]) => host === resolve('dashboards'));
    assert.ok(dashboardsMount, 'the repository dashboards/ is mounted');
    assert.equal(provider?.options.path, dashboardsMount[1]);
    assert.ok(
      mounts(grafana).some(
        ([host, container]) =>
          host === resolve(DEPLOY, 'grafana/provisioning') && container === '/etc/grafana/provisioning',
      ),
    );
  });
});
