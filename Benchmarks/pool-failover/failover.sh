#!/usr/bin/env bash
# SIGKILL of a pool MCU under load → audio back. Starts everything it needs on loopback and stops it at the end:
# PostgreSQL 15 of its own (initdb in a temporary folder, pg_ctl on a free port of 127.0.0.1; as the postgres user when
# run as root), two `consort mcu` instances (media on 127.0.0.3 and 127.0.0.4) and a focus with the pool enabled
# (`consort serve`), then `consort loadgen` with CONFERENCES meetings of PARTICIPANTS (TALKERS talking in each).
# WARMUP seconds after every meeting is placed it SIGKILLs the instance hosting the most meetings, and reports from
# the load generator's per-participant receive gaps: for every participant of a moved meeting, the time from the kill
# to the first packet after its longest silence (audio back, median and max), the re-INVITE → first packet from the
# new instance, calls lost, participants silent at the end, and the placement before the kill.
# Usage (from the package root; `make pool-failover` builds the release binary first):
#   Benchmarks/pool-failover/failover.sh
# Environment: CONFERENCES (10), PARTICIPANTS (10), TALKERS (3), WARMUP (s, 5), AFTER (s of media after the kill, 10),
#   DOWN_AFTER (pool.downAfterSeconds, 2), CONSORT (the binary, default .build/release/consort), OUT (folder for the
#   logs and the JSON report).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
consort=${CONSORT:-"$root/.build/release/consort"}
CONFERENCES=${CONFERENCES:-10} PARTICIPANTS=${PARTICIPANTS:-10} TALKERS=${TALKERS:-3}
WARMUP=${WARMUP:-5} AFTER=${AFTER:-10} DOWN_AFTER=${DOWN_AFTER:-2}
OUT=${OUT:-$(mktemp -d /tmp/consort-failover.XXXXXX)}
pgbin=/usr/lib/postgresql/15/bin
[ -x "$consort" ] || { echo "build first: swift build -c release --product consort" >&2; exit 1; }
[ -x "$pgbin/pg_ctl" ] || { echo "PostgreSQL 15 is missing: make deps (apt-get install postgresql)" >&2; exit 1; }
mkdir -p "$OUT"

