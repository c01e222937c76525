import ArgumentParser
import Foundation
import RemitClient
import RemitOperations

struct ProducersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producers",
        abstract: "Broker users for other systems that send Remit's public commands (invoice.pay, invoice.request).",
        discussion: """
            Each producer's user may publish the public commands on the exchange 'remit' and nothing else, \
            and declare, read and delete only its own reply queues (producer.NAME, producer.NAME.*, \
            server-named amq.gen-… ones) and direct reply-to. Managing users needs the management API's \
            administrator tag (the operator's remit-admin has it).
            """,
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// The broker's options and a producer's name, checked before anything is asked of the broker.
    struct Named: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The producer's name: 1…40 lowercase letters, digits and dashes, e.g. erp")
        var name: String

        func validate() throws {
            do { _ = try ProducerUsers.checked(name: name) } catch { throw ValidationError("\(error)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a producer's broker user and print its AMQP URL with the password — this once only.")
        @OptionGroup var producer: Named

        func run() async throws {
            try await reportingErrors {
                let added = try await producers(producer.global).add(producer.name)
                print(
                    "producer \(added.producer.name): broker user \(added.producer.user); its reply queues: \(added.producer.replyQueuePrefix)[.*] or server-named"
                )
                print(added.url)
                print("The password is shown this once; keep the URL in the producer's secret store.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The producers with a broker user on this vhost (no passwords).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let listed = try await producers(global).list()
                if listed.isEmpty { print("no producers") }
                for producer in listed { print("\(producer.name)  user \(producer.user)  reply queues \(producer.replyQueuePrefix)[.*]") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a producer's broker user; the broker closes its connections.")
        @OptionGroup var producer: Named

        func run() async throws {
            try await reportingErrors {
                try await producers(producer.global).remove(producer.name)
                print("producer \(producer.name) removed")
            }
        }
    }
}

private func producers(_ global: GlobalOptions) throws -> ProducerUsers {
    let configuration = try global.resolve()
    return ProducerUsers(management: try configuration.management(), amqp: try configuration.amqp(), topology: try configuration.topology())
}
