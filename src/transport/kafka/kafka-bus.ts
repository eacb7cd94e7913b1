import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import { defer, from, mergeMap, throwError, type Observable } from 'rxjs';
import { LyapError } from '../../errors.js';
import type { Bus, BusMessage, ConsumeOptions, Delivery, OutgoingMessage } from '../bus.js';
import { sendAcknowledged, type PartitionedMessage } from './acknowledged-send.js';
import { BatchingProducer, type TopicBatch } from './batching-producer.js';
import { ensureTopics, type EnsureTopicsReport } from './ensure-topics.js';
import { consumeGroup } from './group-consumer.js';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import { readToEnd } from './read-to-end.js';
import { kafkaClientOptions } from './kafka-client-options.js';
import type { KafkaConfig } from './kafka-config.js';
import { kafkaError } from './kafka-errors.js';
import { checkBrokerTls } from './tls-preflight.js';
import { stderrLogger, type BusLogger, type LogLevelName } from './kafka-logger.js';
import { designTopicSpecs, resolveTopicSettings, topicSpec, type TopicSettings } from './topic-specs.js';

const { Kafka: KafkaClient, Partitioners } = kafkajs;

export interface KafkaProducerSettings {
  /** Messages accepted but not acknowledged by the brokers, above which `publish` waits. */
  readonly maxBufferedMessages?: number;
  readonly maxBatchMessages?: number;
  readonly maxBatchBytes?: number;
  readonly lingerMs?: number;
  /**
   * Retries of a failed produce request (at least 1, default 8: about 25 s with backoff,
   * enough for a partition leader to move) before `publish` rejects with `LYAP_E_KAFKA`.
   */
  readonly retries?: number;
}

export interface KafkaConsumerSettings {
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceTimeoutMs?: number;
  /** Longest a fetch waits at the broker for new records (also bounds how long stopping takes). */
  readonly maxWaitTimeMs?: number;
  /** Bytes per fetch response; with one response per broker, what a consumer holds at most. */
  readonly maxBytes?: number;
  readonly maxBatchSize?: number;
  /** On `close()`, how long the delivery in flight may take to be acked before it is given up. */
  readonly closeGraceMs?: number;
}

export interface KafkaBusOptions {
  readonly config: KafkaConfig;
  /** Where kafkajs and the bus log; default warnings and errors on stderr. */
  readonly logger?: BusLogger;
  readonly logLevel?: LogLevelName;
  readonly connectionTimeoutMs?: number;
  /** How often kafkajs retries a failed request before the call fails (default 5, with backoff). */
  readonly retries?: number;
  readonly topics?: Partial<TopicSettings>;
  /** Create a topic the first time it is published to or consumed (default true). */
  readonly createTopics?: boolean;
  readonly producer?: KafkaProducerSettings;
  readonly consumer?: KafkaConsumerSettings;
}

/**
 * The `Bus` over Kafka (kafkajs). Messages are keyed by run id, so a run stays in order
 * on one partition. Publishing goes through one idempotent producer (acks from all
 * in-sync replicas, one request in flight) that batches concurrent calls; `publish`
 * resolves once the brokers have the messages. Consuming is a consumer group read with
 * `eachBatch`; a delivery's `ack()` commits its offsets (at-least-once). Topics are
 * created on first use with `topics` settings (the runs topic compacted).
 */
