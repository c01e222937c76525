#!/usr/bin/env bash
# A RabbitMQ node with TLS listeners and certificates made for it, beside the main broker.
#
#   scripts/testing/tls_broker.sh start DIR   make certificates, configure and start the node; prints
#                                             and writes DIR/broker.env (NODE, AMQPS_PORT, HTTPS_PORT, AMQP_PORT, CERTS)
#   scripts/testing/tls_broker.sh stop DIR    stop the node and remove DIR
#
# DIR/certs holds, as PEM: ca_certificate.pem (the test CA), server_certificate.pem and
# server_key.pem (localhost and 127.0.0.1, signed by the CA), client_certificate.pem and
# client_key.pem (CN remit-test-client, signed by the CA) and wrong_ca_certificate.pem (an
# unrelated CA that signed nothing here).
# AMQP over TLS asks for a client certificate and checks it against the CA, but lets a client
# without one in (fail_if_no_peer_cert false); the management API over HTTPS requires one.
# The TLS tests (Tests/RemitIntegrationTests/TLSTests.swift) run it; it works by hand too:
#   scripts/testing/tls_broker.sh start /tmp/remit-tls && . /tmp/remit-tls/broker.env
#   remit status --amqp-url "amqps://guest:guest@localhost:$AMQPS_PORT/%2F?cacertfile=$CERTS/ca_certificate.pem&certfile=$CERTS/client_certificate.pem&keyfile=$CERTS/client_key.pem" \
#     --management-url "https://localhost:$HTTPS_PORT"
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
command=$1
dir=$2

# A port nothing listens on, from 27000–31999: clear of the main node's distribution port (25672),
# of the ports RabbitMQ's CLI tools take for themselves (35672–35682) and of the kernel's
# ephemeral range (from 32768).
free_port() {
  local port
  while true; do
    port=$((27000 + RANDOM % 5000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

make_certificates() {
  local certs=$1
  mkdir -p "$certs"
  (
    cd "$certs"
    local key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${key[@]}" -days 2 -subj "/CN=Remit test CA" \
      -keyout ca_key.pem -out ca_certificate.pem 2>/dev/null
    openssl req -x509 "${key[@]}" -days 2 -subj "/CN=Remit unrelated CA" \
      -keyout wrong_ca_key.pem -out wrong_ca_certificate.pem 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >server.ext
    printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >client.ext
    for who in server client; do
      openssl req "${key[@]}" -subj "/CN=remit-test-$who" -keyout "${who}_key.pem" -out "$who.csr" 2>/dev/null
      openssl x509 -req -in "$who.csr" -CA ca_certificate.pem -CAkey ca_key.pem -CAcreateserial -days 2 \
        -extfile "$who.ext" -out "${who}_certificate.pem" 2>/dev/null
    done
    rm -f ./*.csr ./*.ext ca_certificate.srl
  )
}

case "$command" in
  start)
    command -v openssl >/dev/null || { log "openssl is not installed"; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    certs="$dir/certs"
    make_certificates "$certs"
    node="remit-tls-$$@localhost"
    amqp_port=$(free_port)
    amqps_port=$(free_port)
    https_port=$(free_port)
    dist_port=$(free_port)
    cat >"$dir/rabbitmq.conf" <<EOF
listeners.ssl.default = $amqps_port
ssl_options.cacertfile = $certs/ca_certificate.pem
ssl_options.certfile = $certs/server_certificate.pem
ssl_options.keyfile = $certs/server_key.pem
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
management.ssl.port = $https_port
management.ssl.cacertfile = $certs/ca_certificate.pem
management.ssl.certfile = $certs/server_certificate.pem
management.ssl.keyfile = $certs/server_key.pem
management.ssl.verify = verify_peer
management.ssl.fail_if_no_peer_cert = true
EOF
    echo '[rabbitmq_management].' >"$dir/enabled_plugins"
    cat >"$dir/broker.env" <<EOF
NODE=$node
AMQP_PORT=$amqp_port
AMQPS_PORT=$amqps_port
HTTPS_PORT=$https_port
CERTS=$certs
EOF
    start_broker_node "$node" "$dir" "$amqp_port" "$dist_port"
    cat "$dir/broker.env"
    ;;
  stop)
    [ -f "$dir/broker.env" ] || { log "$dir/broker.env is missing: no TLS broker there"; exit 1; }
    node=$(sed -n 's/^NODE=//p' "$dir/broker.env")
    stop_broker_node "$node" "$dir"
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
