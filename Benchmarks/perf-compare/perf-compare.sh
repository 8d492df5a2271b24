#!/usr/bin/env bash
# CPU per participant-second: Consort (`consort serve`, release build) against Janus AudioBridge (Debian's janus),
# the same speech-like Opus load at 50 packets/s per participant from `consort loadgen`, back to back in one run.
# Everything stays on 127.0.0.1. Usage (from the package root; `make perf-compare` / `make perf-janus` call it):
#   Benchmarks/perf-compare/perf-compare.sh [all|consort|janus]
# Environment: WARMUP (s, 5), WINDOW (s, 20), REPEAT (3), TALKERS (3), LEVELS (0/1: RFC 6464 levels in the load),
#   CONFIG (the server's configuration file, default Config/consort.yaml),
#   CONSORT_SHAPES / JANUS_SHAPES ("PxM ...", participants × meetings), OUT (directory for the JSON reports),
#   CONSORT (the server binary, default .build/release/consort) and LOADGEN (the binary whose `loadgen` runs, default
#   $CONSORT): an older server measured with the same load generator, back to back, gives a before/after ratio.
set -euo pipefail
which=${1:-all}
root=$(cd "$(dirname "$0")/../.." && pwd)
consort=${CONSORT:-"$root/.build/release/consort"}
loadgen=${LOADGEN:-"$consort"}
WARMUP=${WARMUP:-5} WINDOW=${WINDOW:-20} REPEAT=${REPEAT:-3} TALKERS=${TALKERS:-3} LEVELS=${LEVELS:-0}
CONSORT_SHAPES=${CONSORT_SHAPES:-"30x1 10x6 10x1 60x1"}
JANUS_SHAPES=${JANUS_SHAPES:-"30x1 10x6"}
OUT=${OUT:-$(mktemp -d /tmp/consort-perf.XXXXXX)}
mkdir -p "$OUT"
[ -x "$consort" ] && [ -x "$loadgen" ] || { echo "build first: swift build -c release --product consort" >&2; exit 1; }
levels=(); [ "$LEVELS" = 1 ] && levels=(--levels)
started=""
cleanup() {  # SIGTERM to the one server this script started, then wait (at most 10 s) until it is gone
	if [ -n "$started" ]; then
		kill "$started" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$started" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$started" 2>/dev/null || true
	fi
	started=""
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_consort() {  # participants meetings
	local p=$1 m=$2 port; port=$(free_port)
	"$consort" serve --config "${CONFIG:-$root/Config/consort.yaml}" --sip-address 127.0.0.1 --sip-port "$port" \
		--rtp-ports 44000-47999 --log-level warning >"$OUT/consort-serve-${p}x${m}.log" 2>&1 &
	started=$!
	sleep 1.5
	# Participants spread over 249 loopback addresses: the run measures the server, not its per-source SIP limits.
	"$loadgen" loadgen --target "127.0.0.1:$port" --meeting-prefix "perf${p}x${m}-" --participants "$p" --conferences "$m" \
		--source-addresses 127.0.0.2-127.0.0.250 --talkers "$TALKERS" "${levels[@]}" --server-pid "$started" --warmup "$WARMUP" --window "$WINDOW" --repeat "$REPEAT" \
		--json >"$OUT/consort-${p}x${m}.json"
	cleanup
}

run_janus() {  # participants meetings
	local p=$1 m=$2 port; port=$(free_port)
	started=$("$root/Benchmarks/perf-compare/start-janus.sh" "$port" 48000 49999 "$OUT/janus-${p}x${m}")
	"$loadgen" loadgen --janus --target "127.0.0.1:$port" --participants "$p" --conferences "$m" \
		--talkers "$TALKERS" "${levels[@]}" --server-pid "$started" --warmup "$WARMUP" --window "$WINDOW" --repeat "$REPEAT" \
		--json >"$OUT/janus-${p}x${m}.json"
	cleanup
}

echo "perf-compare: warm-up ${WARMUP} s, ${REPEAT} windows of ${WINDOW} s, ${TALKERS} talkers per meeting; reports in $OUT" >&2
if [ "$which" != janus ]; then
	for s in $CONSORT_SHAPES; do echo "  consort ${s} …" >&2; run_consort "${s%x*}" "${s#*x}"; done
fi
if [ "$which" != consort ]; then
	command -v janus >/dev/null || { echo "janus is not installed: make perf-janus installs it" >&2; exit 1; }
	for s in $JANUS_SHAPES; do echo "  janus ${s} …" >&2; run_janus "${s%x*}" "${s#*x}"; done
fi
python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
def load(name):
    path = os.path.join(out, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else None
shapes = []
for f in sorted(os.listdir(out)):
    if f.endswith(".json"):
        server, shape = f[:-5].split("-", 1)
        if shape not in shapes: shapes.append(shape)
shapes.sort(key=lambda s: (int(s.split("x")[1]) > 1, int(s.split("x")[0])))
print("| shape | server | calls up | windows (CPU-ms per participant-second) | median | % of a core | rx/tx packets | late ticks | Consort ÷ Janus |")
print("|---|---|---|---|---|---|---|---|---|")
for shape in shapes:
    p, m = shape.split("x")
    label = f"{p} in one room" if m == "1" else f"{m} rooms of {p}"
    c, j = load("consort-" + shape), load("janus-" + shape)
    for name, r in (("Consort", c), ("Janus", j)):
        if r is None: continue
        w = [x["cpuSeconds"] * 1000 / (x["participants"] * x["wallSeconds"]) for x in r["windows"]]
        core = sum(x["cpuSeconds"] for x in r["windows"]) / max(1e-9, sum(x["wallSeconds"] for x in r["windows"]))
        med = r.get("medianCPUMillisecondsPerParticipantSecond")
        ratio = ""
        if name == "Consort" and j and med and j.get("medianCPUMillisecondsPerParticipantSecond"):
            ratio = f"{med / j['medianCPUMillisecondsPerParticipantSecond']:.2f}"
        rx = r["media"]["packetsReceived"] / max(1, r["media"]["packetsSent"])
        print(f"| {label} | {name} | {r['callsSetUp']}/{r['callsAttempted']} | {', '.join(f'{x:.2f}' for x in w)} | "
              f"{med:.2f} | {core*100:.0f} % | {rx:.3f} | {r['lateTicks']} | {ratio} |" if med is not None else
              f"| {label} | {name} | {r['callsSetUp']}/{r['callsAttempted']} | — | — | — | — | — | |")
PY
