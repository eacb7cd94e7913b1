import { LyapError } from '../../errors.js';

/** A message with the partition it goes to, chosen before sending. */
export interface PartitionedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
  readonly value: string | Buffer;
}

/** What the brokers acknowledged: one entry per topic partition of the produce requests. */
export interface PartitionAck {
  readonly topicName: string;
  readonly partition: number;
  readonly errorCode: number;
}

export interface AcknowledgedSendOptions {
  readonly messages: readonly PartitionedMessage[];
  /** One produce call (kafkajs `sendBatch` with explicit partitions); rejects on failure. */
  readonly send: (messages: readonly PartitionedMessage[]) => Promise<readonly PartitionAck[]>;
  /** Calls after which partitions still unacknowledged fail the send (default 5). */
  readonly maxAttempts?: number;
  /** Told of each partition a call resolved without acknowledging. */
  readonly onUnacknowledged?: (partitions: readonly string[], attempt: number) => void;
}

const where = (topic: string, partition: number): string => `${topic}[${partition}]`;

/**
 * Sends until every topic partition of `messages` is acknowledged without error. kafkajs's
 * `sendBatch` can resolve without having sent some partitions: when a leader dies mid-call,
 * its retry re-sends only to brokers that have not answered yet, so partitions that moved to
 * a broker which had already answered are dropped silently (kafkajs issue #1303; the fault
 * soak lost 43 messages that way). The partitions missing from the acknowledgements are sent
 * again; nothing acknowledged is sent twice.
 */
export async function sendAcknowledged(options: AcknowledgedSendOptions): Promise<void> {
  const attempts = options.maxAttempts ?? 5;
  let pending = options.messages;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const acks = await options.send(pending);
    const acknowledged = new Set(
      acks.filter((a) => a.errorCode === 0).map((a) => where(a.topicName, a.partition)),
    );
    const left = pending.filter((m) => !acknowledged.has(where(m.topic, m.partition)));
    if (left.length === 0) return;
    const partitions = [...new Set(left.map((m) => where(m.topic, m.partition)))];
    options.onUnacknowledged?.(partitions, attempt);
    if (attempt >= attempts) {
      throw new LyapError(
        'LYAP_E_KAFKA',
        `publishing: ${partitions.join(', ')} not acknowledged after ${attempts} produce calls (${left.length} messages)`,
        { context: { partitions } },
      );
    }
    pending = left;
  }
}
