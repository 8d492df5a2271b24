# Consort: the README's two commands are `make run` and `make test`; both install what is missing first.
SWIFT       ?= swift
CONFIG      ?= Config/consort.yaml
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the build, the tests and the benchmarks need (libsqlite3-dev: the focus's store; postgresql: the
# shared store's tests start servers of their own from its binaries; libxml2-utils: xmllint validates conference-info
# documents).
APT_PACKAGES := libopus-dev libsrtp2-dev libssl-dev openssl libsqlite3-dev postgresql pkg-config gcc python3 python3-cryptography valgrind sip-tester iproute2 util-linux baresip-core ffmpeg libxml2-utils curl

.PHONY: deps build release run test grpc-generate janus-deps perf-janus perf-compare pool-failover capacity bench bench-check bench-thresholds fuzz-rtp fuzz-rtcp fuzz-sip fuzz-sdp fuzz-confinfo clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product consort

run: release
	.build/release/consort serve --config $(CONFIG)

# One test at a time: the real-time tests (sipp, serve, floods) must never run beside each other; the rest take seconds.
test: deps
	$(SWIFT) test --no-parallel

# Regenerates the MCUControl gRPC code (Sources/MCUGRPC/Generated, committed) after a change to its .proto.
grpc-generate:
	@command -v protoc >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends protobuf-compiler; }
	Sources/MCUGRPC/Proto/generate.sh

# CPU per participant-second against Janus AudioBridge (README, Performance). Not part of `make test`: janus is
# installed here, only when missing. perf-janus measures Janus alone; perf-compare runs Consort then Janus, back to back.
janus-deps:
	@command -v janus >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends janus; }

perf-janus: release janus-deps
	Benchmarks/perf-compare/perf-compare.sh janus

perf-compare: release janus-deps
	Benchmarks/perf-compare/perf-compare.sh all

# SIGKILL of a pool MCU under load (README, Operating a pool): PostgreSQL, two `consort mcu` and a focus of its own,
# loadgen 10 meetings × 10, the instance with the most meetings killed; prints kill → audio back, calls lost, placement.
pool-failover: release
	Benchmarks/pool-failover/failover.sh

# Participants per core for meetings of 5, 20 and 100 (`consort loadgen --find-capacity` against a release `consort
# serve`); rewrites the table between the capacity markers in README.md.
capacity: release
	Benchmarks/capacity/capacity.sh

# The full benchmark suite (package-benchmark, in its own package under Benchmarks/).
bench: deps
	cd Benchmarks && $(SWIFT) package benchmark

# The allocation gate run by CI: fails when a steady-state packet or tick path allocates more than Thresholds/ allows.
# Exit 4 from the tool means fewer allocations than allowed: that passes (lower the thresholds with bench-thresholds).
bench-check: deps
	cd Benchmarks && CONSORT_BENCH_GATE=1 $(SWIFT) package benchmark thresholds check --path Thresholds --no-progress; \
	rc=$$?; if [ $$rc -eq 4 ]; then echo "bench-check: fewer mallocs than Thresholds/ allow; run 'make bench-thresholds' to lower them"; \
	elif [ $$rc -ne 0 ]; then echo "bench-check: a hot path allocates more than Thresholds/ allows (exit $$rc)"; exit $$rc; fi

# Rewrites Thresholds/ from a gate run (after a deliberate change in allocation counts).
bench-thresholds: deps
	cd Benchmarks && CONSORT_BENCH_GATE=1 $(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update --path Thresholds --no-progress

# libFuzzer runs of the parsers (Tests/Fuzz, not a SwiftPM target): build with swiftc, then
# fuzz for FUZZ_SECONDS from the committed seeds; new corpus entries go under .build/, crashes to fuzz-artifacts/.
SWIFTC       ?= swiftc
FUZZ_SECONDS ?= 60
FUZZ_COMMON  := -sanitize=fuzzer,address -parse-as-library -O -use-ld=lld \
                -enable-upcoming-feature ExistentialAny -enable-upcoming-feature InternalImportsByDefault
FUZZ_FLAGS   := $(FUZZ_COMMON) -module-name RTPWire

fuzz-rtp:
	mkdir -p .build/fuzz-corpus-rtp fuzz-artifacts
	$(SWIFTC) $(FUZZ_FLAGS) Sources/RTPWire/*.swift Tests/Fuzz/RTPFuzz.swift -o .build/fuzz-rtp
	.build/fuzz-rtp -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz-artifacts/ .build/fuzz-corpus-rtp Tests/Fuzz/Seeds/rtp

fuzz-rtcp:
	mkdir -p .build/fuzz-corpus-rtcp fuzz-artifacts
	$(SWIFTC) $(FUZZ_FLAGS) Sources/RTPWire/*.swift Tests/Fuzz/RTCPFuzz.swift -o .build/fuzz-rtcp
	.build/fuzz-rtcp -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz-artifacts/ .build/fuzz-corpus-rtcp Tests/Fuzz/Seeds/rtcp

# The SIPWire message parser, accessors, serialiser and stream framer (seeds: RFC 4475 messages and ordinary calls).
fuzz-sip:
	mkdir -p .build/fuzz-corpus-sip fuzz-artifacts
	$(SWIFTC) $(FUZZ_COMMON) -module-name SIPWire Sources/SIPWire/*.swift Tests/Fuzz/SIPFuzz.swift -o .build/fuzz-sip
	SWIFT_BACKTRACE=enable=no .build/fuzz-sip -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=fuzz-artifacts/ .build/fuzz-corpus-sip Tests/Fuzz/Seeds/sip

# The SDP parser, serialiser and offer/answer (Tests/Fuzz/SDPFuzz.swift).
fuzz-sdp:
	mkdir -p .build/fuzz-corpus-sdp fuzz-artifacts
	$(SWIFTC) $(FUZZ_COMMON) -module-name SDP Sources/SDP/*.swift Tests/Fuzz/SDPFuzz.swift -o .build/fuzz-sdp
	SWIFT_BACKTRACE=enable=no .build/fuzz-sdp -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz-artifacts/ .build/fuzz-corpus-sdp Tests/Fuzz/Seeds/sdp

# The ConferenceInfo reader, writer, merge and diff (Tests/Fuzz/ConferenceInfoFuzz.swift; seeds: generated documents).
fuzz-confinfo:
	mkdir -p .build/fuzz-corpus-confinfo fuzz-artifacts
	$(SWIFTC) $(FUZZ_COMMON) -module-name ConferenceInfo Sources/ConferenceInfo/*.swift Tests/Fuzz/ConferenceInfoFuzz.swift -o .build/fuzz-confinfo
	SWIFT_BACKTRACE=enable=no .build/fuzz-confinfo -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -artifact_prefix=fuzz-artifacts/ .build/fuzz-corpus-confinfo Tests/Fuzz/Seeds/confinfo

clean:
	rm -rf .build Benchmarks/.build
