#!/bin/bash
# The compose stack's Kafka (apache/kafka image), secured as `npm run kafka:start -- --secure`
# secures the local one (docs/security.md): SASL_SSL with SCRAM-SHA-512 for clients and between
# brokers, SSL with client certificates on the controller listener, the StandardAuthorizer.
# The SCRAM users are created at format time from the mounted secrets (npm run deploy:secrets).
set -euo pipefail
S=/run/secrets
pw() { head -n1 "$S/kafka-$1.password"; }
CONFIG=/tmp/server.properties
cat > "$CONFIG" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
listeners=SASL_SSL://:9092,EXTERNAL://:19092,CONTROLLER://:9093
advertised.listeners=SASL_SSL://kafka:9092,EXTERNAL://localhost:19092
listener.security.protocol.map=SASL_SSL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(pw broker)";
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$S/kafka-broker.p12
ssl.keystore.password=$(head -n1 "$S/kafka-keystore-password")
ssl.truststore.type=PEM
ssl.truststore.location=$S/ca.pem
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:broker;User:admin;User:CN=lyap-broker
log.dirs=/var/lib/kafka/data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPERTIES
# The admin's client settings, for the health check and deploy/kafka/setup.sh.
cat > /tmp/admin.properties <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(pw admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$S/ca.pem
PROPERTIES
users=()
for user in broker admin trainer processor controller alerter viewer; do
  users+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(pw "$user")]")
done
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$CONFIG" "${users[@]}"
exec /opt/kafka/bin/kafka-server-start.sh "$CONFIG"
