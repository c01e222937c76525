import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
import ServiceLifecycle
import Synchronization

@main
struct Remit: AsyncParsableCommand {
    static func main() async {
        // The serving commands take SIGTERM from the first moment (SignalledStart): a stop while
        // they load ends them cleanly instead of by the signal's default action.
        if CommandLine.arguments.dropFirst().first.map({ ["worker", "run"].contains($0) }) == true {
            SignalledStart.catchSignalsEarly()
        }
        await main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "remit",
        abstract: "Remit: the B2B invoice pipeline on RabbitMQ.",
        discussion: """
            Settings come from flags, then REMIT_* environment variables, then the config file \
            (--config or REMIT_CONFIG, lines of 'key = value'), then defaults. See README.md.
            """,
        version: RemitVersion.current,
        subcommands: [
            TopologyCommand.self, WorkerCommand.self, RunCommand.self, PublishCommand.self, HQCommand.self,
            UsersCommand.self, ShopCommand.self, PortalCommand.self, StatusCommand.self, TraceCommand.self,
            DeadLettersCommand.self, ScaleCommand.self, ProducersCommand.self, StoreCommand.self,
        ]
    )
}

/// Turns every failure while a command runs into one clear line on stderr and exit 1 — never the
/// usage text, which is for mistakes in the command line itself (`validate()`).
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        FileHandle.standardError.write(Data("remit: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch {
        FileHandle.standardError.write(Data("remit: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
