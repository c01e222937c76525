// swift-tools-version:6.2
import PackageDescription

// Micro-benchmarks of the worker's codec, the inbox and the batch step (package-benchmark).
// A package of its own so that the root build and CI never build the benchmark tooling;
// scripts/benchmarks/micro.sh runs it and checks the stored baseline.
let package = Package(
    name: "RemitMicroBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package, by name so the product references hold whatever its directory is called.
        .package(name: "Remit", path: "../../.."),
        // MallocInterposer only: the default traits also pull a runtime interposer that is not mirrored here.
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // Already in the root's graph; named here because the benchmarks use its types.
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "RemitMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RemitClient", package: "Remit"),
                .product(name: "RemitMessages", package: "Remit"),
                .product(name: "RemitStore", package: "Remit"),
                .product(name: "RemitSQLite", package: "Remit"),
                .product(name: "RemitRuntime", package: "Remit"),
                .product(name: "RemitWorkers", package: "Remit"),
                .product(name: "RemitCore", package: "Remit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/RemitMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
