#!/usr/bin/env bash
# Starts Debian's janus (1.1.x) with a minimal configuration in a temporary directory, loopback only:
# only the HTTP transport (on 127.0.0.1:$1, no admin API, no HTTPS) and the AudioBridge plugin are loaded, no event
# handlers or loggers, no STUN, no 1:1 NAT mapping, ICE limited to `lo`, local IP pinned to 127.0.0.1.
# Usage: start-janus.sh HTTP_PORT RTP_FIRST RTP_LAST WORKDIR   → prints janus's pid; logs to WORKDIR/janus.log.
set -euo pipefail
port=$1 first=$2 last=$3 dir=$4
lib=/usr/lib/x86_64-linux-gnu/janus
[ -d "$lib" ] || lib=$(dirname "$(dpkg -L janus | grep -m1 '/plugins/libjanus_audiobridge.so$')")/..
mkdir -p "$dir/conf" "$dir/plugins" "$dir/transports" "$dir/events" "$dir/loggers"
ln -sf "$lib/plugins/libjanus_audiobridge.so" "$dir/plugins/"
ln -sf "$lib/transports/libjanus_http.so" "$dir/transports/"
cat > "$dir/conf/janus.jcfg" <<CFG
general: {
	configs_folder = "$dir/conf"
	plugins_folder = "$dir/plugins"
	transports_folder = "$dir/transports"
	events_folder = "$dir/events"
	loggers_folder = "$dir/loggers"
	debug_level = 3
	session_timeout = 0
	server_name = "consort-perf-compare"
}
certificates: {
}
media: {
	ipv6 = false
	rtp_port_range = "$first-$last"
}
nat: {
	nice_debug = false
	ice_lite = true
	ice_enforce_list = "lo"
	ignore_mdns = true
}
plugins: {
}
transports: {
}
events: {
	broadcast = false
}
CFG
cat > "$dir/conf/janus.plugin.audiobridge.jcfg" <<CFG
general: {
	local_ip = "127.0.0.1"
	rtp_port_range = "$first-$last"
	events = false
}
CFG
cat > "$dir/conf/janus.transport.http.jcfg" <<CFG
general: {
	json = "compact"
	base_path = "/janus"
	http = true
	port = $port
	ip = "127.0.0.1"
	https = false
}
admin: {
	admin_base_path = "/admin"
	admin_http = false
	admin_https = false
}
cors: {
}
CFG
janus --config="$dir/conf/janus.jcfg" --configs-folder="$dir/conf" --plugins-folder="$dir/plugins" \
	--interface=127.0.0.1 --ice-enforce-list=lo --rtp-port-range="$first-$last" --disable-colors \
	>"$dir/janus.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then echo "$pid"; exit 0; fi
	kill -0 "$pid" 2>/dev/null || { echo "janus exited; log:" >&2; tail -20 "$dir/janus.log" >&2; exit 1; }
	sleep 0.1
done
echo "janus did not open 127.0.0.1:$port within 10 s" >&2
kill "$pid"; exit 1