export class KafkaBus implements Bus {
  readonly settings: Readonly<TopicSettings>;
  private readonly kafka: Kafka;
  /** The TLS check before the first connection (tls-preflight.ts); undefined without TLS. */
  private readonly preflight: () => Promise<void>;
  /** The broker's error in the client's latest log record of a refused FindCoordinator response. */
  private lastCoordinatorError: string | undefined;
  private readonly logger: BusLogger;
  private readonly batcher: BatchingProducer;
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly activePublishes = new Set<Promise<void>>();
  private producer: Promise<Producer> | undefined;
  /** Partitions per topic, read once: messages are partitioned here, so that acks can be checked per partition. */
  private readonly partitionCounts = new Map<string, Promise<number>>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private admin: Promise<Admin> | undefined;
  private closed = false;
  private producerClosed = false;
  private signalClosing!: () => void;
  private readonly closing = new Promise<void>((resolve) => (this.signalClosing = resolve));
  private closeDone: Promise<void> | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? stderrLogger('warn');
    this.settings = resolveTopicSettings(options.topics);
    const clientOptions = kafkaClientOptions({
      config: options.config,
      logger: (record) => {
        const error = record.fields['error'];
        if (/^Response (Group|Find)Coordinator/.test(record.message) && typeof error === 'string') {
          this.lastCoordinatorError = error;
        }
        this.logger(record);
      },
      logLevel: options.logLevel ?? 'warn',
      ...(options.connectionTimeoutMs === undefined
        ? {}
        : { connectionTimeoutMs: options.connectionTimeoutMs }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    });
    this.kafka = new KafkaClient(clientOptions);
    const ssl = clientOptions.ssl;
    let checked: Promise<void> | undefined;
    this.preflight =
      typeof ssl !== 'object' || ssl.rejectUnauthorized === false
        ? () => Promise.resolve()
        : () =>
            (checked ??= checkBrokerTls({
              brokers: options.config.brokers,
              tls: ssl,
              timeoutMs: options.connectionTimeoutMs ?? 5000,
            }));
    const p = options.producer ?? {};
    this.batcher = new BatchingProducer({
      send: (batches) => this.send(batches),
      ...(p.maxBufferedMessages === undefined ? {} : { maxBufferedMessages: p.maxBufferedMessages }),
      ...(p.maxBatchMessages === undefined ? {} : { maxBatchMessages: p.maxBatchMessages }),
      ...(p.maxBatchBytes === undefined ? {} : { maxBatchBytes: p.maxBatchBytes }),
      ...(p.lingerMs === undefined ? {} : { lingerMs: p.lingerMs }),
    });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.producerClosed)
      throw new LyapError('LYAP_E_BUS_CLOSED', `publish to ${topic} after the bus was closed`);
    const publishing = (async () => {
      await this.ensure([topic]);
      await this.batcher.publish(topic, messages);
    })();
    this.activePublishes.add(publishing);
    try {
      await publishing;
    } finally {
      this.activePublishes.delete(publishing);
    }
  }

  consume(topics: readonly string[], options: ConsumeOptions): Observable<Delivery> {
    if (this.closed) return throwError(() => new LyapError('LYAP_E_BUS_CLOSED', 'consume on a closed bus'));
    const c = this.options.consumer ?? {};
    const heartbeatIntervalMs = c.heartbeatIntervalMs ?? 3000;
    return consumeGroup({
      consumer: this.kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: c.sessionTimeoutMs ?? 30_000,
        rebalanceTimeout: c.rebalanceTimeoutMs ?? 60_000,
        heartbeatInterval: heartbeatIntervalMs,
        maxWaitTimeInMs: c.maxWaitTimeMs ?? 1000,
        maxBytes: c.maxBytes ?? 10 * 1024 * 1024,
        allowAutoTopicCreation: false,
        // Round-robin stays listed so that a group still holding older members can agree on it.
        partitionAssigners: [coPartitionedAssigner, kafkajs.PartitionAssigners.roundRobin],
      }),
      topics: [...new Set(topics)],
      groupId: options.groupId,
      fromBeginning: options.fromBeginning ?? false,
      maxBatchSize: options.maxBatchSize ?? c.maxBatchSize ?? 500,
      heartbeatIntervalMs,
      logger: this.logger,
      prepare: async () => {
        if (this.closed) throw new LyapError('LYAP_E_BUS_CLOSED', 'consume on a closed bus');
        await this.preflight();
        await this.ensure(topics);
      },
      closing: this.closing,
      closeGraceMs: c.closeGraceMs ?? 10_000,
      onStop: (stopped) => {
        this.stopping.add(stopped);
        void stopped.then(() => this.stopping.delete(stopped));
      },
      onJoined: options.onJoined,
      explainMissingCoordinator: () => this.coordinatorRefusal(),
    });
  }

  /**
   * Why the brokers named no coordinator for a group: kafkajs reports any refusal of its
   * FindCoordinator request as "Failed to find group coordinator"; the broker's reason
   * (GROUP_AUTHORIZATION_FAILED under ACLs) is only in the client's log record of the response,
   * which the logger wrapper keeps (the latest one: all groups of this bus share it).
   */
  private coordinatorRefusal(): Promise<unknown> {
    const reason = this.lastCoordinatorError;
    return Promise.resolve(
      reason !== undefined && /authori[sz]/i.test(reason)
        ? { type: 'GROUP_AUTHORIZATION_FAILED', message: reason }
        : undefined,
    );
  }

  /**
   * Every record `topics` hold when called, from the start of each partition to its end
   * offset then, in batches; completes at those ends (see `readToEnd`). Reads outside any
   * consumer group of the pipeline and commits nothing.
   */
  readToEnd(topics: readonly string[]): Observable<BusMessage[]> {
    return defer(() => from(this.ensure(topics).then(() => this.adminClient()))).pipe(
      mergeMap((admin) => {
        const groupId = `lyap-read-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
        const c = this.options.consumer ?? {};
        return readToEnd({
          admin,
          groupId,
          topics: [...new Set(topics)],
          consumer: this.kafka.consumer({
            groupId,
            maxWaitTimeInMs: c.maxWaitTimeMs ?? 1000,
            maxBytes: c.maxBytes ?? 10 * 1024 * 1024,
            allowAutoTopicCreation: false,
          }),
        });
      }),
    );
  }

  /** Creates the topics (default: the seven of docs/design.md under the prefix) that do not exist. */
  async ensureTopics(topics?: readonly string[]): Promise<EnsureTopicsReport> {
    const specs =
      topics === undefined ? designTopicSpecs(this.settings) : topics.map((t) => topicSpec(t, this.settings));
    const report = await ensureTopics({ admin: await this.adminClient(), specs, logger: this.logger });
    for (const spec of specs) this.ensured.set(spec.topic, Promise.resolve());
    return report;
  }

  /**
   * Stops every consumer (the delivery in flight may still be acked and committed within
   * `closeGraceMs`), completes their Observables, then flushes the producer and disconnects.
   */
  close(): Promise<void> {
    this.closeDone ??= this.shutdown();
    return this.closeDone;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.signalClosing();
    await Promise.resolve();
    await Promise.all([...this.stopping]);
    // Completion handlers (a processor's last flush) may still publish: let them in first.
    await new Promise((resolve) => setImmediate(resolve));
    this.producerClosed = true;
    await Promise.allSettled([...this.activePublishes]);
    this.batcher.close();
    await this.batcher.flush();
    const disconnect = async (client: Promise<Producer | Admin> | undefined): Promise<void> => {
      if (client === undefined) return;
      try {
        await (await client).disconnect();
      } catch {
        // A client that never connected has nothing to disconnect.
      }
    };
    await Promise.all([disconnect(this.producer), disconnect(this.admin)]);
  }

  private ensure(topics: readonly string[]): Promise<void> {
    if (this.options.createTopics === false) return Promise.resolve();
    const missing = topics.filter((t) => !this.ensured.has(t));
    if (missing.length > 0) {
      const created = this.adminClient()
        .then((admin) =>
          ensureTopics({
            admin,
            specs: missing.map((t) => topicSpec(t, this.settings)),
            logger: this.logger,
          }),
        )
        .then(() => undefined);
      for (const t of missing) this.ensured.set(t, created);
      created.catch(() => {
        for (const t of missing) this.ensured.delete(t);
      });
    }
    const pending = topics.map((t) => this.ensured.get(t)).filter((p) => p !== undefined);
    return Promise.all(pending).then(() => undefined);
  }

  private adminClient(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.kafka.admin();
      this.admin = this.preflight()
        .then(() => admin.connect())
        .then(
          () => admin,
          (error: unknown) => {
            this.admin = undefined;
            throw kafkaError('connecting the Kafka admin client', error);
          },
        );
    }
    return this.admin;
  }

  private producerClient(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer({
        retry: { retries: Math.max(1, this.options.producer?.retries ?? 8), maxRetryTime: 5000 },
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      this.producer = this.preflight()
        .then(() => producer.connect())
        .then(
          () => producer,
          (error: unknown) => {
            this.producer = undefined;
            throw kafkaError('connecting the Kafka producer', error);
          },
        );
    }
    return this.producer;
  }

  private partitionCount(topic: string): Promise<number> {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      count = this.adminClient()
        .then((admin) => admin.fetchTopicMetadata({ topics: [topic] }))
        .then(({ topics }) => {
          const n = topics[0]?.partitions.length ?? 0;
          if (n === 0) throw new LyapError('LYAP_E_KAFKA', `topic ${topic} has no partitions yet`);
          return n;
        });
      this.partitionCounts.set(topic, count);
      count.catch(() => this.partitionCounts.delete(topic));
    }
    return count;
  }

  /**
   * One produce call per round, with each message's partition chosen here (kafkajs's default
   * partitioner: murmur2 of the run-id key, as before), so that `sendAcknowledged` can see which
   * partitions the brokers acknowledged and send the others again.
   */
  private async send(batches: readonly TopicBatch[]): Promise<void> {
    const what = `publishing to ${batches.map((b) => b.topic).join(', ')}`;
    try {
      const producer = await this.producerClient();
      const messages: PartitionedMessage[] = [];
      for (const b of batches) {
        const count = await this.partitionCount(b.topic);
        const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
          partitionId,
          leader: 0,
          replicas: [],
          isr: [],
          partitionErrorCode: 0,
        }));
        for (const m of b.messages) {
          const key = m.key ?? null;
          const value =
            typeof m.value === 'string'
              ? m.value
              : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
          const partition = this.partitioner({ topic: b.topic, partitionMetadata, message: { key, value } });
          messages.push({ topic: b.topic, partition, key, value });
        }
      }
      await sendAcknowledged({
        messages,
        send: async (pending) => {
          const byTopic = new Map<string, PartitionedMessage[]>();
          for (const m of pending) {
            const list = byTopic.get(m.topic);
            if (list === undefined) byTopic.set(m.topic, [m]);
            else list.push(m);
          }
          return producer.sendBatch({
            acks: -1,
            topicMessages: [...byTopic].map(([topic, list]) => ({
              topic,
              messages: list.map((m) => ({ key: m.key, value: m.value, partition: m.partition })),
            })),
          });
        },
        onUnacknowledged: (partitions, attempt) => {
          this.logger({
            level: 'warn',
            namespace: 'lyap.kafka',
            message: `the produce call resolved without acknowledging ${partitions.join(', ')}; sending those again (attempt ${attempt + 1})`,
            fields: { partitions },
          });
        },
      });
    } catch (error) {
      // Failures from connecting the producer say so; they are still failures of this publish.
      const e = kafkaError(what, error);
      throw e.message.startsWith(what)
        ? e
        : new LyapError(e.code, `${what}: ${e.message}`, { cause: e, context: { ...e.context } });
    }
  }
}
