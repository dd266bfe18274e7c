#!/bin/sh
# docker-compose.yml's Kafka: one KRaft node (broker and controller) whose clients
# authenticate with SCRAM-SHA-512 over TLS and may do only what an ACL allows (DESIGN §19).
#
# On first start it makes a CA and the broker's certificate (keytool; the CA's certificate
# goes to $KAFKA_CA_DIR/ca.pem, which the services verify the broker with) and formats the
# data with the operator's SCRAM user; every start writes the properties afresh. The
# operator's password (letters, digits, - and _) is $KAFKA_OPERATOR_PASSWORD; changing it
# later is `kafka-configs.sh --alter --entity-type users --entity-name operator
# --add-config 'SCRAM-SHA-512=[password=...]'`, then the variable.
#
# tests/integration/test_compose_infra.py runs this script on the real jars.
set -eu

: "${KAFKA_OPERATOR_PASSWORD:?set KAFKA_OPERATOR_PASSWORD}"
: "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID (kafka-storage.sh random-uuid)}"
bin=${KAFKA_BIN:-/opt/kafka/bin}
data=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
secrets=${KAFKA_SECRETS_DIR:-/etc/kafka/secrets}
ca_dir=${KAFKA_CA_DIR:-/etc/kafka/ca}
host=${KAFKA_ADVERTISED_HOST:-kafka}
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
keytool=$(dirname "$(readlink -f "$(command -v java)")")/keytool

umask 077
mkdir -p "$data" "$secrets" "$ca_dir"

if [ ! -f "$secrets/keystore-password" ]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secrets/keystore-password"
fi
pass=$(cat "$secrets/keystore-password")
if [ ! -f "$secrets/kafka.p12" ]; then
    echo "kafka: making a CA and the broker's certificate for $host"
    rm -f "$secrets/ca.p12" "$secrets/kafka.partial.p12"  # of a start cut short
    "$keytool" -genkeypair -alias ca -keyalg EC -groupname secp256r1 -validity 3650 \
        -dname "CN=Share Links Kafka CA" -ext bc:c=ca:true -ext ku:c=keyCertSign,cRLSign \
        -keystore "$secrets/ca.p12" -storetype PKCS12 -storepass "$pass"
    "$keytool" -exportcert -rfc -alias ca -keystore "$secrets/ca.p12" -storepass "$pass" \
        -file "$secrets/ca.pem"
    "$keytool" -genkeypair -alias kafka -keyalg EC -groupname secp256r1 -validity 825 \
        -dname "CN=$host" -keystore "$secrets/kafka.partial.p12" -storetype PKCS12 \
        -storepass "$pass"
    "$keytool" -certreq -alias kafka -keystore "$secrets/kafka.partial.p12" -storepass "$pass" \
        | "$keytool" -gencert -alias ca -keystore "$secrets/ca.p12" -storepass "$pass" \
            -validity 825 -rfc -ext "san=dns:$host,dns:localhost" \
            -ext ku:c=digitalSignature -ext eku=serverAuth > "$secrets/kafka.pem"
    # The broker's chain, and the CA as trusted (the broker is its own client too).
    "$keytool" -importcert -noprompt -alias ca -file "$secrets/ca.pem" \
        -keystore "$secrets/kafka.partial.p12" -storepass "$pass"
    "$keytool" -importcert -alias kafka -file "$secrets/kafka.pem" \
        -keystore "$secrets/kafka.partial.p12" -storepass "$pass"
    mv "$secrets/kafka.partial.p12" "$secrets/kafka.p12"
fi
(umask 022 && cp "$secrets/ca.pem" "$ca_dir/ca.pem")

operator="username=\"operator\" password=\"$KAFKA_OPERATOR_PASSWORD\""
config="$secrets/server.properties"
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$controller_port
# The controller listens inside this container only.
listeners=BROKER://:$port,CONTROLLER://localhost:$controller_port
advertised.listeners=BROKER://$host:$port
inter.broker.listener.name=BROKER
controller.listener.names=CONTROLLER
listener.security.protocol.map=BROKER:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.broker.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required $operator;
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required $operator user_operator="$KAFKA_OPERATOR_PASSWORD";
listener.name.broker.ssl.keystore.type=PKCS12
listener.name.broker.ssl.keystore.location=$secrets/kafka.p12
listener.name.broker.ssl.keystore.password=$pass
listener.name.broker.ssl.key.password=$pass
listener.name.broker.ssl.truststore.type=PKCS12
listener.name.broker.ssl.truststore.location=$secrets/kafka.p12
listener.name.broker.ssl.truststore.password=$pass
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:operator
allow.everyone.if.no.acl.found=false
log.dirs=$data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# The services create their topics at start-up (DESIGN.md §11).
auto.create.topics.enable=false
PROPERTIES

# The operator's client configuration, for the healthcheck and kafka-*.sh tools here.
cat > "$secrets/operator.properties" <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required $operator;
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/ca.pem
PROPERTIES

if [ ! -f "$data/meta.properties" ]; then
    echo "kafka: formatting $data with the operator's SCRAM user"
    "$bin/kafka-storage.sh" format --cluster-id="$KAFKA_CLUSTER_ID" -c "$config" \
        --add-scram "SCRAM-SHA-512=[name=operator,password=$KAFKA_OPERATOR_PASSWORD]"
fi
exec "$bin/kafka-server-start.sh" "$config"
