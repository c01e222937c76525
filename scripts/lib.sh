# Shared by scripts/run, scripts/test and scripts/bench. Source it; do not run it.
# Installs Debian packages that are missing and starts a local RabbitMQ when none answers.

REMIT_APT_PACKAGES=(rabbitmq-server librabbitmq-dev libsqlite3-dev libcurl4-openssl-dev pkg-config)
# Only for scripts/test: the browser test drives Debian's Chromium through its chromedriver
# (/usr/bin/chromium, /usr/bin/chromedriver), so nothing is downloaded at test time; the TLS test
# makes its certificates with openssl; the store contract tests start a throw-away PostgreSQL 15
# server of their own (Tests/RemitTestSupport/PostgresTestServer.swift); scripts/scale-out puts
# nginx in front of three portals.
REMIT_TEST_APT_PACKAGES=(chromium chromium-driver openssl postgresql-15 nginx prometheus qpdf poppler-utils)
REMIT_STARTED_BROKER=0
REMIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1m[remit]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the apt packages Remit needs, if any is missing.
ensure_packages() {
  local missing=()
  for package in "${REMIT_APT_PACKAGES[@]}" "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${missing[@]}" >/dev/null
  fi
  command -v swift >/dev/null || { log "swift is not on PATH (Swift 6 toolchain needed)"; exit 1; }
}

# Installs the Python packages the tests need: aiosmtpd (the SMTP server the mail tests talk to),
# selenium (drives Chromium in the browser test), pika and jsonschema (the example producer,
# which the storefront tests run as an outside system would), pg8000 (scripts/scale-out's
# checker reads PostgreSQL with it), asyncapi3 (an AsyncAPI 3.0 parser; check_asyncapi.py) and
# opentelemetry-proto (otlp_receiver.py decodes the spans `remit run` exports with it).
ensure_python_packages() {
  ensure_python_modules aiosmtpd selenium pika jsonschema pg8000 asyncapi3 opentelemetry.proto.trace.v1=opentelemetry-proto
}

# Installs each Python module named that python3 cannot import: `module` (the pip package of the
# same name) or `module=package`.
ensure_python_modules() {
  command -v python3 >/dev/null || { log "python3 is not on PATH (the mail and browser tests and scripts/bench run Python)"; exit 1; }
  local entry module package
  for entry in "$@"; do
    module="${entry%%=*}"
    package="${entry#*=}"
    if ! python3 -c "import $module" 2>/dev/null; then
      log "installing $package (pip)"
      # A Debian python3 refuses pip installs outside a venv (PEP 668) unless told otherwise.
      python3 -m pip install -q "$package" >/dev/null 2>&1 \
        || python3 -m pip install -q --break-system-packages "$package" >/dev/null
    fi
  done
}

broker_answers() {
  # A TCP connect to the AMQP port; quick, and works for a broker we did not start.
  timeout 2 bash -c "exec 3<>/dev/tcp/${REMIT_BROKER_HOST:-127.0.0.1}/${REMIT_BROKER_PORT:-5672}" 2>/dev/null
}

# Starts RabbitMQ (with the management plugin, which `topology verify` reads) unless one answers.
ensure_broker() {
  if broker_answers; then
    log "RabbitMQ answers on ${REMIT_BROKER_HOST:-127.0.0.1}:${REMIT_BROKER_PORT:-5672}"
    if ! timeout 3 bash -c "exec 3<>/dev/tcp/${REMIT_BROKER_HOST:-127.0.0.1}/15672" 2>/dev/null; then
      log "enabling the management plugin"
      as_root rabbitmq-plugins enable rabbitmq_management >/dev/null || true
    fi
  else
    log "starting RabbitMQ"
    as_root rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
    as_root rabbitmq-server -detached
    REMIT_STARTED_BROKER=1
    # await_startup fails at once until the node has registered; retry for up to two minutes.
    local deadline=$((SECONDS + 120))
    until as_root rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1; do
      if [ "$SECONDS" -ge "$deadline" ]; then log "RabbitMQ did not start; see /var/log/rabbitmq/"; exit 1; fi
      sleep 1
    done
  fi
  local deadline=$((SECONDS + 60))
  until timeout 2 bash -c "exec 3<>/dev/tcp/${REMIT_BROKER_HOST:-127.0.0.1}/15672" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then log "the RabbitMQ management API did not come up on port 15672"; exit 1; fi
    sleep 1
  done
}

