import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitStore

struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Collect, list, inspect, replay, purge and export dead letters, with an audit.",
        discussion: """
            Every subcommand first moves what the dead-letter queues hold into the operations store \
            (DATA_DIR/operations.sqlite; --no-collect skips that), then works on the store. Filters: \
            --queue (a worker kind, its queue or its dead-letter queue; repeatable), --type, --reason \
            (a reason code such as retries-exhausted, or any part of the last error), --since and \
            --until (a timestamp, a date, or a time ago: 30m, 2h, 7d), --id (repeatable).
            """,
        subcommands: [Collect.self, List.self, Show.self, Replay.self, Purge.self, Export.self, Audit.self]
    )
}

extension DeadLettersCommand {
    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move what the dead-letter queues hold into the operations store.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let office = try DeadLetterOffice(try global.resolve())
                let collected = try await office.collect()
                let total = collected.values.reduce(0, +)
                for (queue, count) in collected.sorted(by: { $0.key < $1.key }) { print("\(queue): \(count)") }
                let stored = try await office.count()
                print("collected \(total) dead letter(s); \(stored) in \(office.path)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead letters grouped by reason and error (largest group first), or as JSON.")
        @OptionGroup var session: DeadLetterSessionOptions
        @OptionGroup var filters: DeadLetterFilterOptions
        @Option(help: "Rows shown per group") var limit = 20
        @Flag(help: "JSON: the groups, each with its dead letters") var json = false

        func run() async throws {
            try await reportingErrors {
                guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
                let office = try await session.open()
                let filter = try filters.resolve(topology: office.topology)
                let groups = try await office.groups(filter)
                if json {
                    struct Group: Encodable {
                        var reason: String
                        var error: String
                        var count: Int
                        var messages: [DeadLetterView]
                    }
                    var output: [Group] = []
                    for group in groups {
                        let letters = try await office.letters(filter, in: group)
                        output.append(
                            Group(
                                reason: group.reason, error: group.error, count: group.count, messages: try letters.map(DeadLetterView.init)
                            ))
                    }
                    printJSON(["groups": output])
                    return
                }
                if groups.isEmpty {
                    print("no dead letters\(filters.described == "all" ? "" : " match \(filters.described)")")
                    return
                }
                print("\(groups.map(\.count).reduce(0, +)) dead letter(s) in \(groups.count) group(s)")
                for group in groups {
                    print("\n\(group.count) × \(group.reason): \(group.error.isEmpty ? "-" : group.error)")
                    let letters = try await office.letters(filter, in: group, limit: limit)
                    printTable(
                        ["MESSAGE ID", "TYPE", "QUEUE", "ATTEMPTS", "LAST ERROR", "FAILED AT"],
                        letters.map {
                            [
                                shownId($0), $0.messageType.isEmpty ? "-" : $0.messageType, $0.originalQueue, "\($0.attempts)",
                                truncate($0.error, 50), Timestamp.format($0.failedAt),
                            ]
                        })
                    if group.count > letters.count { print("  … and \(group.count - letters.count) more (--limit, --json)") }
                }
            }
        }
    }
}

