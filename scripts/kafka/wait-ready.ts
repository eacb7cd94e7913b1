import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

export interface WaitReadyOptions {
  readonly bootstrap: string;
  /** Brokers that must be registered and unfenced. */
  readonly brokers: number;
  readonly timeoutMs?: number;
  /** Polled between attempts: a reason to give up at once (e.g. the JVM exited). */
  readonly failed?: () => string | undefined;
  /** A secured cluster: TLS trusting this CA, SCRAM-SHA-512 as this user. */
  readonly caFile?: string;
  readonly sasl?: { readonly username: string; readonly password: string };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the cluster answers a metadata request listing `brokers` brokers and can
 * host a consumer group (the group coordinator, i.e. `__consumer_offsets`, is up), so
 * the first test does not pay for that.
 */
export async function waitUntilReady(options: WaitReadyOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const kafka = new Kafka({
    clientId: 'lyap-wait-ready',
    brokers: options.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
    ...(options.caFile === undefined ? {} : { ssl: { ca: [readFileSync(options.caFile)] } }),
    ...(options.sasl === undefined ? {} : { sasl: { mechanism: 'scram-sha-512', ...options.sasl } }),
  });
  let last = 'no answer yet';
  for (;;) {
    const reason = options.failed?.();
    if (reason !== undefined) throw new Error(reason);
    if (Date.now() > deadline) {
      throw new Error(
        `Kafka at ${options.bootstrap} not ready after ${options.timeoutMs ?? 120_000} ms: ${last}`,
      );
    }
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length < options.brokers) {
        last = `${cluster.brokers.length} of ${options.brokers} brokers registered`;
      } else {
        await admin.describeGroups(['lyap-wait-ready']);
        return;
      }
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(250);
  }
}