# A vhost and broker users of Remit's own on the local broker (guest stays loopback-only, as
# RabbitMQ ships it), each with the permissions its role needs:
#   remit-admin   the operator: topology apply/verify, status, dead letters, scale, producers —
#                 everything on the vhost, and the management API (tag administrator: producers'
#                 users are made through it)
#   remit-worker  remit run / remit worker: read Remit's queues, publish to Remit's exchanges and
#                 to reply queues, declare only its own control and reply queues; management tag to
#                 check the topology at start
#   remit-portal  the portal's publisher: publish to the exchange 'remit', nothing else
#   remit-worker-KIND  one per worker kind, for `remit worker KIND` processes: as remit-worker,
#                 but on 'remit' it publishes only what that kind publishes
# Passwords are made once, kept in DATA_DIR/broker-users.env (mode 600) and reused. Writes
# DATA_DIR/remit.conf (mode 600) with the operator's URL, for REMIT_CONFIG. Sets REMIT_ADMIN_URL,
# REMIT_WORKER_URL, REMIT_PORTAL_URL and REMIT_KIND_URLS (KIND=URL, a line each).
REMIT_WORKER_PERMISSIONS=('^remit\.control(\..*)?$' '^(remit(\..*)?|amq\.default)$' '^remit\..*$')

# Each worker kind of Topology/workers.json and the routing keys its broker user may publish on
# the exchange 'remit': what the kind lists under "publishes", as a regular expression; a line each.
# Fails (exit 1, saying why) when the file cannot be read or lists no kind: call it as
# `patterns=$(remit_kind_publish_patterns)`, so that `set -e` stops there, not on an empty loop.
remit_kind_publish_patterns() {
  python3 - "$REMIT_ROOT/Topology/workers.json" <<'PY'
import json, re, sys
try:
    kinds = json.load(open(sys.argv[1]))["kinds"]
except (OSError, ValueError, KeyError, TypeError) as error:
    sys.exit(f"cannot read the worker kinds from {sys.argv[1]}: {error}")
if not kinds:
    sys.exit(f"{sys.argv[1]} lists no worker kind")
for kind in kinds:
    types = kind.get("publishes") or []
    print(kind["name"], "^(" + "|".join(re.escape(t) for t in types) + ")$" if types else "^$")
PY
}

