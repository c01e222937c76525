import Foundation
import RemitCore

/// The embedded default: one `.eml` per message under a directory (created if missing). The file name is
/// derived from the Message-ID (sanitised to [A-Za-z0-9._-], bounded length); written to a temp file and
/// renamed atomically; when the file exists already the send is `.accepted` without writing again
/// (idempotent). A write error (disk full, permission) is `.unavailable` with the reason.
///
/// `.accepted` means on disk under its name: the file's bytes are synced, then it is renamed, then the
/// directory is synced (so a power loss cannot take the name back). Sends that arrive together —
/// a batch's e-mails — are made durable together (`OutboxCommits`): each writes its temp file, then
/// one pass syncs them all, renames them all and syncs the directory once, so the file system's
/// journal commits a batch at a time instead of an e-mail at a time.
public struct FileOutbox: MailTransport {
    public let directory: String
    /// Temp files are written in this lane of `BlockingPool`, not on the cooperative pool, two at a
    /// time; the syncs and renames run in `commits`.
    private let lane = BlockingLane(width: 2)
    private let commits: OutboxCommits

    public init(directory: String) {
        self.directory = directory
        commits = OutboxCommits(directory: directory)
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
        switch await lane.run({ Self.stage(message, in: directory) }) {
        case .done(let delivery):
            return delivery
        case .staged(let staged):
            if let failure = await commits.commit(staged) {
                return .unavailable(reason: "cannot write \(staged.name) in \(directory): \(failure)")
            }
            return .accepted(reply: "written to the outbox as \(staged.name)")
        }
    }

    private enum Stage: Sendable {
        case done(MailDelivery)
        case staged(OutboxCommits.Staged)
    }

    /// The message in a hidden temp file (not synced yet), or what the send comes to without one.
    private static func stage(_ message: MailMessage, in directory: String) -> Stage {
        let name = fileName(forMessageId: message.messageId)
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return .done(.unavailable(reason: "cannot create the outbox directory \(directory): \(error.localizedDescription)"))
        }
        if FileManager.default.fileExists(atPath: path) {
            return .done(.accepted(reply: "already in the outbox as \(name)"))
        }
        // Hidden and not `.eml` until renamed, so whoever reads the outbox never sees half a message.
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
        if let failure = writeTemporary(Array(message.rfc5322()), to: temporary) {
            unlink(temporary)
            return .done(.unavailable(reason: "cannot write \(name) in \(directory): \(failure)"))
        }
        return .staged(.init(name: name, temporary: temporary, path: path))
    }

    /// The error text, or nil once every byte is written (not yet synced: `OutboxCommits` does).
    private static func writeTemporary(_ bytes: [UInt8], to path: String) -> String? {
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
        return close(descriptor) == 0 ? nil : errorText()
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
