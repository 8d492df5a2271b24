#!/usr/bin/env bash
# Participants per core: `consort loadgen --find-capacity` against a release `consort serve` for meetings of each size
# in SIZES, one fresh server per size (Config/consort.yaml with the tenant limits lifted, see below), and the table written into README.md between the capacity markers (the lines
# `<!-- capacity:begin -->` and `<!-- capacity:end -->`), so `make capacity` regenerates it. Everything stays on
# loopback. Usage (from the package root; `make capacity` builds the release binary first):
#   Benchmarks/capacity/capacity.sh
# Environment: SIZES ("5 20 100"), TALKERS (3), THRESHOLD (0.005), STEP (participants per step, 50), STEP_SECONDS (5),
#   MAX (the most participants a ramp reaches, 2000), CONSORT (default .build/release/consort), OUT (JSON reports),
#   README (the file to update; "-" prints the table only).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
consort=${CONSORT:-"$root/.build/release/consort"}
SIZES=${SIZES:-"5 20 100"} TALKERS=${TALKERS:-3} THRESHOLD=${THRESHOLD:-0.005} STEP=${STEP:-50} STEP_SECONDS=${STEP_SECONDS:-5}
MAX=${MAX:-2000} README=${README:-"$root/README.md"}
OUT=${OUT:-$(mktemp -d /tmp/consort-capacity.XXXXXX)}
[ -x "$consort" ] || { echo "build first: swift build -c release --product consort" >&2; exit 1; }
mkdir -p "$OUT"
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

# Config/consort.yaml with the per-tenant limits lifted (every call goes to the default tenant): the share of the
# mixing time and of the ports one tenant may take, its live meetings and participants. Otherwise the ramp measures
# the default tenant's quota (50 meetings, 500 participants, half the tick time), not the server. The MCU's own
# guard, media.maxTickShare, is lifted too: the ramp is to find where the media breaks, not where it refuses calls.
python3 - "$root/Config/consort.yaml" "$OUT/capacity.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for key, value in [("maxTenantTickShare", "1.0"), ("maxTickShare", "1.0"), ("maxTenantPortShare", "1.0"), ("concurrentMeetings", "400"),
                   ("concurrentParticipants", "2000")]:
    text, n = re.subn(rf"^(\s*{key}:)\s*\S+", rf"\g<1> {value}", text, flags=re.M)
    if n == 0: sys.exit(f"Config/consort.yaml has no {key}")
open(sys.argv[2], "w").write(text)
PY

for p in $SIZES; do
	port=$(free_port)
	"$consort" serve --config "$OUT/capacity.yaml" --sip-address 127.0.0.1 --sip-port "$port" \
		--rtp-ports 40000-49999 --admin-port 0 --log-level warning >"$OUT/serve-$p.log" 2>&1 &
	started=$!
	for _ in $(seq 100); do grep -q "accepting calls" "$OUT/serve-$p.log" 2>/dev/null && break; sleep 0.1; done
	echo "capacity: meetings of $p …" >&2
	# Progress lines go to the terminal (stderr here); the JSON report to the file.
	"$consort" loadgen --find-capacity --target "127.0.0.1:$port" --meeting-prefix "cap$p-" --participants "$p" \
		--conferences $(( (MAX + p - 1) / p )) --talkers "$TALKERS" --threshold "$THRESHOLD" --step-participants "$STEP" \
		--step-seconds "$STEP_SECONDS" --source-addresses 127.0.0.2-127.0.0.250 --server-pid "$started" --json \
		>"$OUT/capacity-$p.json" || true
	cleanup
done

python3 - "$OUT" "$README" "$SIZES" "$THRESHOLD" <<'PY'
import json, os, sys, time, subprocess
out, readme, sizes, threshold = sys.argv[1], sys.argv[2], sys.argv[3].split(), float(sys.argv[4])
cores = os.cpu_count()
rows = ["| meeting size | capacity (participants) | meetings | server CPU there | participants per core | late / lost there | stopped because | load generator late ticks |",
        "|---|---|---|---|---|---|---|---|"]
for p in sizes:
    path = os.path.join(out, f"capacity-{p}.json")
    try:
        r = json.load(open(path))
    except Exception as e:
        rows.append(f"| {p} | — | — | — | — | — | no report ({e}) | — |")
        continue
    g = r.get("lastGood")
    late = f"{r['lateTicks']} of {r['ticks']}"
    why = r["stopReason"].replace("|", "/")
    if not g:
        rows.append(f"| {p} | < {r['steps'][0]['participants'] if r['steps'] else '?'} | — | — | — | — | {why} | {late} |")
        continue
    sc = g.get("serverCores")
    per = f"{g['participants'] / sc:.0f}" if sc else "—"
    rows.append(f"| {p} | {g['participants']} | {g['meetings']} | {sc:.2f} cores | {per} | {g['lateShare']*100:.2f} % / {g['lossShare']*100:.2f} % | {why} | {late} |")
load = open("/proc/loadavg").read().split()[:3]
stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
table = "\n".join(rows) + f"\n\n({stamp}, `make capacity`: release `consort serve` on Config/consort.yaml with the per-tenant limits lifted, {cores} cores shared with other work, load average {' '.join(load)} at the end; threshold {threshold*100:.2f} % late or lost.)\n"
print(table)
if readme != "-":
    text = open(readme).read()
    begin, end = "<!-- capacity:begin -->", "<!-- capacity:end -->"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        open(readme, "w").write(head + begin + "\n" + table + end + tail)
        print(f"written into {readme}", file=sys.stderr)
    else:
        print(f"{readme} has no {begin} … {end} markers: table not written", file=sys.stderr)
PY