ensure_remit_broker_users() {
  local data="$1" vhost="${REMIT_VHOST:-remit}" host="${REMIT_BROKER_HOST:-127.0.0.1}" port="${REMIT_BROKER_PORT:-5672}"
  local file="$data/broker-users.env"
  mkdir -p "$data"
  if [ ! -f "$file" ]; then
    (
      umask 077
      for role in ADMIN WORKER PORTAL; do
        echo "REMIT_${role}_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
      done > "$file"
    )
  fi
  # A password for each kind's user, added to a file made before those users existed.
  local kind pattern variable patterns
  patterns=$(remit_kind_publish_patterns)
  while read -r kind pattern <&3; do  # fd 3: rabbitmqctl reads standard input
    variable="REMIT_WORKER_$(tr 'a-z-' 'A-Z_' <<<"$kind")_PASSWORD"
    grep -q "^$variable=" "$file" ||
      (umask 077; echo "$variable=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')" >> "$file")
  done 3<<<"$patterns"
  # shellcheck disable=SC1090
  source "$file"
  as_root rabbitmqctl -q list_vhosts | grep -qx "$vhost" || as_root rabbitmqctl -q add_vhost "$vhost" >/dev/null
  local existing
  existing="$(as_root rabbitmqctl -q list_users | awk '{print $1}')"
  set_user() {  # name password configure write read tags…
    local name="$1" password="$2"
    if grep -qx "$name" <<<"$existing"; then
      printf '%s' "$password" | as_root rabbitmqctl -q change_password "$name" >/dev/null
    else
      printf '%s' "$password" | as_root rabbitmqctl -q add_user "$name" >/dev/null
    fi
    as_root rabbitmqctl -q set_permissions -p "$vhost" "$name" "$3" "$4" "$5" >/dev/null
    as_root rabbitmqctl -q set_user_tags "$name" "${@:6}" >/dev/null
  }
  # administrator: the only tag that may manage users (`remit producers add`); it includes management and policymaker.
  set_user remit-admin "$REMIT_ADMIN_PASSWORD" '.*' '.*' '.*' administrator
  set_user remit-worker "$REMIT_WORKER_PASSWORD" "${REMIT_WORKER_PERMISSIONS[@]}" management
  set_user remit-portal "$REMIT_PORTAL_PASSWORD" '^$' '^remit$' '^$'
  # Which routing keys (message types) each user may publish on the topic exchange `remit`: the
  # portal only the buyers' commands it sends; the workers only what the kinds and the HQ job
  # scheduler publish — never a buyer's or a producer's command. The operator (replays, `remit
  # publish`) keeps every type.
  as_root rabbitmqctl -q set_topic_permissions -p "$vhost" remit-portal remit \
    '^(cart\.(add-invoice|update-line|remove-line|checkout)|invoice\.request)$' '^$' >/dev/null
  as_root rabbitmqctl -q set_topic_permissions -p "$vhost" remit-worker remit \
    '^(smoke\.recorded|payment\.post|email\.(send|letter)|channel\.(customers|invoices|products|requests)\.changed|hq\.(p-0001|sync|invoice-posting|distribution|collection-letters)\.run)$' \
    '.*' >/dev/null
  local base="$host:$port/$vhost"
  REMIT_KIND_URLS=""
  while read -r kind pattern <&3; do  # fd 3: rabbitmqctl reads standard input
    variable="REMIT_WORKER_$(tr 'a-z-' 'A-Z_' <<<"$kind")_PASSWORD"
    set_user "remit-worker-$kind" "${!variable}" "${REMIT_WORKER_PERMISSIONS[@]}" management
    as_root rabbitmqctl -q set_topic_permissions -p "$vhost" "remit-worker-$kind" remit "$pattern" '.*' >/dev/null
    REMIT_KIND_URLS+="$kind=amqp://remit-worker-$kind:${!variable}@$base"$'\n'
  done 3<<<"$patterns"
  REMIT_ADMIN_URL="amqp://remit-admin:$REMIT_ADMIN_PASSWORD@$base"
  REMIT_WORKER_URL="amqp://remit-worker:$REMIT_WORKER_PASSWORD@$base"
  REMIT_PORTAL_URL="amqp://remit-portal:$REMIT_PORTAL_PASSWORD@$base"
  (umask 077; printf 'amqp-url = %s\n' "$REMIT_ADMIN_URL" > "$data/remit.conf")
  log "broker vhost '$vhost' with users remit-admin, remit-worker, remit-portal and remit-worker-KIND for each kind (passwords in $file)"
}

# The Prometheus endpoint of what scripts/run starts: REMIT_METRICS_PORT (default 9464; set it empty
# for none) on REMIT_METRICS_HOST (default 127.0.0.1), both exported. Prints its URL, or nothing.
remit_metrics_defaults() {
  export REMIT_METRICS_PORT="${REMIT_METRICS_PORT-9464}" REMIT_METRICS_HOST="${REMIT_METRICS_HOST:-127.0.0.1}"
  [ -z "$REMIT_METRICS_PORT" ] || echo "http://$REMIT_METRICS_HOST:$REMIT_METRICS_PORT/metrics"
}

# Builds remit and remit-bench in release with the Swift runtime linked statically (no shared
# Foundation/ICU pages in RSS, a deployment choice), in .build-static; sets `bin` to their folder.
build_bench_binaries() {
  local build=(swift build -c release --static-swift-stdlib --scratch-path .build-static)
  log "building release binaries (static Swift runtime, in .build-static)"
  "${build[@]}" --product remit
  "${build[@]}" --product remit-bench
  bin="$("${build[@]}" --show-bin-path)"
  mkdir -p .build/bench
}

# A PostgreSQL 15 server of the caller's own (Debian's postgresql-15; it refuses to run as root):
# initdb as the postgres user in a temporary folder it owns, a free port on 127.0.0.1, trust
# authentication, `max_connections` $1 (default 100) — in its configuration file, so that a restart
# keeps it — and the database $2 (default remit). Sets pg_bin, pg_dir (the cluster is $pg_dir/data)
# and pg_port; `stop_postgres` stops the server and removes the folder.
start_postgres() {
  local max_connections=${1:-100} database=${2:-remit}
  pg_bin=/usr/lib/postgresql/15/bin
  command -v runuser >/dev/null || { log "runuser (util-linux) is needed"; return 1; }
  pg_dir=$(mktemp -d /tmp/remit-pg.XXXXXX)
  pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  chmod 700 "$pg_dir"
  as_root chown postgres: "$pg_dir"
  as_root runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync >/dev/null
  as_root runuser -u postgres -- sh -c "printf '%s\n' \"port = $pg_port\" \"listen_addresses = '127.0.0.1'\" \
    \"unix_socket_directories = '$pg_dir/data'\" 'max_connections = $max_connections' >> '$pg_dir/data/postgresql.conf'"
  as_root runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/data/server.log" -w start >/dev/null
  as_root runuser -u postgres -- "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$database"
  log "PostgreSQL 15 on 127.0.0.1:$pg_port (data in $pg_dir)"
}