pgdir=$(mktemp -d /tmp/consort-failover-pg.XXXXXX)
pids=()
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); chown postgres: "$pgdir"; fi
cleanup() {  # every process this script started, then its PostgreSQL and its folder
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
	[ -f "$pgdir/data/postmaster.pid" ] && (cd "$pgdir" && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w -t 20 stop >/dev/null 2>&1) || true
	rm -rf "$pgdir"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_log() {  # file text seconds
	for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "no '$2' in $1 after $3 s:" >&2; tail -20 "$1" >&2; exit 1
}

password=$(python3 -c 'import uuid; print(uuid.uuid4().hex)')
token=$(python3 -c 'import uuid; print(uuid.uuid4().hex)')
echo "$password" >"$pgdir/password"
[ ${#as_pg[@]} -gt 0 ] && chown postgres: "$pgdir/password"
pgport=$(free_port)
(cd "$pgdir" && "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U consort --pwfile="$pgdir/password" --auth-local=trust \
	--auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$OUT/initdb.log" 2>&1)
(cd "$pgdir" && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 -o \
	"-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
	start >"$OUT/pg_ctl.log" 2>&1)
(cd "$pgdir" && "${as_pg[@]}" "$pgbin/createdb" -h "$pgdir" -p "$pgport" -U consort consort)
url="postgres://consort:$password@127.0.0.1:$pgport/consort?sslmode=disable"
sql() { (cd "$pgdir" && "${as_pg[@]}" "$pgbin/psql" -h "$pgdir" -p "$pgport" -U consort -d consort -At -c "$1"); }

declare -A instance_pid
rtp=30000
for spec in mcu-a:127.0.0.3 mcu-b:127.0.0.4; do
	id=${spec%%:*} media=${spec#*:}
	"$consort" mcu --config "$root/Config/consort.yaml" --control-address "127.0.0.1:$(free_port)" --media-address "$media" \
		--rtp-ports "$rtp-$((rtp + 1999))" --id "$id" --token "$token" --database "$url" --log-level info >"$OUT/$id.log" 2>&1 &
	pids+=($!)
	instance_pid[$id]=$!
	rtp=$((rtp + 2000))
done
for id in mcu-a mcu-b; do wait_log "$OUT/$id.log" "MCU instance ready" 30; done

sipport=$(free_port)
cat >"$OUT/focus.yaml" <<YAML
sip:
  address: 127.0.0.1
  port: $sipport
focus:
  database: "$url"
  promptDirectory: $root/Config/prompts
admin:
  port: 0
pool:
  enabled: true
  token: $token
  downAfterSeconds: $DOWN_AFTER
YAML
"$consort" serve --config "$OUT/focus.yaml" --log-level info >"$OUT/focus.log" 2>&1 &
pids+=($!)
wait_log "$OUT/focus.log" "accepting calls" 30
sleep 1  # the focus has read the instances' first load reports

total=$((CONFERENCES * PARTICIPANTS))
echo "pool-failover: $CONFERENCES meetings × $PARTICIPANTS participants ($TALKERS talking) on mcu-a + mcu-b; logs in $OUT" >&2
"$consort" loadgen --target "127.0.0.1:$sipport" --meeting-prefix fo- --participants "$PARTICIPANTS" \
	--conferences "$CONFERENCES" --talkers "$TALKERS" --seconds $((WARMUP + AFTER + 2)) \
	--source-addresses 127.0.0.10-127.0.0.250 --report-gaps --json >"$OUT/loadgen.json" 2>"$OUT/loadgen.log" &
loadgen=$!
pids+=($loadgen)

for _ in $(seq 600); do  # every meeting placed (at most 60 s)
	[ "$(sql "SELECT count(*) FROM conference_placements WHERE meeting LIKE 'fo-%'")" -ge "$CONFERENCES" ] && break
	sleep 0.1
done
sleep "$WARMUP"
sql "SELECT instance, count(*) FROM conference_placements WHERE meeting LIKE 'fo-%' GROUP BY instance ORDER BY 2 DESC, 1" >"$OUT/placement-before.txt"
victim=$(head -1 "$OUT/placement-before.txt" | cut -d'|' -f1)
[ -n "$victim" ] || { echo "no meeting was placed" >&2; exit 1; }
killed_at=$(date +%s.%N)
kill -9 "${instance_pid[$victim]}"
echo "  SIGKILL to $victim at $killed_at; placement before: $(tr '\n' ' ' <"$OUT/placement-before.txt")" >&2
sleep "$AFTER"
sql "SELECT instance, count(*) FROM conference_placements WHERE meeting LIKE 'fo-%' GROUP BY instance ORDER BY 1" >"$OUT/placement-after.txt"
wait "$loadgen" || true  # its media ends about 2 s later; every call gets its BYE and the report is written

python3 - "$OUT" "$killed_at" "$victim" <<'PY'
import json, sys, os, re, statistics
out, killed, victim = sys.argv[1], float(sys.argv[2]), sys.argv[3]
r = json.load(open(os.path.join(out, "loadgen.json")))
before = [l.split("|") for l in open(os.path.join(out, "placement-before.txt")).read().split()]
after = [l.split("|") for l in open(os.path.join(out, "placement-after.txt")).read().split()]
moved = [p for p in r.get("perParticipant", []) if p["reinvites"] > 0]
back = sorted(p["longestGapEndedAt"] - killed for p in moved if p.get("longestGapEndedAt"))
reinv = sorted(x for p in moved for x in p["reinviteToMediaMilliseconds"])
focus = open(os.path.join(out, "focus.log")).read()
moves = re.findall(r'milliseconds=(\d+)[^\n]*conference media moved', focus)
print(f"placement before the kill: " + ", ".join(f"{i} {n}" for i, n in before) + f"; SIGKILL {victim}; after: " + ", ".join(f"{i} {n}" for i, n in after))
print(f"calls set up {r['callsSetUp']} of {r['callsAttempted']}, lost {r['callsLost']}, silent in the last second {r['participantsSilentAtEnd']}, re-invited participants {len(moved)}")
if back:
    print(f"kill → audio back per moved participant: median {statistics.median(back):.2f} s, max {max(back):.2f} s (min {min(back):.2f} s, n={len(back)})")
if reinv:
    print(f"re-INVITE → first packet from the new instance: median {statistics.median(reinv):.0f} ms, max {max(reinv):.0f} ms")
if moves:
    print(f"focus: {len(moves)} meetings re-INVITEd in {min(map(int, moves))}–{max(map(int, moves))} ms each")
downs = re.findall(r'mcu=(\S+)[^\n]*MCU instance down', focus)
print(f"instances marked down: {', '.join(downs) or 'none'} (only the one killed is expected; another means a live instance missed pool.downAfterSeconds of reports)")
missing = [p["name"] for p in moved if not p["reinviteToMediaMilliseconds"]]
if missing: print(f"re-invited but no audio from the new instance: {missing[:10]}")
for reason in r.get("lostReasons", []): print(f"  lost: {reason}")
PY
