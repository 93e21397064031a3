#!/usr/bin/env bash
# Makes sure a Redis answers on 127.0.0.1:6379 for the bus tests (test/bus/).
# Idempotent and quiet: does nothing when one already answers; otherwise starts one on
# loopback (no persistence), installing Debian's redis-server package first if needed.
# Exits non-zero with a message saying why when it cannot. REDIS_PORT overrides the port.
set -u

HOST=127.0.0.1
PORT=${REDIS_PORT:-6379}

say() { printf 'redis.sh: %s\n' "$*" >&2; }

answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = "PONG" ]
  else
    # No redis-cli: speak RESP over bash's /dev/tcp.
    local reply
    reply=$( (exec 3<>"/dev/tcp/$HOST/$PORT" && printf 'PING\r\n' >&3 && timeout 2 head -c 7 <&3) 2>/dev/null)
    [ "${reply%$'\r'*}" = "+PONG" ]
  fi
}

answers && exit 0

if ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      say "redis-server is not installed and this user cannot install it (not root, no sudo)"; exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "redis-server is not installed and apt-get is not available to install it"; exit 1
  fi
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server; } >/dev/null 2>&1; then
    say "installing redis-server with apt-get failed"; exit 1
  fi
fi

if ! out=$(redis-server --daemonize yes --bind "$HOST" --port "$PORT" --save "" --appendonly no 2>&1); then
  say "redis-server would not start: $out"; exit 1
fi

for _ in $(seq 1 50); do
  answers && exit 0
  sleep 0.1
done
say "started redis-server but nothing answers on $HOST:$PORT"
exit 1
