// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares (see STYLE.md).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Consort",
    products: [
        .executable(name: "consort", targets: ["consort"]),
        .library(name: "RTPWire", targets: ["RTPWire"]),
        .library(name: "SRTP", targets: ["SRTP"]),
        .library(name: "OpusCodec", targets: ["OpusCodec"]),
        .library(name: "AudioMixer", targets: ["AudioMixer"]),
        .library(name: "MediaBench", targets: ["MediaBench"]),
        .library(name: "SDP", targets: ["SDP"]),
        .library(name: "SIPWire", targets: ["SIPWire"]),
        .library(name: "SIP", targets: ["SIP"]),
        .library(name: "FocusSQLite", targets: ["FocusSQLite"]),
        .library(name: "FocusPostgres", targets: ["FocusPostgres"]),
        .library(name: "MCUPool", targets: ["MCUPool"]),
        .library(name: "ConferenceInfo", targets: ["ConferenceInfo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // No default traits: the Admin API needs neither swift-configuration nor full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        // MCUControl over the network (`consort mcu`): gRPC with protobuf messages (code generated once and committed).
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // Tests only: TestClock drives the focus's timers (FocusTests).
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
    ],
    targets: [
        // C libraries from Debian, through pkg-config.
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // C only where Swift cannot call: opus ctl variadics.
        .target(name: "CConsortShims", dependencies: ["COpus"]),
        // C only where Swift cannot call: epoll and recvmmsg for the media sockets (integers and buffers cross, no structs).
        .target(name: "CConsortSockets"),

        .target(name: "RTPWire", swiftSettings: swiftSettings),
        /// SIP messages, URIs and headers (RFC 3261 and friends): pure value parsing and serialising, no I/O.
        .target(name: "SIPWire", swiftSettings: swiftSettings),
        /// Session descriptions (RFC 8866) and offer/answer (RFC 3264): no I/O.
        .target(name: "SDP", swiftSettings: swiftSettings),
        /// Conference state documents, application/conference-info+xml (RFC 4575): model, XML writer and reader,
        /// partial notifications. No I/O.
        .target(name: "ConferenceInfo", swiftSettings: swiftSettings),
        .target(name: "SRTP", dependencies: ["CSRTP", "COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "OpusCodec", dependencies: ["COpus", "CConsortShims"], swiftSettings: swiftSettings),
        .target(name: "AudioMixer", dependencies: ["OpusCodec", "RTPWire"], swiftSettings: swiftSettings),
        /// The benchmarks' pipelines: the MCU's real media path on a memory network (`consort bench mixer`, the suite) and synthetic speech.
        .target(
            name: "MediaBench",
            dependencies: [
                "AudioMixer", "OpusCodec", "RTPWire", "SRTP", "SDP", "MediaCore", "MCUControl", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        /// The focus <-> MCU control protocol: typed Codable messages and the controller interface.
        .target(name: "MCUControl", swiftSettings: swiftSettings),
        /// One log line per key per interval with a count of those held back (refusal logs of the focus and the MCU's
        /// control server). No logging backend, no clock: pure value code.
        .target(name: "LogLimits", swiftSettings: swiftSettings),
        /// MCUControl over gRPC: the client the focus drives remote MCUs with, and the service `consort mcu` serves
        /// (token in metadata, protocol revision checked, deadlines, a stream of events and load reports).
        .target(
            name: "MCUGRPC",
            dependencies: [
                "MCUControl", "LogLimits",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            exclude: ["Proto"],
            swiftSettings: swiftSettings
        ),
        /// The focus's side of an MCU pool: places conferences on `consort mcu` instances by measured load, routes each
        /// call to the instance holding the conference, and moves conferences off a dead or draining instance.
        .target(
            name: "MCUPlacement",
            dependencies: [
                "MCUPool", "MCUGRPC", "MCUControl", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The MCU pool's shared state as both sides see it: registered instances with their last load report, and
        /// the placement of every live conference with its fencing epoch. Protocol and values only, no database.
        .target(name: "MCUPool", dependencies: ["MCUControl"], swiftSettings: swiftSettings),
        /// The A/V MCU: endpoints, sockets, the real-time mixing loop.
        .target(
            name: "MediaCore",
            dependencies: [
                "MCUControl", "AudioMixer", "OpusCodec", "RTPWire", "SRTP", "SDP", "CConsortSockets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        /// SIP transports (UDP, TCP on SwiftNIO), transactions, dialogs, digest authentication, the user agent.
        .target(
            name: "SIP",
            dependencies: [
                "SIPWire", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Real SIP user agents with real Opus RTP, for load tests (`consort loadgen`); also drives Janus AudioBridge.
        .target(
            name: "LoadGenerator",
            dependencies: [
                "SIP", "SIPWire", "SDP", "RTPWire", "OpusCodec", "MediaBench", "MediaCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Conferences, meetings, rosters and policies; drives media only through MCUControl and reads no SDP (the MCU does).
        .target(
            name: "Focus",
            dependencies: [
                "SIP", "SIPWire", "MCUControl", "ConferenceInfo", "LogLimits", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        /// The focus's store on one machine: tenants, users, meetings and registrations in an embedded SQLite file.
        .target(
            name: "FocusSQLite",
            dependencies: ["Focus", "MCUControl", "SIP", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),

        /// The shared store of several hosts on PostgreSQL (postgres-nio): the focus's store and the MCU pool's state,
        /// each with its own versioned migrations.
        .target(
            name: "FocusPostgres",
            dependencies: [
                "Focus", "MCUPool", "MCUControl", "SIP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        /// The HTTP admin API (tenants, meetings, live conferences and their control) and `/metrics` in Prometheus text.
        .target(
            name: "Admin",
            dependencies: [
                "Focus", "SIP", "SIPWire", "MCUControl", "MCUPool",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "consort",
            dependencies: [
                "AudioMixer", "OpusCodec", "MediaBench", "SIP", "SIPWire", "SDP", "SRTP", "MCUControl", "MediaCore", "Focus", "FocusSQLite",
                "FocusPostgres", "LoadGenerator", "Admin", "MCUGRPC", "MCUPool", "MCUPlacement",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Helpers the test targets share (package root, free ports, running programs with a time limit).
        .target(name: "TestSupport", path: "Tests/Support", swiftSettings: swiftSettings),
        .testTarget(name: "RTPWireTests", dependencies: ["RTPWire"], swiftSettings: swiftSettings),
        .testTarget(name: "SIPWireTests", dependencies: ["SIPWire"], exclude: ["RFC4475.md"], swiftSettings: swiftSettings),
        .testTarget(name: "SDPTests", dependencies: ["SDP"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ConferenceInfoTests", dependencies: ["ConferenceInfo", "TestSupport"], exclude: ["Schema"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SIPTests",
            dependencies: [
                "SIP", "SIPWire", "SDP", "TestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            exclude: ["Scenarios", "Scripts"],
            swiftSettings: swiftSettings),
        .testTarget(name: "SRTPTests", dependencies: ["SRTP"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "OpusCodecTests", dependencies: ["OpusCodec"], swiftSettings: swiftSettings),
        .testTarget(name: "FocusSQLiteTests", dependencies: ["FocusSQLite", "Focus", "TestSupport"], swiftSettings: swiftSettings),
        // The FocusStore behaviours, each run against SQLite and against a PostgreSQL the tests start (TestSupport).
        .testTarget(
            name: "FocusStoreTests", dependencies: ["Focus", "FocusSQLite", "FocusPostgres", "MCUControl", "SIP", "TestSupport"],
            swiftSettings: swiftSettings),
        // What only PostgreSQL has: URLs, connection errors, migrations, and the MCU pool's store.
        .testTarget(
            name: "FocusPostgresTests",
            dependencies: [
                "Focus", "FocusPostgres", "MCUPool", "MCUControl", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The focus's logic: policies, limits, tables, and its call flows against a recording fake of MCUController and a
        // test clock (real SIP on loopback; no MCU, no waiting for time to pass).
        .testTarget(
            name: "FocusTests",
            dependencies: [
                "Focus", "FocusSQLite", "SIP", "SIPWire", "SDP", "MCUControl", "ConferenceInfo", "TestSupport",
                .product(name: "Clocks", package: "swift-clocks"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "LogLimitsTests", dependencies: ["LogLimits"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MCUGRPCTests",
            dependencies: [
                "MCUGRPC", "MCUControl", "MediaCore", "AudioMixer", "OpusCodec", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "AudioMixerTests", dependencies: ["AudioMixer", "OpusCodec", "RTPWire", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ConsortTests",
            dependencies: [
                "consort", "MediaBench", "TestSupport", "MediaCore", "MCUControl", "Focus", "FocusSQLite", "SIP", "SIPWire", "LoadGenerator",
                "Admin", "MCUGRPC",
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Scenarios"],
            swiftSettings: swiftSettings),
    ]
)
