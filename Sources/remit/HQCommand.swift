import ArgumentParser
import Foundation
import RemitCore
import RemitHQ

struct HQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hq",
        abstract: "The emulated back office (HQ): seed data.",
        subcommands: [Seed.self]
    )

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a deterministic HQ world into an empty data directory and print the demo logins.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Customer accounts (organizations, their members and standalone customers)")
        var customers = 50
        @Option(help: "Invoices")
        var invoices = 200
        @Option(help: "Seed: the same seed gives the same world")
        var seed: UInt64 = 1
        @Option(help: "The day the world is built around, YYYY-MM-DD (default: today, UTC)")
        var today: String?

        func validate() throws {
            if customers < 1 || customers > 1_000_000 { throw ValidationError("--customers must be within 1…1,000,000") }
            if invoices < 0 || invoices > 50_000_000 { throw ValidationError("--invoices must be within 0…50,000,000") }
            if let today, CalendarDate(today) == nil { throw ValidationError("--today must be a date like 2026-11-29") }
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.resolve()
                let store = try HQStore(dataDirectory: configuration.dataDirectory)
                let day = today.flatMap(CalendarDate.init) ?? CalendarDate(Date())
                let bar = ProgressBar(label: "invoices")
                let summary = try HQSeeder(store: store, today: day).seed(
                    .init(customers: customers, invoices: invoices, seed: seed)) { done, total in bar.update(done, of: total) }
                bar.finish()
                print("HQ seeded in \(configuration.dataDirectory)/\(HQStore.fileName) for \(day):")
                print("  \(summary.customers) customer accounts (\(summary.organizations) organizations), \(summary.users) B2B users")
                let statuses = InvoicePaymentStatus.allCases.map { "\(summary.byStatus[$0] ?? 0) \($0.rawValue)" }
                print("  \(summary.invoices) invoices: \(statuses.joined(separator: ", ")); \(summary.overdue) overdue")
                print("Demo logins (password '\(HQSeeder.demoPassword)'):")
                for login in summary.demoLogins {
                    let scope = login.organization.map { "customer \(login.customer), invoice account \($0)" } ?? "customer \(login.customer)"
                    print("  \(login.login)  (\(scope))")
                }
            }
        }
    }
}

/// A one-line progress bar on standard error, redrawn at most every percent.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: only called from the thread running the seed, one call at a time.
    private let label: String
    private var lastPercent = -1
    private let isTerminal = isatty(STDERR_FILENO) != 0

    init(label: String) { self.label = label }

    func update(_ done: Int, of total: Int) {
        let percent = total == 0 ? 100 : done * 100 / total
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\(label) [\(bar)] \(percent)% \(done)/\(total)"
        if isTerminal {
            FileHandle.standardError.write(Data("\r\(line)".utf8))
        } else if percent % 10 == 0 {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
