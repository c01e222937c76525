import Foundation

/// The name this process gives its host in what other hosts see: its control queue
/// (`remit.control.<host>.<pid>`), its consumers' tags, its scale replies and the worker name HQ
/// records. The machine's host name by default; `host-name` (`REMIT_HOST_NAME`) sets another, so
/// processes that share a machine can stand for several hosts, and `remit status` counts per host.
public struct ProcessHost: Sendable, Equatable, CustomStringConvertible {
    public let name: String

    /// Letters, digits, `-`, `_` and `.`; 1…64 of them.
    public static let allowed = "letters, digits, '-', '_' and '.', 1 to 64 of them"

    public init(_ name: String) throws {
        guard (1...64).contains(name.count), name.allSatisfy(Self.isAllowed) else {
            throw ConfigurationError(.invalidValue, "host-name must be \(Self.allowed)")
        }
        self.name = name
    }

    private init(unchecked name: String) { self.name = name }

    static func isAllowed(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character))
    }

    /// The machine's own host name, cut to what a queue name and a consumer tag may carry.
    public static let local: ProcessHost = {
        let name = String(ProcessInfo.processInfo.hostName.filter(isAllowed).prefix(64))
        return ProcessHost(unchecked: name.isEmpty ? "localhost" : name)
    }()

    public var description: String { name }

    /// `<host> <pid>`: this process in scale replies.
    public var processName: String { "\(name) \(getpid())" }

    /// The control queue of this process on this host.
    public var controlQueue: String { "\(ScaleControl.queuePrefix)\(name).\(getpid())" }

    /// The host a control queue's name gives (`remit.control.<host>.<pid>`), nil for another name.
    public static func host(ofControlQueue queue: String) -> String? {
        guard queue.hasPrefix(ScaleControl.queuePrefix) else { return nil }
        let rest = queue.dropFirst(ScaleControl.queuePrefix.count)
        guard let dot = rest.lastIndex(of: ".") else { return nil }
        let host = rest[..<dot]
        let pid = rest[rest.index(after: dot)...]
        guard !host.isEmpty, !pid.isEmpty, pid.allSatisfy(\.isNumber) else { return nil }
        return String(host)
    }

    /// A consumer tag for consumer `index` of `kind` in this process: `remit-<kind>-<host>-<pid>-<index>`.
    public func consumerTag(kind: String, index: Int) -> String { "remit-\(kind)-\(name)-\(getpid())-\(index)" }

    /// The host a consumer tag of `kind` names, nil when the tag is not one of Remit's for that kind.
    public static func host(ofConsumerTag tag: String, kind: String) -> String? {
        let prefix = "remit-\(kind)-"
        guard tag.hasPrefix(prefix) else { return nil }
        let parts = tag.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.suffix(2).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        let host = parts.dropLast(2).joined(separator: "-")
        return host.isEmpty ? nil : host
    }
}
