import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate, makeCertificateAuthority, pkcs12Keystore } from './certificates.js';
import { ADMIN_USER, BROKER_USER, ROLES, type Role } from './roles.js';

/** The common name of the brokers' certificate: also their principal on the mTLS controller listener. */
export const BROKER_COMMON_NAME = 'lyap-broker';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * What a secured local cluster is made with: a CA, the brokers' certificate (a PKCS#12
 * keystore for the JVM), and the SCRAM-SHA-512 users created at format time, one per role,
 * an admin and the brokers' own. Kept in `<dir>/security.json` (mode 0600) so that a
 * restart finds the same.
 */
export interface BrokerSecurity {
  readonly dir: string;
  /** The CA certificate clients trust (`KAFKA_SSL_CA_FILE`). */
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly keystoreFile: string;
  readonly keystorePassword: string;
  readonly broker: Credentials;
  readonly admin: Credentials;
  readonly users: Readonly<Record<Role, Credentials>>;
}

const secret = (): string => randomBytes(18).toString('base64url');

/** Makes the material in `dir` the first time, reads it back afterwards. */
export function brokerSecurity(dir: string): BrokerSecurity {
  const file = join(dir, 'security.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as BrokerSecurity;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = makeCertificateAuthority(dir, 'ca');
  const brokerCert = issueCertificate(ca, dir, 'broker', {
    commonName: BROKER_COMMON_NAME,
    hosts: ['127.0.0.1', 'localhost'],
  });
  const keystorePassword = secret();
  const keystoreFile = pkcs12Keystore(brokerCert, join(dir, 'broker.p12'), keystorePassword);
  const security: BrokerSecurity = {
    dir,
    caFile: ca.certFile,
    caKeyFile: ca.keyFile,
    keystoreFile,
    keystorePassword,
    broker: { username: BROKER_USER, password: secret() },
    admin: { username: ADMIN_USER, password: secret() },
    users: Object.fromEntries(ROLES.map((role) => [role, { username: role, password: secret() }])) as Record<
      Role,
      Credentials
    >,
  };
  writeFileSync(file, `${JSON.stringify(security, null, 2)}\n`, { mode: 0o600 });
  for (const f of [ca.keyFile, brokerCert.keyFile, keystoreFile]) chmodSync(f, 0o600);
  return security;
}

/** Every user to create at format time (`StorageTool format --add-scram`). */
export function scramUsers(security: BrokerSecurity): Credentials[] {
  return [security.broker, security.admin, ...ROLES.map((r) => security.users[r])];
}

/** The `KAFKA_*` settings of a client logging in as `user` (docs/kafka.md). */
export function clientEnv(
  security: BrokerSecurity,
  bootstrap: string,
  user: Credentials,
): Record<string, string> {
  return {
    KAFKA_BROKERS: bootstrap,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: user.username,
    KAFKA_SASL_PASSWORD: user.password,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: security.caFile,
  };
}
