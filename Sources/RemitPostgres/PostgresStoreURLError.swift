/// A `postgres://` URL that cannot be used, naming the part that is wrong. Never holds the URL
/// itself or its password.
public struct PostgresStoreURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Part: String, Sendable, Equatable {
        case url, scheme, user, host, port, database, sslmode, sslrootcert, parameter
        case poolSize = "pool_size"
    }

    public var part: Part
    public var detail: String

    public init(_ part: Part, _ detail: String) {
        self.part = part
        self.detail = detail
    }

    public var description: String { "store URL: \(part.rawValue): \(detail)" }
}
