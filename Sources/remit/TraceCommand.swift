import ArgumentParser
import Foundation
import RemitClient
import RemitCore
import RemitOperations
import RemitStore

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Every step one click went through — portal command, workers, HQ jobs, e-mail — with times, from the stores.",
        discussion:
            "The correlation id of a portal click is its command id (the end of /commands/ID, or the API's `id`); a producer's command is found by its message id or its correlation id."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The correlation id, or the message id of the click's command")
    var id: String
    @Flag(help: "Print JSON for machines")
    var json = false

    func validate() throws {
        let id = id.trimmingCharacters(in: .whitespaces)
        if id.isEmpty || id.count > 128 || id.contains(where: { $0.isNewline }) {
            throw ValidationError("an id is 1…128 characters on one line")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try global.resolve()
            let id = id.trimmingCharacters(in: .whitespaces)
            let directory = configuration.dataDirectory
            let (correlationId, steps) = try await ClickTrace.read(id: id, configuration: configuration)
            guard let first = steps.first?.at else {
                throw ValidationError("nothing is recorded for correlation id or message id \(id.prefix(128)) in \(directory)")
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .custom { date, encoder in
                    var container = encoder.singleValueContainer()
                    try container.encode(Timestamp.format(date))
                }
                struct Trace: Encodable {
                    let correlationId: String
                    let steps: [ClickTrace.Step]
                }
                print(String(decoding: try encoder.encode(Trace(correlationId: correlationId, steps: steps)), as: UTF8.self))
            } else {
                print("correlation id \(correlationId): \(steps.count) steps")
                for step in steps {
                    let offset = String(format: "+%.3fs", step.at.timeIntervalSince(first))
                    print(
                        "\(Timestamp.format(step.at))  \(offset.padding(toLength: 11, withPad: " ", startingAt: 0))  \(step.store.padding(toLength: 7, withPad: " ", startingAt: 0))  \(step.what)"
                    )
                }
            }
        }
    }
}
