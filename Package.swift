// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Remit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "remit", targets: ["remit"]),
        .library(name: "RemitAMQP", targets: ["RemitAMQP"]),
        .library(name: "RemitCore", targets: ["RemitCore"]),
        .library(name: "RemitStore", targets: ["RemitStore"]),
        .library(name: "RemitSQLite", targets: ["RemitSQLite"]),
        .library(name: "RemitPostgres", targets: ["RemitPostgres"]),
        .library(name: "RemitClient", targets: ["RemitClient"]),
        .library(name: "RemitRuntime", targets: ["RemitRuntime"]),
        .library(name: "RemitOperations", targets: ["RemitOperations"]),
        .library(name: "RemitMessages", targets: ["RemitMessages"]),
        .library(name: "RemitHQ", targets: ["RemitHQ"]),
        .library(name: "RemitMail", targets: ["RemitMail"]),
        .library(name: "RemitWorkers", targets: ["RemitWorkers"]),
        .library(name: "RemitPortal", targets: ["RemitPortal"]),
        .library(name: "RemitApp", targets: ["RemitApp"]),
        .library(name: "RemitTracing", targets: ["RemitTracing"]),
        .library(name: "RemitPDF", targets: ["RemitPDF"]),
        .library(name: "RemitDocuments", targets: ["RemitDocuments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        // bcrypt for the core; sessions for the portal.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // The portal's HTTP server and its in-process test client.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // The client address of a request (the portal's sign-in limit per address).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        // The portal's JSON API, generated from its OpenAPI document at build time.
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // Prometheus exposition of swift-metrics, served on /metrics by every process that asks.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        // The PostgreSQL backend of the store seam (PostgresClient and its pool; TLS through NIOSSL).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        // Spans (the API every part uses) and their export over OTLP/HTTP (the composition root only;
        // the gRPC exporter is left out, which spares the build gRPC and HTTP/2).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // rabbitmq-c from Debian's librabbitmq-dev; only RemitAMQP imports it.
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev", "libssl-dev"])]
        ),
        .target(
            name: "RemitAMQP",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libcurl from Debian's libcurl4-openssl-dev: SMTP for RemitMail, HTTP(S) for RemitRuntime's
        // management API client.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // libcurl behind one easy-handle wrapper, its errors typed: HTTP(S) for RemitOperations' management
        // API client and SMTP for RemitMail. The only module that makes libcurl handles.
        .target(
            name: "RemitCurl",
            dependencies: ["CCurl"]
        ),
        // Mail: the MIME message, SMTP through libcurl, the file outbox, invoice e-mails from templates.
        .target(
            name: "RemitMail",
            dependencies: [
                "CCurl", "RemitCore", "RemitCurl", "RemitDocuments",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")]
        ),
        // The domain: money, dates, invoice rules, the access policy, password hashing, the clock.
        .target(
            name: "RemitCore",
            dependencies: [
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The envelope, ids, every message body, the topology and its schemas.
        .target(
            name: "RemitMessages",
            dependencies: [
                "RemitCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The store seam: the stores' values, the queries each part needs as protocols, transactions,
        // `StoreFailure`. No database in it (and no message types); a backend fills it.
        .target(
            name: "RemitStore",
            dependencies: ["RemitCore"]
        ),
        // PDF documents in the standard fonts (WinAnsi text, rules, pages that break): invoices as PDF.
        // No dependencies; tested alone with qpdf and poppler's pdftotext.
        .target(name: "RemitPDF"),
        // What Remit renders for buyers as documents: the invoice as a PDF.
        .target(name: "RemitDocuments", dependencies: ["RemitCore", "RemitPDF"]),
        // Traces: a span per message, per job item and per store transaction, and the W3C trace context
        // (`TraceContext`, RemitCore) carried in AMQP headers and the stores. The API only; the
        // exporter is bootstrapped by RemitApp.
        .target(
            name: "RemitTracing",
            dependencies: [
                "RemitCore",
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The SQLite backend of the seam (GRDB): the stores' files, migrations and every line of SQL.
        .target(
            name: "RemitSQLite",
            dependencies: [
                "RemitCore", "RemitMessages", "RemitStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The PostgreSQL backend of the seam (postgres-nio): the channel and operations stores of several hosts,
        // their schemas, migrations and every line of their SQL. Never GRDB, never RemitSQLite.
        .target(
            name: "RemitPostgres",
            dependencies: [
                "RemitCore", "RemitStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The client side: configuration, the producer and the outbound builder, the headers, the scale
        // request's format. What the portal, the CLI and any Swift producer use, without the worker runtime.
        .target(
            name: "RemitClient",
            dependencies: [
                "RemitAMQP", "RemitCore", "RemitMessages",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The worker runtime alone: lifecycle, the batch step, external effects, failure classification,
        // the inbox pruner, the scale listener.
        .target(
            name: "RemitRuntime",
            dependencies: [
                "RemitAMQP", "RemitClient", "RemitCore", "RemitMessages", "RemitStore", "RemitTracing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Operations: dead letters, status, topology tools, the management API client, scale requests,
        // producers' broker users, and the store work the CLI's commands ask for.
        .target(
            name: "RemitOperations",
            dependencies: [
                "RemitAMQP", "RemitClient", "RemitCore", "RemitHQ", "RemitMessages", "RemitPostgres", "RemitSQLite", "RemitStore", "CCurl",
                "RemitCurl",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The emulated back office's jobs, seed and credentials; no broker, no runtime.
        .target(
            name: "RemitHQ",
            dependencies: [
                "RemitCore", "RemitMessages", "RemitStore", "RemitTracing",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // One file per worker kind, and the registry.
        .target(
            name: "RemitWorkers",
            dependencies: [
                "RemitAMQP", "RemitClient", "RemitCore", "RemitHQ", "RemitMail", "RemitMessages", "RemitRuntime", "RemitStore",
                "RemitTracing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The buyer portal: server-rendered pages that read the channel store and publish commands.
        .target(
            name: "RemitPortal",
            dependencies: [
                "RemitAMQP", "RemitClient", "RemitCore", "RemitDocuments", "RemitMessages", "RemitStore", "RemitTracing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            // openapi.yaml is the API's document: the generator makes the server's types from it,
            // and the portal serves it at /api/v1/openapi.yaml.
            resources: [.copy("Templates"), .copy("openapi.yaml")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The composition root: the services of a process.
        .target(
            name: "RemitApp",
            dependencies: [
                "RemitAMQP", "RemitClient", "RemitCore", "RemitMessages", "RemitOperations", "RemitPortal", "RemitPostgres", "RemitRuntime",
                "RemitSQLite", "RemitStore", "RemitTracing", "RemitWorkers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .executableTarget(
            name: "remit",
            dependencies: [
                "RemitAMQP", "RemitApp", "RemitClient", "RemitCore", "RemitHQ", "RemitMessages", "RemitOperations", "RemitStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Benchmark pieces run by scripts/bench (not shipped in the remit binary).
        .executableTarget(
            name: "remit-bench",
            dependencies: [
                "RemitAMQP", "RemitClient", "RemitCore", "RemitDocuments", "RemitMessages", "RemitOperations", "RemitRuntime",
                "RemitSQLite", "RemitStore", "RemitWorkers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RemitUnitTests",
            dependencies: [
                "RemitAMQP", "RemitApp", "RemitClient", "RemitCore", "RemitCurl", "RemitDocuments", "RemitHQ", "RemitMessages",
                "RemitOperations", "RemitPDF", "RemitPostgres", "RemitRuntime", "RemitSQLite", "RemitStore", "RemitTestSupport",
                "RemitWorkers",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The official JSON Schema test cases the validator is checked against.
            resources: [.copy("JSONSchemaTestSuite")]
        ),
        // What more than one test target uses: the real SMTP server process, a MIME parser, a browser's cookie jar for the portal, generated shops.
        .target(
            name: "RemitTestSupport",
            dependencies: [
                "RemitCore", "RemitPostgres", "RemitSQLite", "RemitStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/RemitTestSupport"
        ),
        // The store seam's contract: tests written against RemitStore only, run for each backend
        // factory (SQLite today, real files in a temporary directory; PostgreSQL joins in issue #24).
        .testTarget(
            name: "RemitStoreContractTests",
            dependencies: [
                "RemitCore", "RemitPostgres", "RemitSQLite", "RemitStore", "RemitTestSupport",
            ]
        ),
        // Mail tests; SMTP ones run a real server (scripts/testing/smtp_server.py, aiosmtpd).
        .testTarget(
            name: "RemitMailTests",
            dependencies: [
                "RemitMail", "RemitCore", "RemitTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The portal's pages through Hummingbird's in-process router client; no broker.
        .testTarget(
            name: "RemitPortalTests",
            dependencies: [
                "RemitAMQP", "RemitClient", "RemitCore", "RemitMessages", "RemitPortal", "RemitPostgres", "RemitRuntime", "RemitSQLite",
                "RemitStore", "RemitTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .testTarget(
            name: "RemitIntegrationTests",
            dependencies: [
                "RemitAMQP", "RemitApp", "RemitClient", "RemitCore", "RemitHQ", "RemitMail", "RemitMessages", "RemitOperations",
                "RemitPortal", "RemitPostgres", "RemitRuntime", "RemitSQLite", "RemitStore", "RemitTestSupport", "RemitWorkers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // Built so the tests can run it as a child process (kill, SIGTERM).
                "remit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Zero warnings in our own code, kept at zero by the build (dependencies are not affected).
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
