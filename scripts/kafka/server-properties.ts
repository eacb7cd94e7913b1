/** One KRaft node of a local cluster: broker and controller in the same JVM, on loopback. */
export interface KraftNodeSpec {
  readonly nodeId: number;
  readonly brokerPort: number;
  readonly controllerPort: number;
  readonly dataDir: string;
}

export interface ServerPropertiesOptions {
  readonly node: KraftNodeSpec;
  /** Every node of the cluster (the node itself included); one node means a standalone quorum. */
  readonly voters: readonly KraftNodeSpec[];
  /** Settings added last, overriding the defaults (e.g. `broker.session.timeout.ms`). */
  readonly extra?: Readonly<Record<string, string | number>>;
}

export const LOOPBACK = '127.0.0.1';

/**
 * The `server.properties` of one node. A single node uses a dynamic quorum
 * (`controller.quorum.bootstrap.servers`, formatted `--standalone`); several nodes use
 * the static `controller.quorum.voters` list (formatted with no quorum flag), so that
 * they form one cluster rather than one cluster each.
 */
export function serverProperties({ node, voters, extra = {} }: ServerPropertiesOptions): string {
  const replicas = Math.min(3, voters.length);
  const minIsr = Math.max(1, replicas - 1);
  const quorum =
    voters.length === 1
      ? { 'controller.quorum.bootstrap.servers': `${LOOPBACK}:${node.controllerPort}` }
      : {
          'controller.quorum.voters': voters
            .map((v) => `${v.nodeId}@${LOOPBACK}:${v.controllerPort}`)
            .join(','),
        };
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.nodeId,
    ...quorum,
    listeners: `PLAINTEXT://${LOOPBACK}:${node.brokerPort},CONTROLLER://${LOOPBACK}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${LOOPBACK}:${node.brokerPort}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': node.dataDir,
    'num.partitions': 1,
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': replicas,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': replicas,
    'share.coordinator.state.topic.min.isr': minIsr,
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 4,
    ...extra,
  };
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
    .concat('\n');
}
