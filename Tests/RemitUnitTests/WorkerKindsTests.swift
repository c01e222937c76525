import Foundation
import Logging
import RemitWorkers
import Testing
@testable import RemitApp
@testable import RemitCore
@testable import RemitMessages
@testable import RemitHQ
@testable import RemitRuntime

@Suite("Worker kinds, handlers and schemas agree")
struct WorkerKindsTests {
    func dependencies() throws -> (WorkerDependencies, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-kinds-\(UUID())").path
        return (WorkerDependencies(dataDirectory: directory, logger: Logger(label: "test")), directory)
    }

    @Test func everyKindHasAHandlerThatDecodesExactlyWhatItConsumes() throws {
        let topology = try Topology.load(from: repositoryTopology)
        let (dependencies, directory) = try dependencies()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for kind in topology.workers.kinds {
            let handler = try WorkerKinds.handler(for: kind.name, dependencies: dependencies)
            let decoded = Set(handler.bodyTypes.map { $0.messageType })
            #expect(decoded == Set(kind.consumes), "\(kind.name): handler decodes \(decoded), topology routes \(kind.consumes)")
            for type in handler.bodyTypes {
                #expect(
                    topology.schemas[.init(type: type.messageType, version: type.schemaVersion)] != nil,
                    "\(type.messageType) v\(type.schemaVersion) has a schema")
            }
        }
        #expect(Set(WorkerKinds.handlers.keys) == Set(topology.workers.kinds.map(\.name)), "no handler without a kind")
    }

    @Test func whatSwiftEncodesValidatesAgainstTheSchemas() throws {
        let topology = try Topology.load(from: repositoryTopology)
        let eur = Currency.EUR
        let day = CalendarDate(year: 2026, month: 11, day: 29)!
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let samples: [any MessageBody] = [
            P0001Run(requestedBy: "system:test"), SynchronizeRun(requestedBy: "x"), InvoicePostingRun(requestedBy: "x"),
            DistributionRun(requestedBy: "x"),
            InvoicesChanged(invoices: [
                InvoiceSnapshot(
                    number: "INV-1", customerAccount: "C1", invoiceDate: day, dueDate: day.adding(days: 30),
                    discountLastDay: nil, discount: .zero(eur), total: Money(minorUnits: 100, currency: eur),
                    settled: .zero(eur), discountTaken: .zero(eur), changedAt: now),
                InvoiceSnapshot(
                    number: "INV-2", customerAccount: "C1", invoiceDate: day, dueDate: day,
                    discountLastDay: day, discount: Money(minorUnits: 2, currency: eur),
                    total: Money(minorUnits: 100, currency: eur), settled: .zero(eur),
                    discountTaken: .zero(eur), changedAt: now),
            ]),
            CustomersChanged(customers: [
                CustomerSnapshot(
                    account: "C1", name: "n", email: "e@x", currency: "EUR", invoiceAccount: "C0",
                    allowOnAccount: true, creditLimit: Money(minorUnits: 1, currency: eur),
                    users: [.init(login: "u", displayName: "U", email: "u@x")],
                    changedAt: now)
            ]),
            RequestsChanged(requests: [.init(requestId: "r", status: "completed", at: now, detail: nil)]),
            EmailSend(
                requestId: "r", to: "u@example.test", recipientName: "U", userLogin: "u",
                invoice: .init(
                    number: "INV-1", customerAccount: "C1", customerName: "N", invoiceDate: day, dueDate: day,
                    lines: [.init(description: "d", amount: Money(minorUnits: 100, currency: eur))],
                    total: Money(minorUnits: 100, currency: eur), paid: .zero(eur), discountTaken: .zero(eur), pending: .zero(eur),
                    open: Money(minorUnits: 100, currency: eur),
                    discountOffer: DiscountOffer(amount: Money(minorUnits: 2, currency: eur), lastDay: day))),
            CartAddInvoice(user: "u", invoiceNumber: "INV-1"),
            CartAddInvoice(user: "u", invoiceNumber: "INV-1", amount: Money(minorUnits: 5, currency: eur)),
            CartAddItem(user: "u", sku: "P-001", quantity: 2),
            CartUpdateLine(user: "u", lineId: "l", amount: Money(minorUnits: 5, currency: eur)),
            CartUpdateLine(user: "u", lineId: "l", quantity: 3),
            CartRemoveLine(user: "u", lineId: "l"),
            CartCheckout(user: "u", tender: .onAccount),
            CartCheckout(user: "u", tender: .card, cardAuthorization: "auth-1"),
            PaymentPost(
                paymentId: "p", user: "u", invoiceNumber: "INV-1", amount: Money(minorUnits: 5, currency: eur), tender: .onAccount,
                cardAuthorization: nil),
            InvoicePay(
                user: "u", invoiceNumber: "INV-1", amount: Money(minorUnits: 5, currency: eur), tender: .card, cardAuthorization: "a",
                idempotencyKey: "k"),
            InvoiceRequest(user: "u", invoiceNumber: "INV-1"),
            CommandReply(command: "invoice.pay", commandId: "c", outcome: .refused, code: "invoice-not-found", reason: "r"),
            ProductsChanged(products: [.init(sku: "P-001", name: "n", price: Money(minorUnits: 5, currency: eur), changedAt: now)]),
            InvoicesChanged(invoices: [
                InvoiceSnapshot(
                    number: "INV-3", customerAccount: "C1", invoiceDate: day, dueDate: day, discountLastDay: nil, discount: .zero(eur),
                    total: Money(minorUnits: 100, currency: eur), settled: .zero(eur), discountTaken: .zero(eur), changedAt: now,
                    payments: [.init(paymentId: "p", posted: false, reason: "x"), .init(paymentId: "q", posted: true)])
            ]),
            SmokeRecord(key: "k", amount: Money(minorUnits: 5, currency: eur)),
        ]
        for sample in samples {
            let type = Swift.type(of: sample)
            let json = try JSONValue.parse(try MessageCoding.shared.encode(sample))
            let violations = MessageValidator(topology: topology).violations(
                body: json, type: type.messageType, version: type.schemaVersion)
            #expect(violations.isEmpty, "\(type.messageType): \(violations)")
        }
    }
}