extension DeadLettersCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a dead letter: headers, properties, body, and its history (failures, replays, edits).")
        @OptionGroup var session: DeadLetterSessionOptions
        @Argument(help: "The message id") var id: String
        @Flag(help: "JSON") var json = false

        func run() async throws {
            try await reportingErrors {
                let (letters, history) = try await session.open().letter(messageId: id)
                guard !letters.isEmpty || !history.isEmpty else {
                    throw DeadLetterError("no dead letter with message id '\(id)' (remit dead-letters list shows them)")
                }
                if json {
                    printJSON(try letters.map(DeadLetterView.init))
                    return
                }
                if letters.isEmpty { print("\(id) is not in the store now (replayed or purged); its history:") }
                for letter in letters {
                    let view = try DeadLetterView(letter)
                    print("dead letter \(shownId(letter)) in \(letter.deadLetterQueue)")
                    print("  type:         \(letter.messageType.isEmpty ? "-" : letter.messageType)")
                    print("  correlation:  \(letter.correlationId ?? "-")")
                    print("  worker:       \(letter.worker) (queue \(letter.originalQueue))")
                    print(
                        "  published to: \(letter.originalExchange.map { "exchange '\($0)' routing key '\(letter.originalRoutingKey ?? "")'" } ?? "unknown (cannot be replayed)")"
                    )
                    print("  reason:       \(letter.reason)")
                    print("  last error:   \(letter.error.isEmpty ? "-" : letter.error)")
                    print("  attempts:     \(letter.attempts)")
                    print("  failed at:    \(Timestamp.format(letter.failedAt))")
                    print("  collected at: \(Timestamp.format(letter.collectedAt))")
                    print("  replays:      \(letter.replayCount) before this failure")
                    let properties = view.properties
                    print("properties:")
                    let fields: [(String, String?)] = [
                        ("content-type", properties.contentType), ("message-id", properties.messageId),
                        ("correlation-id", properties.correlationId), ("reply-to", properties.replyTo), ("type", properties.type),
                        ("timestamp", properties.timestamp.map { Timestamp.format(Date(timeIntervalSince1970: Double($0))) }),
                        ("app-id", properties.appId), ("expiration", properties.expiration),
                        ("persistent", String(properties.persistent)),
                    ]
                    for (name, value) in fields { if let value { print("  \(name): \(value)") } }
                    print("headers:")
                    for (name, value) in properties.headers.sorted(by: { $0.key < $1.key }) { print("  \(name): \(value)") }
                    print("body:")
                    if let body = view.body {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                        print(String(decoding: try encoder.encode(body), as: UTF8.self))
                    } else {
                        print(view.bodyText ?? "(binary, \(letter.body.count) bytes) \(view.bodyBase64 ?? "")")
                    }
                }
                if !history.isEmpty {
                    print("history:")
                    for (audit, entry) in history {
                        print(
                            "  \(Timestamp.format(audit.at)) \(audit.action.rawValue) by \(audit.actor) (audit \(audit.id ?? 0), \(audit.outcome.rawValue)): "
                                + "had failed at \(Timestamp.format(entry.failedAt)) after \(entry.attempts) attempt(s), \(entry.reason): \(entry.error)"
                                + (entry.change.map { "; changed \($0)" } ?? ""))
                    }
                }
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-publish dead letters where they were first published, with their original ids and attempts reset.",
            discussion: """
                Each is published with its original message id (the worker's inbox applies it once), \
                without x-remit-attempt/reason/error/worker/failed-at (attempts start again) and with \
                x-remit-replay counting its replays. It leaves the store only after the broker confirmed \
                the publish. --edit changes it first: body.PATH=TEXT sets a body field to a string, \
                body.PATH:=JSON to a JSON value (PATH: field names separated by dots, numbers index arrays), \
                header.NAME=TEXT sets a header; an edited message must pass its schema or nothing is published.
                """)
        @OptionGroup var session: DeadLetterSessionOptions
        @OptionGroup var filters: DeadLetterFilterOptions
        @OptionGroup var actor: ActorOption
        @Option(help: "Replay at most this many (oldest first)") var limit: Int?
        @Option(help: "Messages per second at most, e.g. 50/s") var rate: String?
        @Option(help: "Change a field before replay: body.PATH=TEXT, body.PATH:=JSON, header.NAME=TEXT (repeatable)")
        var edit: [String] = []
        @Flag(help: "List what would be replayed (with the edits' changes); change nothing") var dryRun = false
        @Flag(help: "Replay every dead letter when no filter is given") var all = false

        func run() async throws {
            try await reportingErrors {
                if let limit, limit < 1 { throw DeadLetterError("bad --limit \(limit): give 1 or more") }
                let pace = try rate.map(DeadLetterInput.rate)
                let edits = try edit.map(DeadLetterEdit.init(parsing:))
                let office = try await session.open()
                let filter = try filters.resolve(topology: office.topology)
                if filter.isEmpty && !all { throw DeadLetterError("no filter given: add --all to replay every dead letter") }
                var described = filters.described
                if let limit { described += " --limit \(limit)" }
                if let rate { described += " --rate \(rate)" }
                for edit in edits { described += " --edit '\(edit)'" }
                let replayer = office.replayer
                let options = DeadLetterReplayer.Options(
                    filter: filter, described: described, limit: limit, rate: pace, edits: edits, actor: actor.resolved)
                if dryRun {
                    let plan = try await replayer.plan(options)
                    printTable(
                        ["MESSAGE ID", "TYPE", "TO EXCHANGE", "ROUTING KEY", "REPLAY", "CHANGES"],
                        try plan.map {
                            [
                                shownId($0.letter), $0.letter.messageType, $0.outbound.exchange, $0.outbound.routingKey,
                                "\($0.letter.replayCount + 1)", $0.changes.isEmpty ? "-" : try DeadLetterReplayer.describe($0.changes),
                            ]
                        })
                    print("dry run: \(plan.count) dead letter(s) would be replayed; nothing was changed")
                    return
                }
                let bar = ProgressBar(label: "replay")
                let summary = try await replayer.replay(options) { done, total in bar.update(done, of: total) }
                if summary.matched > 0 { bar.finish() }
                print(
                    summary.matched == 0
                        ? "no dead letters match \(filters.described)"
                        : "replayed \(summary.replayed) dead letter(s), each confirmed by the broker (audit \(summary.auditId ?? 0))")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete dead letters from the store for good, after confirmation (type the count, or --yes).")
        @OptionGroup var session: DeadLetterSessionOptions
        @OptionGroup var filters: DeadLetterFilterOptions
        @OptionGroup var actor: ActorOption
        @Flag(help: "Do not ask") var yes = false
        @Flag(help: "Purge every dead letter when no filter is given") var all = false

        func run() async throws {
            try await reportingErrors {
                let office = try await session.open()
                let filter = try filters.resolve(topology: office.topology)
                if filter.isEmpty && !all { throw DeadLetterError("no filter given: add --all to purge every dead letter") }
                let count = try await office.count(filter)
                guard count > 0 else {
                    print("no dead letters match \(filters.described)")
                    return
                }
                if !yes {
                    FileHandle.standardError.write(
                        Data("purge \(count) dead letter(s) matching \(filters.described)? type \(count) to confirm: ".utf8))
                    guard readLine()?.trimmingCharacters(in: .whitespaces) == String(count) else {
                        throw DeadLetterError("not confirmed; nothing was purged")
                    }
                }
                let purged = try await office.archive.purge(filter, described: filters.described, actor: actor.resolved)
                print("purged \(purged) dead letter(s)")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write dead letters as JSON lines (one per dead letter).")
        @OptionGroup var session: DeadLetterSessionOptions
        @OptionGroup var filters: DeadLetterFilterOptions
        @OptionGroup var actor: ActorOption
        @Option(help: "The file to write (default: standard output)") var output: String?

        func run() async throws {
            try await reportingErrors {
                let office = try await session.open()
                let filter = try filters.resolve(topology: office.topology)
                let handle: FileHandle
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: nil), let file = FileHandle(forWritingAtPath: output)
                    else { throw DeadLetterError("cannot write \(output)") }
                    handle = file
                } else {
                    handle = FileHandle.standardOutput
                }
                let count = try await office.archive.export(
                    filter, described: filters.described, actor: actor.resolved, to: handle, destination: output ?? "standard output")
                if output != nil {
                    try handle.close()
                    print("exported \(count) dead letter(s) to \(output!)")
                }
            }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show who replayed, edited, purged or exported dead letters, and when.")
        @OptionGroup var session: DeadLetterSessionOptions
        @Option(help: "How many entries, newest first") var limit = 50
        @Flag(help: "JSON, with the message ids of each entry") var json = false

        func run() async throws {
            try await reportingErrors {
                let entries = try await session.open().audit(limit: limit)
                if json {
                    struct Entry: Encodable {
                        var id: Int64
                        var at: String
                        var actor: String
                        var action: String
                        var filter: String
                        var matched: Int
                        var done: Int
                        var outcome: String
                        var detail: String?
                        var messageIds: [String]
                        /// Per edited message: `[{"path", "before", "after"}]`.
                        var changes: [String: JSONValue]
                    }
                    printJSON(
                        entries.map { audit, touched in
                            Entry(
                                id: audit.id ?? 0, at: Timestamp.format(audit.at), actor: audit.actor, action: audit.action.rawValue,
                                filter: audit.filter, matched: audit.matched, done: audit.done, outcome: audit.outcome.rawValue,
                                detail: audit.detail, messageIds: touched.map(\.messageId),
                                changes: touched.reduce(into: [:]) { changes, message in
                                    changes[message.messageId] = message.change.map { (try? JSONValue.parse(Data($0.utf8))) ?? .string($0) }
                                })
                        })
                    return
                }
                if entries.isEmpty {
                    print("no audited actions yet")
                    return
                }
                printTable(
                    ["ID", "AT", "ACTOR", "ACTION", "OUTCOME", "DONE/MATCHED", "FILTER", "DETAIL"],
                    entries.map { audit, _ in
                        [
                            "\(audit.id ?? 0)", Timestamp.format(audit.at), audit.actor, audit.action.rawValue, audit.outcome.rawValue,
                            "\(audit.done)/\(audit.matched)", audit.filter, truncate(audit.detail ?? "-", 80),
                        ]
                    })
                // What each edit changed, before and after, as `dead-letters show` gives it.
                for (audit, touched) in entries {
                    for message in touched {
                        if let change = message.change { print("  \(audit.id ?? 0): \(message.messageId) changed \(change)") }
                    }
                }
            }
        }
    }
}

private func shownId(_ letter: DeadLetter) -> String { letter.messageId.isEmpty ? "#\(letter.id ?? 0)" : letter.messageId }

private func truncate(_ text: String, _ length: Int) -> String {
    text.count <= length ? text : String(text.prefix(length - 1)) + "…"
}

private func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self))
}

/// Columns as wide as their widest cell (the last one left ragged).
private func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    for row in [header] + rows {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print("  " + cells.joined(separator: "  "))
    }
}
