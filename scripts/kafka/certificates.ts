import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A PEM certificate and its unencrypted PKCS#8 key, as files. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertificateOptions {
  /** The certificate's subject common name. */
  readonly commonName: string;
  /** subjectAltName entries: `127.0.0.1` (an IP) or `localhost` (a DNS name). */
  readonly hosts?: readonly string[];
  /** Validity, `YYYYMMDDHHMMSSZ`; default from an hour ago for `days` days. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly days?: number;
}

function openssl(args: readonly string[], cwd?: string): void {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.error !== undefined) throw new Error(`cannot run openssl (is it installed?): ${run.error.message}`);
  if (run.status !== 0) {
    throw new Error(`openssl ${args[0] ?? ''} failed (exit ${run.status}): ${run.stderr.trim()}`);
  }
}

/** `YYYYMMDDHHMMSSZ`, the form `openssl ca -startdate/-enddate` takes. */
export function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed CA (P-256) in `dir`: `<name>.pem` and `<name>.key`. */
export function makeCertificateAuthority(dir: string, name = 'ca', days = 30): CertificateFiles {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(days),
    '-subj',
    `/CN=lyap ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile };
}

/**
 * A leaf certificate signed by `ca`, usable as a TLS server and client certificate, for
 * `hosts`, with the validity asked for (an expired one included: `openssl ca` takes any
 * start and end dates, which `openssl x509 -req` does not). Written as `<name>.pem`
 * (the certificate, then the CA's) and `<name>.key` in `dir`.
 */
export function issueCertificate(
  ca: CertificateFiles,
  dir: string,
  name: string,
  options: CertificateOptions,
): CertificateFiles {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.openssl-'));
  try {
    const hosts = options.hosts ?? [];
    const altNames = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    writeFileSync(
      join(work, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = local',
        '[local]',
        'database = index.txt',
        'new_certs_dir = .',
        'serial = serial',
        'default_md = sha256',
        'policy = any',
        'unique_subject = no',
        '[any]',
        'commonName = supplied',
        '[leaf]',
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage = serverAuth,clientAuth',
        ...(altNames === '' ? [] : [`subjectAltName = ${altNames}`]),
        '',
      ].join('\n'),
    );
    writeFileSync(join(work, 'index.txt'), '');
    writeFileSync(join(work, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
    const keyFile = join(dir, `${name}.key`);
    const certFile = join(dir, `${name}.pem`);
    openssl(
      ['req', ...EC_KEY, '-keyout', keyFile, '-out', 'leaf.csr', '-subj', `/CN=${options.commonName}`],
      work,
    );
    const now = Date.now();
    const notBefore = options.notBefore ?? asn1Time(new Date(now - 3600_000));
    const notAfter = options.notAfter ?? asn1Time(new Date(now + (options.days ?? 30) * 86_400_000));
    openssl(
      [
        'ca',
        '-config',
        'ca.cnf',
        '-batch',
        '-notext',
        '-cert',
        ca.certFile,
        '-keyfile',
        ca.keyFile,
        '-in',
        'leaf.csr',
        '-out',
        certFile,
        '-startdate',
        notBefore,
        '-enddate',
        notAfter,
        '-extensions',
        'leaf',
      ],
      work,
    );
    return { certFile, keyFile };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The certificate and key as a PKCS#12 keystore (what the broker's JVM loads), under `password`. */
export function pkcs12Keystore(files: CertificateFiles, out: string, password: string): string {
  openssl([
    'pkcs12',
    '-export',
    '-in',
    files.certFile,
    '-inkey',
    files.keyFile,
    '-name',
    'lyap',
    '-out',
    out,
    '-passout',
    `pass:${password}`,
  ]);
  return out;
}
