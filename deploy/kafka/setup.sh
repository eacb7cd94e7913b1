#!/bin/sh
# One-shot (the compose stack's kafka-setup service): the topics and the roles' ACLs
# (deploy/kafka/acls.sh, generated from scripts/kafka/roles.ts), as the admin user.
set -eu
cat > /tmp/admin.properties <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(head -n1 /run/secrets/kafka-admin.password)";
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/ca.pem
PROPERTIES
BOOTSTRAP=kafka:9092 ADMIN_CONFIG=/tmp/admin.properties PARTITIONS=6 REPLICATION=1 sh /opt/lyap/acls.sh
echo "topics and ACLs in place"
