import ArgumentParser
import Foundation
import Logging
import RemitApp
import RemitCore
import RemitMessages
import RemitOperations
import RemitHQ
import RemitStore

struct HQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hq",
        abstract: "The emulated back office (HQ): seed data, job runs.",
        subcommands: [Seed.self, RunJob.self, Jobs.self, Held.self, Collection.self]
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
        @Option(help: "bcrypt cost of the demo users' passwords; the low default keeps a seed of thousands of users quick")
        var demoPasswordCost = PasswordHasher.demoCost

        func validate() throws {
            if customers < 1 || customers > 1_000_000 { throw ValidationError("--customers must be within 1…1,000,000") }
            if invoices < 0 || invoices > 50_000_000 { throw ValidationError("--invoices must be within 0…50,000,000") }
            if let today, CalendarDate(today) == nil { throw ValidationError("--today must be a date like 2026-11-29") }
            if !PasswordHasher.costs.contains(demoPasswordCost) {
                throw ValidationError(
                    "--demo-password-cost must be within \(PasswordHasher.costs.lowerBound)…\(PasswordHasher.costs.upperBound)")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.resolve()
                let desk = try HQDesk(configuration)
                let day = today.flatMap(CalendarDate.init) ?? CalendarDate(Date())
                let bar = ProgressBar(label: "invoices")
                let summary = try desk.seed(.init(customers: customers, invoices: invoices, seed: seed), today: day) { done, total in
                    bar.update(done, of: total)
                }
                bar.finish()
                let passwordBar = ProgressBar(label: "passwords")
                let withPassword = try await desk.setDemoPasswords(cost: demoPasswordCost) { done, total in
                    passwordBar.update(done, of: total)
                }
                passwordBar.finish()
                print("HQ seeded in \(desk.hqPath) for \(day):")
                print("  \(summary.customers) customer accounts (\(summary.organizations) organizations), \(summary.users) B2B users")
                let statuses = InvoicePaymentStatus.allCases.map { "\(summary.byStatus[$0] ?? 0) \($0.rawValue)" }
                print("  \(summary.invoices) invoices: \(statuses.joined(separator: ", ")); \(summary.overdue) overdue")
                print(
                    "  \(withPassword) users have the password '\(HQSeeder.demoPassword)' (bcrypt cost \(demoPasswordCost), "
                        + "in \(desk.channelPath)); remit users set-password LOGIN sets another")
                print("Demo logins (password '\(HQSeeder.demoPassword)'):")
                for login in summary.demoLogins {
                    let scope =
                        login.organization.map { "customer \(login.customer), invoice account \($0)" } ?? "customer \(login.customer)"
                    print("  \(login.login)  (\(scope))")
                }
            }
        }
    }
}

extension HQCommand {
    struct RunJob: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-job",
            abstract: "Start one run of an HQ job now and wait for its result.",
            discussion: "Jobs: \(HQJobs.all.map { "'\($0.name)'" }.joined(separator: ", ")); the message type works too.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job, e.g. P-0001")
        var job: String
        @Option(help: "Seconds to wait for the run to finish (0: do not wait)")
        var wait = 60

        func validate() throws {
            if wait < 0 || wait > 86_400 { throw ValidationError("--wait must be within 0…86400 seconds") }
        }

        func run() async throws {
            try await reportingErrors {
                guard let run = HQJobs.named(job) else {
                    throw ValidationError("unknown job '\(job)'; jobs: \(HQJobs.all.map(\.name).joined(separator: ", "))")
                }
                let configuration = try global.resolve()
                let runId = try await JobScheduler.publishRun(
                    of: run, requestedBy: "system:cli", topology: try configuration.topology(), amqp: try configuration.amqp(),
                    clock: SystemWallClock(), logger: Logger(label: "remit.hq"))
                print("started \(run.name) run \(runId)")
                guard wait > 0 else { return }
                let desk = try HQDesk(configuration)
                let deadline = ContinuousClock.now + .seconds(wait)
                while ContinuousClock.now < deadline {
                    if let record = try await desk.finishedRun(runId) {
                        // A run that found nothing to do counts nothing; it says so.
                        let counts = record.counts.flatMap { $0.isEmpty ? nil : $0 } ?? (record.error == nil ? "nothing to do" : nil)
                        // A Distribution run that stopped at its limit has started the next itself.
                        let continues = record.counts?.contains("\(DistributionJob.continued)=") == true
                        let next = continues ? "— the next run continues where this one stopped" : nil
                        let summary = [counts, next, record.error.map { "— \($0)" }]
                            .compactMap { $0 }.joined(separator: " ")
                        print("\(record.status.rawValue): \(summary) (worker \(record.worker))")
                        if record.status != .succeeded { throw ExitCode.failure }
                        return
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                throw RunJobPending(job: run.name, runId: runId, waited: wait, dataDirectory: configuration.dataDirectory)
            }
        }
    }

    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent HQ job runs: start, end, status, counts, errors.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "How many runs") var limit = 20

        func run() async throws {
            try await reportingErrors {
                let runs = try await HQDesk(dataDirectory: try global.resolve().dataDirectory).recentRuns(limit: limit)
                if runs.isEmpty { print("no job runs yet") }
                for run in runs {
                    print(
                        "\(Timestamp.format(run.startedAt))  \(run.job.padding(toLength: 40, withPad: " ", startingAt: 0)) \(run.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(run.finishedAt.map(Timestamp.format) ?? "-")  \(run.counts ?? "")\(run.error.map { run.status == .succeeded ? "  \($0)" : "  error: \($0)" } ?? "")"
                    )
                }
            }
        }
    }

    struct Held: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the records Distribution holds back because the channel would refuse their message.",
            discussion: """
                Each stays due: every Distribution run reads it again and sends it once HQ's record fits \
                the channel's contract; until then every run names it.
                """)
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let held = try await HQDesk(dataDirectory: try global.resolve().dataDirectory).held()
                if held.isEmpty { print("nothing held back") }
                for hold in held {
                    print("\(hold.stream.rawValue)  \(hold.key)  since \(Timestamp.format(hold.since))  \(hold.reason)")
                }
            }
        }
    }
}
