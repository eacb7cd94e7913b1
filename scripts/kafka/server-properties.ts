import { BROKER_COMMON_NAME, type BrokerSecurity } from './broker-security.js';

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
  /** Secured: SASL_SSL for clients and between brokers, mTLS between controllers, ACLs enforced. */
  readonly security?: BrokerSecurity;
}

export const LOOPBACK = '127.0.0.1';

/**
 * The `server.properties` of one node. A single node uses a dynamic quorum
 * (`controller.quorum.bootstrap.servers`, formatted `--standalone`); several nodes use
 * the static `controller.quorum.voters` list (formatted with no quorum flag), so that
 * they form one cluster rather than one cluster each.
 */
export function serverProperties({ node, voters, extra = {}, security }: ServerPropertiesOptions): string {
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
    ...(security === undefined
      ? {
          listeners: `PLAINTEXT://${LOOPBACK}:${node.brokerPort},CONTROLLER://${LOOPBACK}:${node.controllerPort}`,
          'advertised.listeners': `PLAINTEXT://${LOOPBACK}:${node.brokerPort}`,
          'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
          'inter.broker.listener.name': 'PLAINTEXT',
        }
      : securedListeners(node, security)),
    'controller.listener.names': 'CONTROLLER',
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

/**
 * The listeners of a secured node: clients and the other brokers on SASL_SSL with
 * SCRAM-SHA-512 (the brokers as the `broker` user), the controllers on SSL with client
 * certificates required (the brokers' certificate is their principal there), and the
 * StandardAuthorizer: no ACL, no access, except for the super users.
 */
function securedListeners(node: KraftNodeSpec, security: BrokerSecurity): Record<string, string> {
  const jaas =
    'org.apache.kafka.common.security.scram.ScramLoginModule required ' +
    `username="${security.broker.username}" password="${security.broker.password}";`;
  return {
    listeners: `SASL_SSL://${LOOPBACK}:${node.brokerPort},CONTROLLER://${LOOPBACK}:${node.controllerPort}`,
    'advertised.listeners': `SASL_SSL://${LOOPBACK}:${node.brokerPort}`,
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SSL',
    'inter.broker.listener.name': 'SASL_SSL',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas,
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': security.keystoreFile,
    'ssl.keystore.password': security.keystorePassword,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': security.caFile,
    'listener.name.controller.ssl.client.auth': 'required',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    'super.users': [
      `User:${security.broker.username}`,
      `User:${security.admin.username}`,
      `User:CN=${BROKER_COMMON_NAME}`,
    ].join(';'),
  };
}
