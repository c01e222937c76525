import ArgumentParser
import Logging
import RemitApp

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "The channel and operations stores: PostgreSQL's (--store / REMIT_STORE_URL) or the data directory's files.",
        subcommands: [Migrate.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the channel and operations stores to this build's schema (workers also do it when they start).",
            discussion: """
                On PostgreSQL the migrations run under an advisory lock, so this may run while workers start \
                on other hosts. A store written by a newer build, or another application's, is refused.
                """
        )
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.resolve()
                for line in try StoreSelection.migrate(configuration, logger: Logger(label: "remit.store")) { print(line) }
            }
        }
    }
}
