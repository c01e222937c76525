import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations

struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Declare, check or export the broker objects of Topology/, or print the producers' contract.",
        subcommands: [Apply.self, Verify.self, Export.self, AsyncAPI.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Declare the exchanges, queues and bindings on the broker.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.resolve()
                let topology = try configuration.topology()
                let amqp = try configuration.amqp()
                let declared = try await AMQPConnection.withConnection(amqp, logger: Logger(label: "remit.topology")) {
                    try await TopologyApplier(topology: topology).apply(on: $0)
                }
                for line in declared { print("declared \(line)") }
                print("topology applied to \(amqp)")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the broker's objects with Topology/; exit 1 listing every difference.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.resolve()
                let amqp = try configuration.amqp()
                let verifier = TopologyVerifier(topology: try configuration.topology(), management: try configuration.management())
                let differences = try await AMQPConnection.withConnection(amqp, logger: Logger(label: "remit.topology")) {
                    try await verifier.differences(on: $0)
                }
                if differences.isEmpty {
                    print("topology matches on \(amqp)")
                } else {
                    print("topology differs on \(amqp) (\(differences.count) difference\(differences.count == 1 ? "" : "s")):")
                    for difference in differences { print("  - \(difference)") }
                    throw ExitCode.failure
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write RabbitMQ definitions JSON for `rabbitmqctl import_definitions`.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The vhost to put the objects in (default: the vhost of the AMQP URL)")
        var vhost: String?
        @Option(name: .shortAndLong, help: "Output file (default: standard output)")
        var output: String?

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.resolve()
                let amqp = try configuration.amqp()
                let vhost = self.vhost ?? amqp.vhost
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let data = try encoder.encode(configuration.topology().definitions.forVhost(vhost, user: amqp.user))
                if let output {
                    try OutputFile.write(data, to: output)
                    FileHandle.standardError.write(Data("wrote \(output) for vhost '\(vhost)'\n".utf8))
                } else {
                    FileHandle.standardOutput.write(data + Data("\n".utf8))
                }
            }
        }
    }

    struct AsyncAPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "asyncapi",
            abstract: "Write the producers' contract (AsyncAPI 3.0, JSON) made from Topology/: the public commands and their answer.",
            discussion: "The repository keeps it as docs/asyncapi.json; the portal serves it at /api/v1/asyncapi.json.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .shortAndLong, help: "Output file (default: standard output)")
        var output: String?

        func run() async throws {
            try await reportingErrors {
                let text = try AsyncAPIDocument.text(from: try global.resolve().topology())
                if let output {
                    try OutputFile.write(Data(text.utf8), to: output)
                    FileHandle.standardError.write(Data("wrote \(output)\n".utf8))
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }
}
