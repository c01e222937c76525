import ArgumentParser
import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore

/// Read-only views of the channel store for a buyer: what the portal shows, on the command line.
struct ShopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shop",
        abstract: "Show what a buyer sees: invoices, B2B requests, the cart, a command's outcome.",
        subcommands: [Invoices.self, Requests.self, Cart.self, Outcome.self]
    )

    static func channel(_ global: GlobalOptions) throws -> ChannelStore {
        try ChannelStore(dataDirectory: try global.resolve().dataDirectory, readOnly: true)
    }

    static func buyer(_ db: Database, _ login: String) throws -> (ChannelUser, InvoiceAccessPolicy) {
        guard let buyer = try BuyerView.buyer(db, login: login)
        else { throw ValidationError("no user '\(login.prefix(128))' in the channel store (has distribution run?)") }
        return (buyer.user, buyer.access)
    }

    struct Invoices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The invoices a user may see and pay, with what is pending.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user's login") var user: String
        @Option(help: "Only invoices in this state: unpaid, partially-paid, paid or overdue") var status: String?

        func validate() throws {
            if let status, BuyerView.InvoiceFilter(rawValue: status) == nil {
                throw ValidationError("--status must be unpaid, partially-paid, paid or overdue")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let today = CalendarDate(Date())
                let shown = try ShopCommand.channel(global).pool.read { db in
                    let (_, access) = try ShopCommand.buyer(db, user)
                    return try BuyerView.invoicePage(
                        db, accounts: access.accounts, query: .init(status: status.flatMap(BuyerView.InvoiceFilter.init(rawValue:))),
                        today: today, offset: 0, limit: 500
                    ).rows
                }
                print("invoice        account     due         total        paid         pending      open         status")
                for row in shown {
                    let overdue = row.isOverdue(today: today) ? " (overdue)" : ""
                    func cell(_ money: Money) -> String { money.decimalString.padding(toLength: 12, withPad: " ", startingAt: 0) }
                    print(
                        "\(row.invoice.number.padding(toLength: 14, withPad: " ", startingAt: 0)) "
                            + "\(row.invoice.customerAccount.padding(toLength: 11, withPad: " ", startingAt: 0)) \(row.invoice.dueDate)  "
                            + "\(cell(row.total)) \(cell(row.paid)) \(cell(row.pending)) \(cell(row.open)) \(row.amounts.status.rawValue)\(overdue)"
                    )
                }
                print("\(shown.count) invoices")
            }
        }
    }

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "My account → B2B requests: a user's requests and their status.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user's login") var user: String

        func run() async throws {
            try await reportingErrors {
                let rows = try ShopCommand.channel(global).pool.read { db in
                    _ = try ShopCommand.buyer(db, user)
                    return try BuyerView.requests(db, user: user)
                }
                for row in rows {
                    let repeats = row.repeats > 0 ? " (asked \(row.repeats + 1) times)" : ""
                    print(
                        "\(row.request.requestId)  \(row.request.type) \(row.request.invoiceNumber ?? "-")  \(row.status.rawValue)  "
                            + "submitted \(Timestamp.format(row.request.submittedAt))  updated \(Timestamp.format(row.updatedAt))\(repeats)"
                            + (row.detail.map { "\n    \($0)" } ?? ""))
                }
                print("\(rows.count) requests")
            }
        }
    }

    struct Cart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A user's open cart.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user's login") var user: String

        func run() async throws {
            try await reportingErrors {
                let lines = try ShopCommand.channel(global).pool.read { db -> [CartLine] in
                    _ = try ShopCommand.buyer(db, user)
                    guard let cart = try RemitStore.Cart.open(db, user: user) else { return [] }
                    return try CartLine.lines(db, cart: cart.id)
                }
                for line in lines {
                    print("\(line.id)  \(line.kind.rawValue)  \(line.description)  × \(line.quantity)  \(line.amount)")
                }
                print(lines.isEmpty ? "the cart is empty" : "\(lines.count) lines")
            }
        }
    }

    struct Outcome: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "What became of a command (by the message id remit publish printed): accepted or refused, dead-lettered (once collected), or still pending."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The command's message id") var messageId: String
        @Option(help: "Seconds to wait for the outcome") var wait: Int = 0

        func run() async throws {
            try await reportingErrors {
                let store = try ShopCommand.channel(global)
                let deadline = Date().addingTimeInterval(Double(max(0, wait)))
                while true {
                    if let outcome = try await store.pool.read({ try CommandOutcome.find($0, messageId: messageId) }) {
                        let ids = [
                            outcome.paymentId.map { "payment \($0)" }, outcome.requestId.map { "request \($0)" },
                            outcome.lineId.map { "cart line \($0)" },
                        ].compactMap { $0 }.joined(separator: ", ")
                        switch outcome.outcome {
                        case .accepted: print("accepted\(ids.isEmpty ? "" : ": \(ids)")")
                        case .refused: print("refused (\(outcome.code ?? "-")): \(outcome.reason ?? "")")
                        }
                        if outcome.outcome == .refused { throw ExitCode(1) }
                        return
                    }
                    guard Date() < deadline else {
                        // A message a worker could not read (bad input) gets no outcome: its dead
                        // letter, once collected, says why.
                        if let letter = try deadLetter(global) {
                            print("dead-lettered (\(letter.reason)) from \(letter.originalQueue): \(letter.error)")
                            throw ExitCode(1)
                        }
                        print("pending: no outcome yet for \(messageId.prefix(128))")
                        print(
                            "(a message no worker could read gets none: `remit dead-letters list --id ID` collects the dead letters and shows it)"
                        )
                        throw ExitCode(3)
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }

        /// The command's dead letter, when one was collected into DATA_DIR/operations.sqlite.
        private func deadLetter(_ global: GlobalOptions) throws -> DeadLetter? {
            let path = "\(try global.resolve().dataDirectory)/\(OperationsStore.fileName)"
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let store = try OperationsStore(path: path, readOnly: true)
            return try store.pool.read {
                try DeadLetter.matching($0, DeadLetterFilter(messageIds: [messageId]), limit: 1).first
            }
        }
    }
}
