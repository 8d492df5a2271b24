// swift-tools-version: 6.1
import PackageDescription

// The benchmark suite (ordo-one package-benchmark), in its own package so the server's build and tests never
// pay for it. `make bench` runs it all; `make bench-check` is the allocation gate CI runs.
let package = Package(
    name: "ConsortBenchmarks",
    dependencies: [
        .package(name: "Consort", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MediaBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RTPWire", package: "Consort"),
                .product(name: "SRTP", package: "Consort"),
                .product(name: "OpusCodec", package: "Consort"),
                .product(name: "AudioMixer", package: "Consort"),
                .product(name: "MediaBench", package: "Consort"),
                .product(name: "SIPWire", package: "Consort"),
            ],
            path: "MediaBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
