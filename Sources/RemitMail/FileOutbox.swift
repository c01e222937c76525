import Foundation
import RemitCore

/// The embedded default: one `.eml` per message under a directory (created if missing). The file name is
/// derived from the Message-ID (sanitised to [A-Za-z0-9._-], bounded length); written to a temp file and
/// renamed atomically; when the file exists already the send is `.accepted` without writing again
/// (idempotent). A write error (disk full, permission) is `.unavailable` with the reason.
public struct FileOutbox: MailTransport {
    public let directory: String
    /// Writes end in fsync, which can take a while: they run in this lane of `BlockingPool`, not on
    /// the cooperative pool — two at a time, so that a batch's e-mails (sent together) share the
    /// file system's journal commits, while the pool keeps threads for everything else.
    private let lane = BlockingLane(width: 2)

    public init(directory: String) {
        self.directory = directory
    }

    /// The most characters of the Message-ID a file name keeps before its hash.
    static let maximumReadableLength = 80

    /// `<2f1c…@remit>` → `2f1c…_remit-<16 hex digits>.eml`. The hash is FNV-1a (64 bits) of the whole
    /// id (without its angle brackets, which the Message-ID header adds anyway): two ids that
    /// sanitise or truncate to the same text still get different files, so one message is never
    /// taken for another already sent.
    public static func fileName(forMessageId messageId: String) -> String {
        let trimmed = messageId.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
        var readable = String.UnicodeScalarView()
        for scalar in trimmed.unicodeScalars.prefix(maximumReadableLength) {
            let allowed =
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
            readable.append(allowed ? scalar : "_")
        }
        // No hidden files (and never `.` or `..`).
        if readable.first == "." { readable.replaceSubrange(readable.startIndex...readable.startIndex, with: ["_"]) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in trimmed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        let digits = String(repeating: "0", count: 16 - hex.count) + hex
        return (readable.isEmpty ? "message" : String(readable)) + "-" + digits + ".eml"
    }

    public func send(_ message: MailMessage) async -> MailDelivery {
        let directory = directory
        return await lane.run { Self.store(message, in: directory) }
    }

    private static func store(_ message: MailMessage, in directory: String) -> MailDelivery {
        let name = fileName(forMessageId: message.messageId)
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return .unavailable(reason: "cannot create the outbox directory \(directory): \(error.localizedDescription)")
        }
        if FileManager.default.fileExists(atPath: path) {
            return .accepted(reply: "already in the outbox as \(name)")
        }
        // Hidden and not `.eml` until renamed, so whoever reads the outbox never sees half a message.
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
        if let failure = writeDurably(Array(message.rfc5322()), to: temporary) ?? renameFailure(temporary, to: path) {
            unlink(temporary)
            return .unavailable(reason: "cannot write \(name) in \(directory): \(failure)")
        }
        return .accepted(reply: "written to the outbox as \(name)")
    }

    /// The error text, or nil once every byte is on disk.
    private static func writeDurably(_ bytes: [UInt8], to path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return errorText() }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                let failure = errorText()
                close(descriptor)
                return failure
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let failure = errorText()
            close(descriptor)
            return failure
        }
        return close(descriptor) == 0 ? nil : errorText()
    }

    private static func renameFailure(_ from: String, to: String) -> String? {
        rename(from, to) == 0 ? nil : errorText()
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