# Stops the server `start_postgres` started (at once: it is a throw-away) and removes its folder.
stop_postgres() {
  [ -n "${pg_dir:-}" ] || return 0
  as_root runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  as_root rm -rf "$pg_dir"
  pg_dir=""
}

# psql on the server `start_postgres` started, as its superuser: `pg_sql DATABASE SQL`.
pg_sql() { as_root runuser -u postgres -- "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"; }

stop_broker_if_started() {
  if [ "$REMIT_STARTED_BROKER" = 1 ]; then
    log "stopping the RabbitMQ this script started"
    as_root rabbitmqctl -q stop >/dev/null 2>&1 || true
  fi
}

# Extra RabbitMQ nodes beside the main one, for tests that need a broker configured their own way
# (a TLS listener; a cluster). A node keeps everything under its directory DIR: its configuration
# (DIR/rabbitmq.conf and DIR/enabled_plugins, written by the caller), Erlang cookie (DIR is its
# HOME), database, logs and pid file. It runs as the calling user — not through Debian's wrapper,
# which would switch to the rabbitmq user and could not read the caller's files — and never
# touches the main node's configuration or data. NODE is a node name such as remit-tls-123@localhost.
REMIT_RABBITMQ_BIN=${REMIT_RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}

# Runs a command with the environment of node NODE in DIR: broker_node_env NODE DIR COMMAND…
broker_node_env() {
  local node=$1 dir=$2
  shift 2
  env HOME="$dir" RABBITMQ_NODENAME="$node" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/node.pid" \
    "$@"
}

# rabbitmqctl against node NODE in DIR: broker_node_ctl NODE DIR ARGS…
broker_node_ctl() {
  local node=$1 dir=$2
  shift 2
  broker_node_env "$node" "$dir" "$REMIT_RABBITMQ_BIN/rabbitmqctl" -n "$node" "$@"
}

# Starts node NODE in DIR with plain AMQP on AMQP_PORT and Erlang distribution on DIST_PORT, and
# waits until it runs (two minutes at most): start_broker_node NODE DIR AMQP_PORT DIST_PORT
start_broker_node() {
  local node=$1 dir=$2 amqp_port=$3 dist_port=$4
  mkdir -p "$dir/log" "$dir/mnesia"
  [ -f "$dir/enabled_plugins" ] || echo '[].' >"$dir/enabled_plugins"
  (
    # The node outlives its caller, so it keeps none of the caller's descriptors: a parent that
    # waits for one to close (Foundation's Process does, for its children) would wait for the node.
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done 2>/dev/null
    export RABBITMQ_NODE_PORT="$amqp_port" RABBITMQ_DIST_PORT="$dist_port"
    broker_node_env "$node" "$dir" "$REMIT_RABBITMQ_BIN/rabbitmq-server"
  ) >"$dir/log/server.out" 2>&1 </dev/null &
  local server=$!
  local deadline=$((SECONDS + 120))
  # await_startup fails at once until the node has registered, so it is retried.
  until broker_node_ctl "$node" "$dir" -q await_startup --timeout 10 >/dev/null 2>&1; do
    if ! kill -0 "$server" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      log "RabbitMQ node $node did not start; the end of $dir/log/server.out:"
      tail -n 20 "$dir/log/server.out" >&2
      kill "$server" 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
}

# Stops node NODE in DIR and waits until its process has ended: stop_broker_node NODE DIR
stop_broker_node() {
  local node=$1 dir=$2
  if [ -f "$dir/node.pid" ]; then
    broker_node_ctl "$node" "$dir" -q stop "$dir/node.pid" >/dev/null 2>&1 \
      || kill "$(cat "$dir/node.pid")" 2>/dev/null || true
  else
    broker_node_ctl "$node" "$dir" -q stop >/dev/null 2>&1 || true
  fi
}
