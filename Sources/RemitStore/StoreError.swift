/// A store that cannot be used, naming its file and what is wrong.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The data directory (or a parent) cannot hold the file.
        case unusableDirectory
        /// No file where a read-only command expects one.
        case missing
        /// Not a SQLite database, or a SQLite database of another application or of the other store.
        case foreign
        /// Written by a newer build of Remit (migrations this build does not know).
        case newerBuild
        /// Written by an older build and not migrated yet (read-only commands do not migrate).
        case olderBuild
        /// SQLite's integrity check failed.
        case damaged
        /// SQLite could not open or prepare the file.
        case cannotOpen
    }

    public var code: Code
    public var path: String
    public var detail: String

    public init(_ code: Code, path: String, detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    public var description: String { "store \(path): \(detail)" }
}
