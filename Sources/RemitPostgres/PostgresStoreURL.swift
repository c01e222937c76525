import Foundation
import PostgresNIO

/// `postgres://user:password@host:port/database?sslmode=…&sslrootcert=FILE&pool_size=N` as the PostgreSQL
/// backend connects with it. `sslmode` is `disable`, `prefer` (the default, as libpq's: TLS when the
/// server offers it, unverified), `require` (TLS, the certificate not verified) or `verify-full`
/// (TLS, the chain verified against `sslrootcert` — the system's roots without it — and the host
/// name checked). `pool_size` (1…100, default 8) bounds the connections each store of a process
/// opens: a process holds at most two stores' pools (channel, operations), so PostgreSQL's
/// `max_connections` must exceed 2 × `pool_size` × the processes of every host. Its description never
/// shows the password.
public struct PostgresStoreURL: Sendable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var sslRootCertificate: String?
    /// The most connections one store's pool opens.
    public var poolSize: Int

    public static let defaultPoolSize = 8

    /// Parses `text`; a bad URL throws `PostgresStoreURLError` naming the part that is wrong.
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text) else {
            throw PostgresStoreURLError(.url, "not a URL (postgres://user:password@host:port/database)")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresStoreURLError(.scheme, "must be postgres:// or postgresql://")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresStoreURLError(.user, "missing (postgres://user:password@host/database)")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresStoreURLError(.host, "missing") }
        if let port = components.port, !(1...65535).contains(port) {
            throw PostgresStoreURLError(.port, "\(port) is not a TCP port")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresStoreURLError(.database, "missing or not one name (…@host:port/database)")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password
        self.database = database
        (sslMode, sslRootCertificate, poolSize) = try Self.parameters(components.queryItems ?? [])
    }

    private static func parameters(_ items: [URLQueryItem]) throws -> (SSLMode, String?, Int) {
        var mode = SSLMode.prefer
        var root: String?
        var poolSize = defaultPoolSize
        for item in items {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let known = SSLMode(rawValue: value) else {
                    throw PostgresStoreURLError(
                        .sslmode, "'\(item.value ?? "")' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = known
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else { throw PostgresStoreURLError(.sslrootcert, "empty") }
                guard FileManager.default.isReadableFile(atPath: value) else {
                    throw PostgresStoreURLError(.sslrootcert, "cannot read \(value)")
                }
                root = value
            case "pool_size":
                guard let value = item.value, let size = Int(value), (1...100).contains(size) else {
                    throw PostgresStoreURLError(.poolSize, "'\((item.value ?? "").prefix(20))' is not a whole number from 1 to 100")
                }
                poolSize = size
            default:
                throw PostgresStoreURLError(.parameter, "'\(item.name.prefix(40))' is not known (sslmode, sslrootcert, pool_size)")
            }
        }
        if root != nil, mode != .verifyFull {
            throw PostgresStoreURLError(.sslrootcert, "only verify-full verifies the server against a CA file")
        }
        return (mode, root, poolSize)
    }

    /// The client's configuration: this server, user and database, this TLS.
    public var configuration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = poolSize
        return configuration
    }

    var tls: PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return .disable
        case .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            if let sslRootCertificate { tls.trustRoots = .file(sslRootCertificate) }
            return .require(tls)
        }
    }

    /// The server and database, without user or password: how errors and logs name the store.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(shownHost):\(port)/\(database)"
    }
}
