import { isIP } from 'node:net';
import { checkServerIdentity, connect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { LyapError } from '../../errors.js';

export interface TlsPreflightOptions {
  readonly brokers: readonly string[];
  /** The client's TLS settings (CA, client certificate), as kafkajs gets them. */
  readonly tls: ConnectionOptions;
  /** A broker that has not finished the handshake by then is left to the Kafka client. */
  readonly timeoutMs?: number;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

const name = (fields: PeerCertificate['issuer'] | undefined): string =>
  fields?.CN === undefined ? 'an unnamed issuer' : `CN=${String(fields.CN)}`;

/** Why the certificate `cert` of `host` is refused, in words, or undefined when it is accepted. */
export function certificateProblem(
  host: string,
  cert: PeerCertificate,
  authorizationError: string | undefined,
): { code: string; why: string } | undefined {
  if (authorizationError === 'CERT_HAS_EXPIRED') {
    return { code: authorizationError, why: `the broker's certificate expired on ${cert.valid_to}` };
  }
  if (authorizationError === 'CERT_NOT_YET_VALID') {
    return {
      code: authorizationError,
      why: `the broker's certificate is not valid before ${cert.valid_from}`,
    };
  }
  if (authorizationError !== undefined && UNTRUSTED.has(authorizationError)) {
    return {
      code: authorizationError,
      why: `the broker's certificate (issued by ${name(cert.issuer)}) is not signed by a CA this client trusts (KAFKA_SSL_CA_FILE)`,
    };
  }
  if (authorizationError !== undefined && authorizationError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { code: authorizationError, why: `the broker's certificate is not trusted` };
  }
  if (authorizationError !== undefined || checkServerIdentity(host, cert) !== undefined) {
    return {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      why: `the broker's certificate is for ${cert.subjectaltname ?? name(cert.subject)}, not ${host}`,
    };
  }
  return undefined;
}

type Outcome = { ok: true } | { ok: false; definite: boolean; message: string; code: string };

function handshake(broker: string, tls: ConnectionOptions, timeoutMs: number): Promise<Outcome> {
  const cut = broker.lastIndexOf(':');
  const host = broker.slice(0, cut).replace(/^\[|\]$/g, '');
  const port = Number(broker.slice(cut + 1));
  return new Promise((resolve) => {
    const socket = connect({
      ...tls,
      host,
      port,
      rejectUnauthorized: false,
      ...(isIP(host) === 0 ? { servername: host } : {}),
    });
    const settle = (outcome: Outcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      settle({
        ok: false,
        definite: false,
        code: 'ETIMEDOUT',
        message: `no TLS handshake in ${timeoutMs} ms`,
      });
    }, timeoutMs);
    socket.once('secureConnect', () => {
      const authorizationError = socket.authorized ? undefined : String(socket.authorizationError);
      const problem = certificateProblem(host, socket.getPeerCertificate(), authorizationError);
      settle(
        problem === undefined
          ? { ok: true }
          : {
              ok: false,
              definite: true,
              code: problem.code,
              message: `TLS to ${broker}: ${problem.why} (${problem.code})`,
            },
      );
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ERR';
      // Refused or unreachable: the Kafka client retries those itself. A broken handshake is an answer.
      const definite = code === 'EPROTO' || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS');
      const reason = error.message.split('\n')[0] ?? code;
      settle({
        ok: false,
        definite,
        code,
        message: `TLS to ${broker}: the handshake failed: ${reason} (is it a TLS listener, and does it need a client certificate?)`,
      });
    });
  });
}

/**
 * One TLS handshake with the brokers before the Kafka client makes its own, so that a
 * certificate the client would refuse (untrusted CA, expired, issued for another host)
 * fails at once with a one-line `LYAP_E_KAFKA_AUTH` naming the cause, instead of as
 * connection errors the client retries for half a minute. A broker that cannot be reached
 * is skipped (the client retries those); when none answers, nothing is said here.
 */
export async function checkBrokerTls(options: TlsPreflightOptions): Promise<void> {
  for (const broker of options.brokers) {
    const outcome = await handshake(broker, options.tls, options.timeoutMs ?? 5000);
    if (outcome.ok) return;
    if (outcome.definite) {
      throw new LyapError('LYAP_E_KAFKA_AUTH', outcome.message, {
        context: { broker, tlsError: outcome.code },
      });
    }
  }
}
