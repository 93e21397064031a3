#!/usr/bin/env bash
# Makes sure a RabbitMQ answers on 127.0.0.1:5672 for the Spring Cloud Bus tests
# (test/spring-bus/), and that rabbitmqctl can manage it (the tests make a vhost of their
# own per run). Idempotent and quiet: does nothing when one already answers; otherwise
# starts Debian's rabbitmq-server (installing it first if needed) and waits for it.
# Exits non-zero with a message saying why when it cannot. RABBIT_PORT overrides the port
# (the tests then need RABBIT_HOST=127.0.0.1:<port>).
set -u

HOST=127.0.0.1
PORT=${RABBIT_PORT:-5672}

say() { printf 'rabbitmq.sh: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO="__none__"; fi
fi

# AMQP 0-9-1: a client opens with this header and the broker answers with connection.start
# (frame type 1), so one byte back means a broker is there.
answers() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/$HOST/$PORT" && printf 'AMQP\x00\x00\x09\x01' >&3 && timeout 2 head -c 1 <&3 | od -An -tx1) 2>/dev/null)
  [ "$(echo "$reply" | tr -d ' ')" = "01" ]
}

manageable() { $SUDO rabbitmqctl -q list_vhosts >/dev/null 2>&1; }

if answers; then
  manageable && exit 0
  say "a broker answers on $HOST:$PORT but rabbitmqctl cannot manage it (the tests need root or sudo)"
  exit 1
fi

if [ "$SUDO" = "__none__" ]; then
  say "no RabbitMQ answers on $HOST:$PORT and this user cannot start one (not root, no sudo)"; exit 1
fi

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "rabbitmq-server is not installed and apt-get is not available to install it"; exit 1
  fi
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rabbitmq-server; } >/dev/null 2>&1; then
    say "installing rabbitmq-server with apt-get failed"; exit 1
  fi
fi

# The package may have started it as a service already; if not, start it detached.
if ! answers; then
  if [ "$PORT" = 5672 ] && command -v service >/dev/null 2>&1 && $SUDO service rabbitmq-server start >/dev/null 2>&1; then
    :
  else
    # No service manager (a container): run the node detached, on loopback.
    $SUDO env RABBITMQ_NODE_IP_ADDRESS="$HOST" RABBITMQ_NODE_PORT="$PORT" rabbitmq-server -detached >/dev/null 2>&1 || {
      say "rabbitmq-server would not start"; exit 1
    }
  fi
fi

# A cold Erlang node takes a few seconds.
for _ in $(seq 1 120); do
  answers && manageable && exit 0
  sleep 0.5
done
say "started rabbitmq-server but nothing answers on $HOST:$PORT (or rabbitmqctl cannot reach it) after 60 s"
exit 1
