import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish messages as a producer, each confirmed by the broker.",
        discussion: """
            The body (or each line of --file) is the JSON body of a TYPE message; remit wraps it in \
            an envelope, checks it against Topology/schemas/TYPE.vN.json, decodes it as the worker \
            will (an amount with more decimals than its currency has is refused here) and publishes \
            it on the Remit exchange. Nothing is published when any body is invalid.
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Message type, e.g. smoke.record")
    var type: String
    @Option(help: "The message body as JSON")
    var body: String?
    @Option(help: "A file of JSON bodies, one per line")
    var file: String?
    @Option(help: "Schema version (default: the latest in Topology/schemas)")
    var version: Int?
    @Option(help: "Who acts: user:<login> or system:<name>")
    var actingUser: String = "system:cli"
    @Option(help: "Message id (only with --body; default: a new UUID)")
    var messageId: String?
    @Option(help: "Correlation id (only with --body; default: the message id)")
    var correlationId: String?
    @Option(help: "Messages per confirm batch with --file")
    var batch: Int = 500

    func validate() throws {
        if (body == nil) == (file == nil) { throw ValidationError("give exactly one of --body or --file") }
        if file != nil && (messageId != nil || correlationId != nil) {
            throw ValidationError("--message-id and --correlation-id go with --body only")
        }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try global.resolve()
            let producer = Producer(topology: try configuration.topology())
            let prepared: [Producer.Prepared]
            if let body {
                let json: JSONValue
                do { json = try JSONValue.parse(Data(body.utf8)) } catch {
                    throw ValidationError("--body is not JSON: \(error)")
                }
                prepared = [
                    try producer.prepare(
                        type: type, body: json, version: version, actingUser: actingUser,
                        messageId: messageId, correlationId: correlationId)
                ]
            } else {
                let text: String
                do { text = try String(contentsOfFile: file!, encoding: .utf8) } catch {
                    throw ValidationError("cannot read \(file!): \(error.localizedDescription)")
                }
                prepared = try producer.prepareLines(text, type: type, version: version, actingUser: actingUser)
            }
            let amqp = try configuration.amqp()
            try await AMQPConnection.withConnection(amqp, logger: Logger(label: "remit.publish")) { connection in
                var published = 0
                for chunk in stride(from: 0, to: prepared.count, by: batch) {
                    let slice = prepared[chunk..<min(chunk + batch, prepared.count)]
                    try await connection.publish(slice.map(\.outbound))
                    for item in slice {
                        print("published \(item.message.type) id=\(item.message.messageId) correlation=\(item.message.correlationId)")
                    }
                    published += slice.count
                    if prepared.count > batch {
                        FileHandle.standardError.write(Data("\(published)/\(prepared.count) confirmed\n".utf8))
                    }
                }
            }
        }
    }
}
