import Foundation
import RemitCore
import Synchronization

/// Group commit for `FileOutbox`: the temp files staged while a pass runs wait for the next pass,
/// which syncs each file's bytes, renames each to its name and syncs the directory once. The first
/// file's sync commits the file system's journal for the others too, so a batch of e-mails costs
/// about one journal commit, not one each. One pass runs at a time, on `BlockingPool`; a send
/// waits for the pass that took its file and learns that file's own result.
final class OutboxCommits: Sendable {
    struct Staged: Sendable {
        /// The `.eml` name, for messages.
        let name: String
        let temporary: String
        let path: String
    }

    private let directory: String
    private let state = Mutex<(passing: Bool, waiting: [(Staged, CheckedContinuation<String?, Never>)])>((false, []))

    init(directory: String) { self.directory = directory }

    /// Nil once `staged` is on disk under its name; else why not (its temp file is removed).
    func commit(_ staged: Staged) async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let leads = state.withLock { state -> Bool in
                state.waiting.append((staged, continuation))
                guard !state.passing else { return false }
                state.passing = true
                return true
            }
            if leads { Task { await BlockingPool.run { self.passUntilNoneWait() } } }
        }
    }

    private func passUntilNoneWait() {
        while true {
            let group = state.withLock { state in
                let group = state.waiting
                state.waiting = []
                if group.isEmpty { state.passing = false }
                return group
            }
            guard !group.isEmpty else { return }
            let failures = pass(group.map(\.0))
            for ((_, continuation), failure) in zip(group, failures) { continuation.resume(returning: failure) }
        }
    }

    /// Each file's failure, or nil.
    private func pass(_ files: [Staged]) -> [String?] {
        var failures = files.map { Self.sync(path: $0.temporary) }
        for (index, file) in files.enumerated() where failures[index] == nil {
            if rename(file.temporary, file.path) != 0 { failures[index] = FileOutbox.errorText() }
        }
        for (index, file) in files.enumerated() where failures[index] != nil { unlink(file.temporary) }
        // The renames are durable once the directory is synced; if it cannot be, no send is accepted
        // (a retry finds the file and accepts it without writing again).
        if failures.contains(where: { $0 == nil }), let failure = Self.sync(path: directory, directory: true) {
            failures = failures.map { $0 ?? "the outbox directory could not be synced: \(failure)" }
        }
        return failures
    }

    /// The error text, or nil once what `path` holds is on disk.
    private static func sync(path: String, directory: Bool = false) -> String? {
        let descriptor = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_WRONLY) | O_CLOEXEC)
        guard descriptor >= 0 else { return FileOutbox.errorText() }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 ? nil : FileOutbox.errorText()
    }
}
