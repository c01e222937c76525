import Foundation
import Logging
import Synchronization

/// Keeps every log line (message and metadata) so tests can check what a component logs. A value,
/// like swift-log's own handlers, so a logger's metadata set by one component (a worker's kind)
/// stays with its copy; every copy records into the same lines.
public struct RecordingLogHandler: LogHandler, Sendable {
    private final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }

    private let lines = Lines()
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
    }

    public var recorded: [String] { lines.lines.withLock { $0 } }

    public var logger: Logger { Logger(label: "remit.tests") { _ in self } }
}
