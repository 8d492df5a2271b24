#!/bin/sh
# Regenerates Sources/MCUGRPC/Generated from mcu_control.proto (`make grpc-generate`). The output is committed: the
# Swift protoc plugins take minutes to build, so neither the build nor CI runs this.
# Needs protoc (Debian's protobuf-compiler, installed by the Makefile target) and builds the two plugins once into
# .build-protoc/ from the same package versions as Package.swift.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
tools="$root/.build-protoc"
mkdir -p "$tools/Dummy"
cat > "$tools/Package.swift" <<'SWIFT'
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "ProtocPlugins",
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [.target(name: "Dummy", path: "Dummy")]
)
SWIFT
[ -f "$tools/Dummy/Dummy.swift" ] || echo "// only here so the plugins' package builds" > "$tools/Dummy/Dummy.swift"
(cd "$tools" && swift build -c release --product protoc-gen-swift && swift build -c release --product protoc-gen-grpc-swift-2)
bin="$tools/.build/release"
out="$root/Sources/MCUGRPC/Generated"
protoc --plugin=protoc-gen-swift="$bin/protoc-gen-swift" --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
    -I "$root/Sources/MCUGRPC/Proto" \
    --swift_out="$out" --swift_opt=Visibility=Internal \
    --grpc-swift-2_out="$out" --grpc-swift-2_opt=Visibility=Internal,Server=true,Client=true \
    "$root/Sources/MCUGRPC/Proto/mcu_control.proto"
echo "generated: $(ls "$out")"
