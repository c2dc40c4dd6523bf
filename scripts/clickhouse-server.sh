#!/usr/bin/env bash
# Starts Debian's clickhouse-server on 127.0.0.1 with a throw-away data dir, for the HTTP transport tests.
# Usage: scripts/clickhouse-server.sh start|stop [DIR] (default DIR: /tmp/kubeburner-clickhouse)
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/kubeburner-clickhouse}
http_port=${KUBEBURNER_CLICKHOUSE_HTTP_PORT:-18123}
tcp_port=${KUBEBURNER_CLICKHOUSE_TCP_PORT:-19000}

if [ "$cmd" = stop ]; then
  [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
  exit 0
fi

mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log"
cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/server.err.log</errorlog></logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
XML
cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
server=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
nohup "$server" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
echo $! >"$dir/pid"
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$http_port/ping" >/dev/null 2>&1; then
    echo "clickhouse-server ready on http://127.0.0.1:$http_port"
    exit 0
  fi
  sleep 0.5
done
echo "clickhouse-server did not start; log:" >&2
tail -n 30 "$dir/log/stdout.log" "$dir/log/server.err.log" >&2 || true
exit 1
