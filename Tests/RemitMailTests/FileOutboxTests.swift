import Foundation
import RemitMail
import Testing

@Suite struct FileOutboxTests {
    /// A directory that does not exist yet, removed after the test.
    func withDirectory(_ body: (String) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("remit-outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try await body(root.appendingPathComponent("outbox").path)
    }

    @Test func aMessageBecomesOneEmlFileWithItsBytes() async throws {
        try await withDirectory { directory in
            let message = try sampleMessage()
            let delivery = await FileOutbox(directory: directory).send(message)
            let name = FileOutbox.fileName(forMessageId: message.messageId)
            #expect(delivery == .accepted(reply: "written to the outbox as \(name)"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [name])
            let written = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
            #expect(written == message.rfc5322())
        }
    }

    @Test func theSameMessageIdTwiceWritesOnce() async throws {
        try await withDirectory { directory in
            let outbox = FileOutbox(directory: directory)
            let first = try sampleMessage(subject: "first")
            let name = FileOutbox.fileName(forMessageId: first.messageId)
            #expect(await outbox.send(first) == .accepted(reply: "written to the outbox as \(name)"))
            let again = await outbox.send(try sampleMessage(subject: "second"))
            #expect(again == .accepted(reply: "already in the outbox as \(name)"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [name])
            let kept = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
            #expect(kept == first.rfc5322(), "the first write stays, untouched")
        }
    }

    /// A batch's sends at once share their syncs (`OutboxCommits`): each still learns its own
    /// result, every file holds exactly its message, and no temp file is left behind.
    @Test func sendsAtOnceAreEachWrittenWhole() async throws {
        try await withDirectory { directory in
            let outbox = FileOutbox(directory: directory)
            let messages = try (0..<200).map { try sampleMessage(subject: "copy \($0)", messageId: "<req-\($0)@remit>") }
            let deliveries = await withTaskGroup(of: (Int, MailDelivery).self) { group in
                for (index, message) in messages.enumerated() { group.addTask { (index, await outbox.send(message)) } }
                var deliveries = [MailDelivery?](repeating: nil, count: messages.count)
                for await (index, delivery) in group { deliveries[index] = delivery }
                return deliveries
            }
            for (message, delivery) in zip(messages, deliveries) {
                let name = FileOutbox.fileName(forMessageId: message.messageId)
                #expect(delivery == .accepted(reply: "written to the outbox as \(name)"))
                let written = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
                #expect(written == message.rfc5322())
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(names.count == 200 && names.allSatisfy { $0.hasSuffix(".eml") && !$0.hasPrefix(".") })
            // And again: every one is found, none written twice.
            let again = await outbox.send(messages[17])
            #expect(again == .accepted(reply: "already in the outbox as \(FileOutbox.fileName(forMessageId: messages[17].messageId))"))
        }
    }

    @Test func anUnwritableDirectoryIsUnavailableWithTheReason() async throws {
        // Root ignores permission bits, so the outbox is placed under a regular file instead.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("remit-outbox-file-\(UUID().uuidString)")
        try Data("not a directory".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let directory = file.appendingPathComponent("outbox").path
        let delivery = await FileOutbox(directory: directory).send(try sampleMessage())
        guard case .unavailable(let reason) = delivery else {
            Issue.record("expected the outbox unavailable, got \(delivery)")
            return
        }
        #expect(reason.contains(directory), "\(reason)")
    }

    @Test func fileNamesAreSafeBoundedAndDistinct() {
        let name = FileOutbox.fileName(forMessageId: "<req-1@remit>")
        #expect(name.hasPrefix("req-1_remit-") && name.hasSuffix(".eml"))
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
        for id in ["<../../etc/passwd>", "..", ".hidden@x", "<a/b\\c d\r\ne@x>", "<ü@x>", "", String(repeating: "x", count: 5000)] {
            let name = FileOutbox.fileName(forMessageId: id)
            #expect(name.allSatisfy(allowed.contains), "\(name)")
            #expect(!name.hasPrefix(".") && name.count <= 110, "\(name)")
        }
        // Ids that sanitise to the same text must not share a file: one would be taken as sent.
        #expect(FileOutbox.fileName(forMessageId: "<a@b>") != FileOutbox.fileName(forMessageId: "<a_b>"))
        // The Message-ID header brackets a bare id, so `a@b` and `<a@b>` are the same message.
        #expect(FileOutbox.fileName(forMessageId: "a@b") == FileOutbox.fileName(forMessageId: "<a@b>"))
        let long = String(repeating: "x", count: 200)
        #expect(FileOutbox.fileName(forMessageId: long + "1") != FileOutbox.fileName(forMessageId: long + "2"))
        #expect(FileOutbox.fileName(forMessageId: "<req-1@remit>") == name, "deterministic")
    }
}
