import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { z } from 'zod';
import { LyapError } from '../errors.js';

/**
 * The `web.config` file of the Prometheus exporters (exporter-toolkit,
 * docs/security.md): `tls_server_config` and `basic_auth_users` with bcrypt hashes. Keys
 * of that format `lyap` does not implement are refused, not ignored.
 */
const TlsServerConfig = z.strictObject({
  cert_file: z.string().min(1),
  key_file: z.string().min(1),
  client_auth_type: z.enum(['NoClientCert', 'RequireAndVerifyClientCert']).default('NoClientCert'),
  client_ca_file: z.string().min(1).optional(),
  min_version: z.enum(['TLS12', 'TLS13']).optional(),
  max_version: z.enum(['TLS12', 'TLS13']).optional(),
});

const BCRYPT_HASH = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

const WebConfigFile = z.strictObject({
  tls_server_config: TlsServerConfig.optional(),
  basic_auth_users: z
    .record(
      z
        .string()
        .min(1)
        .regex(/^[^:]+$/, { error: 'a user name may not hold ":"' }),
      z.string().regex(BCRYPT_HASH, { error: 'expected a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)' }),
    )
    .optional(),
});

/** A web config, loaded: the TLS options of the server (files read) and the users' hashes. */
export interface WebConfig {
  readonly source: string;
  readonly tls?: TlsOptions;
  readonly users?: ReadonlyMap<string, string>;
}

const VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/** Reads and checks `path`; relative file names in it are relative to its folder (as exporter-toolkit does). */
export function loadWebConfig(path: string): WebConfig {
  const invalid = (message: string, cause?: unknown): LyapError =>
    new LyapError('LYAP_E_CONFIG', `--web-config ${path}: ${message}`, cause === undefined ? {} : { cause });
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (cause) {
    throw invalid(
      cause instanceof Error ? (cause.message.split('\n')[0] ?? 'unreadable') : 'unreadable',
      cause,
    );
  }
  const parsed = WebConfigFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    const keys =
      issue?.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')}: not supported by lyap)` : '';
    throw invalid(`${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}${keys}`);
  }
  const config = parsed.data;
  const dir = dirname(path);
  const file = (key: string, name: string): Buffer => {
    try {
      return readFileSync(resolve(dir, name));
    } catch (cause) {
      throw invalid(`tls_server_config.${key} ${name} cannot be read`, cause);
    }
  };
  let tls: TlsOptions | undefined;
  const t = config.tls_server_config;
  if (t !== undefined) {
    const verifyClients = t.client_auth_type === 'RequireAndVerifyClientCert';
    if (verifyClients && t.client_ca_file === undefined) {
      throw invalid('tls_server_config.client_ca_file is required with RequireAndVerifyClientCert');
    }
    const context: SecureContextOptions = {
      cert: file('cert_file', t.cert_file),
      key: file('key_file', t.key_file),
      ...(t.client_ca_file === undefined ? {} : { ca: file('client_ca_file', t.client_ca_file) }),
      minVersion: VERSIONS[t.min_version ?? 'TLS12'],
      ...(t.max_version === undefined ? {} : { maxVersion: VERSIONS[t.max_version] }),
    };
    tls = { ...context, requestCert: verifyClients, rejectUnauthorized: verifyClients };
  }
  const users =
    config.basic_auth_users === undefined ? undefined : new Map(Object.entries(config.basic_auth_users));
  return { source: path, ...(tls === undefined ? {} : { tls }), ...(users === undefined ? {} : { users }) };
}

/** A hash no password matches, compared against when the user is unknown, so that unknown and known users take as long. */
const DUMMY_HASH = '$2b$10$ZZgfVIq6Cn2VEJELcnJZq.Obp/ffXIHtVUu6VVCWtOpY.bLU7DQZG';

/**
 * Basic authentication against bcrypt hashes, answering 401 (with `WWW-Authenticate`) to a
 * request without valid credentials. A successful check is remembered per user, password
 * and hash (as exporter-toolkit caches it), so that a scrape every few seconds does not pay
 * bcrypt each time; the cache holds at most `cacheSize` entries.
 */
export function basicAuth(
  users: ReadonlyMap<string, string>,
  options: { realm?: string; cacheSize?: number } = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const verified = new Set<string>();
  const cacheSize = options.cacheSize ?? 256;
  const refuse = (res: ServerResponse): false => {
    res
      .writeHead(401, {
        'content-type': 'text/plain',
        'www-authenticate': `Basic realm="${options.realm ?? 'lyap'}", charset="UTF-8"`,
      })
      .end('unauthorized\n');
    return false;
  };
  return async (req, res) => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    if (match === null) return refuse(res);
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return refuse(res);
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = users.get(user);
    const key = createHash('sha256')
      .update(`${user}\0${password}\0${hash ?? ''}`)
      .digest('hex');
    if (hash !== undefined && verified.has(key)) return true;
    const ok = (await bcrypt.compare(password, hash ?? DUMMY_HASH)) && hash !== undefined;
    if (!ok) return refuse(res);
    if (verified.size >= cacheSize) verified.delete(verified.values().next().value ?? key);
    verified.add(key);
    return true;
  };
}
