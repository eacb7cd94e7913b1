// npm run deploy:secrets [-- --out deploy/secrets] — the secrets of deploy/docker-compose.yml and
// deploy/k8s (docs/security.md), made here, never committed: a CA; the Kafka broker's
// certificate (for `kafka` and `localhost`) as a PKCS#12 keystore with its password; a SCRAM
// password per Kafka user (the roles, admin, broker); the metrics servers' certificate (for the
// name `lyap-metrics`), the scrape user and password and the web.config with its bcrypt hash; the
// control keys. Secrets are written without a trailing newline. Existing files are kept, so
// running it again changes nothing.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { issueCertificate, makeCertificateAuthority, pkcs12Keystore } from './kafka/certificates.js';
import { BROKER_COMMON_NAME } from './kafka/broker-security.js';
import { REPO_ROOT } from './kafka/kafka-paths.js';
import { ADMIN_USER, BROKER_USER, ROLES } from './kafka/roles.js';
import { scriptArgs } from './script-args.js';

const { values } = scriptArgs({
  name: 'deploy:secrets',
  usage: `Usage: npm run deploy:secrets -- [--out deploy/secrets]

Makes the secrets deploy/docker-compose.yml and deploy/k8s read (docs/security.md): a CA, the
broker's keystore, a SCRAM password per Kafka user, the metrics servers' certificate, scrape user
and web.config, the control keys. Files that exist are kept.

  --out <dir>  where to write them (default deploy/secrets)`,
  options: { out: { type: 'string', default: join(REPO_ROOT, 'deploy', 'secrets') } },
});
const dir = resolve(values.out);
mkdirSync(dir, { recursive: true, mode: 0o700 });
const path = (name: string): string => join(dir, name);
const secret = (): string => randomBytes(18).toString('base64url');
const firstLine = (name: string): string => readFileSync(path(name), 'utf8').split('\n')[0] ?? '';
const once = (name: string, make: () => void): void => {
  if (existsSync(path(name))) return;
  make();
  chmodSync(path(name), 0o600);
  console.log(`wrote ${path(name)}`);
};

if (!existsSync(path('ca.pem'))) makeCertificateAuthority(dir, 'ca', 825);
once('kafka-keystore-password', () => {
  writeFileSync(path('kafka-keystore-password'), secret());
});
once('kafka-broker.p12', () => {
  const cert = issueCertificate({ certFile: path('ca.pem'), keyFile: path('ca.key') }, dir, 'kafka-broker', {
    commonName: BROKER_COMMON_NAME,
    hosts: ['kafka', 'localhost'],
    days: 825,
  });
  const password = firstLine('kafka-keystore-password');
  pkcs12Keystore(cert, path('kafka-broker.p12'), password);
});
for (const user of [BROKER_USER, ADMIN_USER, ...ROLES]) {
  once(`kafka-${user}.password`, () => {
    writeFileSync(path(`kafka-${user}.password`), secret());
  });
}
once('metrics.pem', () =>
  issueCertificate({ certFile: path('ca.pem'), keyFile: path('ca.key') }, dir, 'metrics', {
    commonName: 'lyap-metrics',
    hosts: ['lyap-metrics', 'localhost'],
    days: 825,
  }),
);
once('metrics-user', () => {
  writeFileSync(path('metrics-user'), 'prometheus');
});
once('metrics-password', () => {
  writeFileSync(path('metrics-password'), secret());
});
once('web.yml', () => {
  writeFileSync(
    path('web.yml'),
    stringify({
      tls_server_config: { cert_file: 'metrics.pem', key_file: 'metrics.key' },
      basic_auth_users: { prometheus: bcrypt.hashSync(firstLine('metrics-password'), 10) },
    }),
  );
});
once('control-keys', () => {
  writeFileSync(path('control-keys'), `k${new Date().toISOString().slice(0, 7)}:${secret()}\n`);
});
console.log(`secrets in ${dir} (docs/security.md says where each goes)`);
