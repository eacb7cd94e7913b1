import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { issueCertificate, makeCertificateAuthority } from '../../../scripts/kafka/certificates.js';
import { isLyapError } from '../../../src/errors.js';
import { listen, loadWebConfig, metricsApp } from '../../../src/metrics/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lyap-web-config-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
const ca = makeCertificateAuthority(dir, 'ca');
issueCertificate(ca, dir, 'server', { commonName: 'lyap-metrics', hosts: ['127.0.0.1'] });
const hash = bcrypt.hashSync('scrape-secret', 4);

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function get(
  url: string,
  auth?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: readFileSync(ca.certFile),
        headers: auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (s: string) => (body += s));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('metrics > web.config (exporter-toolkit format)', () => {
  it('serves HTTPS with the certificate and asks every path for basic auth against the bcrypt hashes', async () => {
    const config = write(
      'web.yml',
      `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  prometheus: '${hash}'\n`,
    );
    const server = await listen(
      metricsApp({ render: () => Promise.resolve('up 1\n'), contentType: 'text/plain' }),
      { webConfig: loadWebConfig(config) },
    );
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const anonymous = await get(`${server.url}/metrics`);
      assert.equal(anonymous.status, 401);
      assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="lyap"/);
      assert.equal((await get(`${server.url}/healthz`, 'prometheus:wrong')).status, 401);
      assert.equal((await get(`${server.url}/metrics`, 'nobody:scrape-secret')).status, 401);
      const ok = await get(`${server.url}/metrics`, 'prometheus:scrape-secret');
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'up 1\n');
      assert.equal((await get(`${server.url}/metrics`, 'prometheus:scrape-secret')).status, 200, 'cached');
      await assert.rejects(fetch(`${server.url.replace('https', 'http')}/metrics`), 'no plain HTTP');
    } finally {
      await server.close();
    }
  });

  it('refuses keys it does not implement, bad hashes, unreadable files and a client CA missing for client certificates', () => {
    const cases: [string, RegExp][] = [
      [
        'http_server_config:\n  http2: false\n',
        /unrecognized key.*http_server_config: not supported by lyap/i,
      ],
      ["basic_auth_users:\n  p: 'plain-password'\n", /basic_auth_users\.p: expected a bcrypt hash/],
      [
        'tls_server_config:\n  cert_file: missing.pem\n  key_file: server.key\n',
        /tls_server_config\.cert_file missing\.pem cannot be read/,
      ],
      [
        'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n',
        /client_ca_file is required/,
      ],
      [
        'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequestClientCert\n',
        /client_auth_type/,
      ],
    ];
    for (const [i, [text, pattern]] of cases.entries()) {
      const path = write(`bad-${i}.yml`, text);
      assert.throws(
        () => loadWebConfig(path),
        (e: unknown) =>
          isLyapError(e, 'LYAP_E_CONFIG') &&
          pattern.test(e.message) &&
          e.message.startsWith(`--web-config ${path}: `),
        text,
      );
    }
  });
});
