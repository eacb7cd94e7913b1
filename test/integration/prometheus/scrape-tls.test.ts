// The metrics endpoint with TLS and basic authentication (`--web-config`, the exporter
// web.config format), scraped by Debian's real Prometheus with the auth settings of
// deploy/prometheus/prometheus.yml; promtool checks the web config as exporter-toolkit would.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { parse, stringify } from 'yaml';
import { issueCertificate, makeCertificateAuthority } from '../../../scripts/kafka/certificates.js';
import { listen, loadWebConfig, LyapMetrics, metricsApp } from '../../../src/metrics/index.js';
import { pollUntil, requireTool, run, startPrometheus, type PromSample } from '../../helpers/prometheus.js';

interface Job {
  job_name: string;
  scheme?: string;
  tls_config?: { ca_file?: string; server_name?: string };
  basic_auth?: { username?: string; password_file?: string };
  [key: string]: unknown;
}

const dir = mkdtempSync(join(tmpdir(), 'lyap-scrape-tls-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('prometheus > scraping /metrics over TLS with basic auth (deploy/prometheus/prometheus.yml)', () => {
  it('scrapes with the deployment settings; a wrong password and plain HTTP are refused', async (t) => {
    const prometheusBinary = requireTool(t, 'prometheus');
    const promtool = requireTool(t, 'promtool');
    if (prometheusBinary === undefined || promtool === undefined) return;

    // The deployment's material: a CA, the roles' certificate for the name Prometheus checks, a password.
    const ca = makeCertificateAuthority(dir, 'ca');
    issueCertificate(ca, dir, 'metrics', { commonName: 'lyap-metrics', hosts: ['lyap-metrics'] });
    const password = randomBytes(12).toString('hex');
    writeFileSync(join(dir, 'metrics-password'), `${password}\n`);
    writeFileSync(join(dir, 'wrong-password'), 'not-it\n');
    const webConfig = join(dir, 'web.yml');
    writeFileSync(
      webConfig,
      stringify({
        tls_server_config: { cert_file: 'metrics.pem', key_file: 'metrics.key' },
        basic_auth_users: { prometheus: bcrypt.hashSync(password, 10) },
      }),
    );
    const check = await run(promtool, ['check', 'web-config', webConfig]);
    assert.equal(check.code, 0, `promtool accepts the web config: ${check.output}`);

    const metrics = new LyapMetrics();
    const server = await listen(
      metricsApp({ render: () => metrics.render(), contentType: metrics.registry.contentType }),
      { webConfig: loadWebConfig(webConfig) },
    );
    const target = server.url.replace('https://', '');
    const deployed = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as {
      scrape_configs: Job[];
    };
    const job = deployed.scrape_configs.find((j) => j.job_name === 'lyap-processor');
    assert.ok(job, 'prometheus.yml has a lyap-processor job');
    assert.equal(job.scheme, 'https');
    assert.equal(job.basic_auth?.username, 'prometheus');
    assert.ok(job.basic_auth?.password_file !== undefined && job.tls_config?.ca_file !== undefined);
    assert.equal(job.tls_config.server_name, 'lyap-metrics');
    for (const j of deployed.scrape_configs.filter((x) => x.job_name.startsWith('lyap-'))) {
      assert.deepEqual(
        [j.scheme, j.basic_auth, j.tls_config],
        [job.scheme, job.basic_auth, job.tls_config],
        j.job_name,
      );
    }
    // The deployed job as it is, but for its files (here, not /etc/prometheus/secrets) and its target.
    const aimed = (name: string, passwordFile: string, scheme: string = job.scheme ?? ''): Job => ({
      job_name: name,
      scrape_interval: '1s',
      scheme,
      tls_config: { ...job.tls_config, ca_file: ca.certFile },
      basic_auth: { ...job.basic_auth, password_file: passwordFile },
      static_configs: [{ targets: [target] }],
    });
    const prometheus = await startPrometheus({
      binary: prometheusBinary,
      dir: join(dir, 'prometheus'),
      config: stringify({
        global: { scrape_interval: '1s' },
        scrape_configs: [
          aimed('lyap-processor', join(dir, 'metrics-password')),
          aimed('wrong-password', join(dir, 'wrong-password')),
          aimed('plain-http', join(dir, 'metrics-password'), 'http'),
        ],
      }),
    });
    try {
      const up = await pollUntil('three scrapes', async () => {
        const answer = await prometheus.api('/api/v1/query', { query: 'up' });
        const samples = (answer.data as { result: PromSample[] } | undefined)?.result ?? [];
        return samples.length === 3
          ? new Map(samples.map((s) => [s.metric['job'], s.value?.[1]]))
          : undefined;
      });
      assert.equal(up.get('lyap-processor'), '1', `scraped over TLS with the password: ${prometheus.log()}`);
      assert.equal(up.get('wrong-password'), '0', 'a wrong password is refused');
      assert.equal(up.get('plain-http'), '0', 'plain HTTP is refused');
      const rss = await prometheus.api('/api/v1/query', {
        query: 'process_resident_memory_bytes{job="lyap-processor"}',
      });
      assert.equal((rss.data as { result: PromSample[] }).result.length, 1, 'the metrics are in Prometheus');
    } finally {
      await prometheus.stop();
      await server.close();
    }
  });
});
