import { runClosedLoop } from '../../src/loop/index.js';
import { KafkaBus } from '../../src/transport/kafka/index.js';
import { selectBackend, type CommandRecord } from '../../src/trainer/index.js';
import { benchBroker } from './bench-broker.js';
import { commandLedger, ledgerRows, loopTrainer, meanStepMs } from './loop-latency.js';
import type { SuiteResult } from './types.js';

/**
 * Closed-loop latency with the whole loop in one process (`runClosedLoop`), over the MemoryBus
 * or (`kafka`) over a real broker, as the sweep runs it with Kafka:
 * full-batch least squares on the cpu backend, probe every step, a controller commanding every
 * 5 steps (no deadband). Every command is counted by seq as the trainer's intake reports it
 * (loop-latency.ts), and each applied one is timed from the estimate it was based on, and from
 * the probed step's gradient event, to the step boundary that applied it. Baseline in the same
 * run: the mean training step, so the latency is also given in steps. Over Kafka as deployed,
 * one process per role: `control-loop-kafka`.
 */
export async function controlLoopSuite(params: { steps: number; kafka?: boolean }): Promise<SuiteResult> {
  const backend = await selectBackend({ requested: 'cpu' });
  // Over Kafka (the whole loop still in this process): the project's local single-node KRaft
  // broker on loopback (scripts/kafka), or the cluster named by KAFKA_BROKERS.
  const broker = params.kafka === true ? await benchBroker() : undefined;
  const bus =
    broker === undefined ? undefined : new KafkaBus({ config: broker.config, logger: () => undefined });
  const records: CommandRecord[] = [];
  const r = await runClosedLoop({
    ...(bus === undefined ? {} : { bus, topicPrefix: `bench-${Date.now().toString(36)}.` }),
    trainer: {
      ...loopTrainer(backend.reportedName),
      runId: 'bench-loop',
      steps: params.steps,
      onCommand: (record) => records.push(record),
    },
    processor: { windowProbes: 5 },
    controller: { mode: 'control', cooldownSteps: 5, deadbandLog: 0, minWindow: 3, convergenceEstimates: 3 },
  }).finally(async () => {
    await bus?.close();
    await broker?.stop();
  });
  const ledger = commandLedger({ runId: 'bench-loop', records, ...r });
  return {
    suite: params.kafka === true ? 'control-loop-in-process-kafka' : 'control-loop',
    params: {
      steps: params.steps,
      transport: params.kafka === true ? 'Kafka (loopback, 1 broker)' : 'MemoryBus',
      backend: backend.name,
    },
    rows: ledgerRows(ledger, meanStepMs(r.gradients)),
    notes: [],
  };
}
