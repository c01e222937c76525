import Foundation
import RemitCore

/// Bodies of the messages between HQ's jobs and the channel.

/// Start one run of an HQ job. Each job has its own message type (and queue, with a single active
/// consumer, so only one instance runs a given job at a time).
public protocol HQJobRun: MessageBody {
    /// The job's name as operators know it (`P-0001`, …).
    static var jobName: String { get }
    var requestedBy: String { get }
    init(requestedBy: String)
}

public struct P0001Run: HQJobRun, Equatable {
    public static let messageType = "hq.p-0001.run"
    public static let schemaVersion = 1
    public static let jobName = "P-0001"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}

public struct SynchronizeRun: HQJobRun, Equatable {
    public static let messageType = "hq.sync.run"
    public static let schemaVersion = 1
    public static let jobName = "Synchronize orders and channel requests"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}

public struct InvoicePostingRun: HQJobRun, Equatable {
    public static let messageType = "hq.invoice-posting.run"
    public static let schemaVersion = 1
    public static let jobName = "Invoice posting"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}

public struct DistributionRun: HQJobRun, Equatable {
    public static let messageType = "hq.distribution.run"
    public static let schemaVersion = 1
    public static let jobName = "Distribution"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}

/// An HQ job as operators and the scheduler see it: its name, its run message, how to make one.
public struct HQJobDescriptor: Sendable {
    public let name: String
    public let messageType: String
    private let make: @Sendable (String, Date) throws -> OutgoingMessage

    init<Run: HQJobRun>(_ run: Run.Type) {
        name = Run.jobName
        messageType = Run.messageType
        make = { requestedBy, now in
            try OutgoingMessage(Envelope(occurredAt: now, actingUser: requestedBy, body: Run(requestedBy: requestedBy)))
        }
    }

    /// A new run message (a fresh id: every run is its own message).
    public func runMessage(requestedBy: String, at now: Date) throws -> OutgoingMessage { try make(requestedBy, now) }
}

public enum HQJobs {
    public static let all = [
        HQJobDescriptor(P0001Run.self), HQJobDescriptor(SynchronizeRun.self),
        HQJobDescriptor(InvoicePostingRun.self), HQJobDescriptor(DistributionRun.self),
    ]

    /// The job with this name (any case) or run message type.
    public static func named(_ name: String) -> HQJobDescriptor? {
        all.first { $0.name.caseInsensitiveCompare(name) == .orderedSame || $0.messageType == name }
    }
}

/// An invoice as HQ has it, distributed to the channel.
public struct InvoiceSnapshot: Sendable, Codable, Equatable {
    public var number: String
    public var customerAccount: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var discountLastDay: CalendarDate?
    public var discount: Money
    public var total: Money
    public var settled: Money
    public var discountTaken: Money
    /// HQ's time of this state; the channel keeps the newest.
    public var changedAt: Date
    /// What became of the channel's payments for this invoice: settled in `settled`, or refused.
    /// The channel shows a payment as pending until it appears here.
    public var payments: [PaymentOutcome]?
    /// The invoice's lines, for the portal's detail page (absent from senders before 0.5).
    public var lines: [InvoiceDocument.Line]?
    /// What HQ's postings did to the invoice, oldest first (absent from senders before 0.5).
    public var settlements: [Settlement]?
    /// Set when the invoice's lists are too long for one item: which window of them this item
    /// carries (`parts(maximumListItems:)`). Absent: the lists are whole.
    public var part: Part?

    /// At most this many payments, lines and settlements travel in one item (the schema's `maxItems`).
    public static let maximumListItems = 1000

    /// The window of a long invoice's lists one item carries: its lines from position `linesFrom`
    /// (1-based) of `lineCount` in all, its settlements from `settlementsFrom` of `settlementCount`.
    /// Every item of one invoice has the same `changedAt` and the same amounts; the channel writes
    /// each window where it belongs, in any order, and drops what lies beyond the counts.
    public struct Part: Sendable, Codable, Equatable {
        public var linesFrom: Int
        public var lineCount: Int
        public var settlementsFrom: Int
        public var settlementCount: Int
        public init(linesFrom: Int, lineCount: Int, settlementsFrom: Int, settlementCount: Int) {
            self.linesFrom = linesFrom
            self.lineCount = lineCount
            self.settlementsFrom = settlementsFrom
            self.settlementCount = settlementCount
        }
    }

    /// This snapshot as items that each fit the schema: itself when every list is short enough,
    /// else one item per window of `maximumListItems` of each list (payments' outcomes are spread
    /// the same way; they only accrue, so where each travels does not matter).
    public func parts(maximumListItems: Int = InvoiceSnapshot.maximumListItems) -> [InvoiceSnapshot] {
        let payments = payments ?? []
        let lines = lines ?? []
        let settlements = settlements ?? []
        let longest = max(payments.count, lines.count, settlements.count)
        guard longest > maximumListItems else { return [self] }
        func window<Element>(_ list: [Element], _ start: Int) -> [Element] {
            start < list.count ? Array(list[start..<min(start + maximumListItems, list.count)]) : []
        }
        return stride(from: 0, to: longest, by: maximumListItems).map { start in
            var item = self
            item.payments = window(payments, start)
            item.lines = self.lines.map { _ in window(lines, start) }
            item.settlements = self.settlements.map { _ in window(settlements, start) }
            item.part = Part(
                linesFrom: start + 1, lineCount: lines.count, settlementsFrom: start + 1, settlementCount: settlements.count)
            return item
        }
    }

    /// How much an item weighs in a message: itself and every list entry it carries.
    public var weight: Int { 1 + (payments?.count ?? 0) + (lines?.count ?? 0) + (settlements?.count ?? 0) }

    /// One posting against the invoice: the amount it settled, the cash discount it granted, and the
    /// channel payment it came from.
    public struct Settlement: Sendable, Codable, Equatable {
        public var settledOn: CalendarDate
        public var settled: Money
        public var discount: Money
        public var paymentId: String
        public init(settledOn: CalendarDate, settled: Money, discount: Money, paymentId: String) {
            self.settledOn = settledOn
            self.settled = settled
            self.discount = discount
            self.paymentId = paymentId
        }
    }

    /// One channel payment as HQ posted or refused it.
    public struct PaymentOutcome: Sendable, Codable, Equatable {
        public var paymentId: String
        public var posted: Bool
        /// Why HQ refused it.
        public var reason: String?
        public init(paymentId: String, posted: Bool, reason: String? = nil) {
            self.paymentId = paymentId
            self.posted = posted
            self.reason = reason
        }
    }

    public init(
        number: String, customerAccount: String, invoiceDate: CalendarDate, dueDate: CalendarDate,
        discountLastDay: CalendarDate?, discount: Money, total: Money, settled: Money, discountTaken: Money,
        changedAt: Date, payments: [PaymentOutcome]? = nil, lines: [InvoiceDocument.Line]? = nil,
        settlements: [Settlement]? = nil, part: Part? = nil
    ) {
        self.part = part
        self.payments = payments
        self.lines = lines
        self.settlements = settlements
        self.number = number
        self.customerAccount = customerAccount
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.discountLastDay = discountLastDay
        self.discount = discount
        self.total = total
        self.settled = settled
        self.discountTaken = discountTaken
        self.changedAt = changedAt
    }

    public var amounts: InvoiceAmounts { InvoiceAmounts(due: total, settled: settled, discountTaken: discountTaken) }
}

public struct InvoicesChanged: MessageBody, Equatable {
    public static let messageType = "channel.invoices.changed"
    public static let schemaVersion = 1
    public var invoices: [InvoiceSnapshot]
    public init(invoices: [InvoiceSnapshot]) { self.invoices = invoices }
}

public struct CustomerSnapshot: Sendable, Codable, Equatable {
    /// A B2B user as HQ knows them. No credential: passwords are set on the channel side, so no
    /// hash travels on the broker (where it would stay in dead letters and inboxes).
    public struct User: Sendable, Codable, Equatable {
        public var login: String
        public var displayName: String
        public var email: String
        public init(login: String, displayName: String, email: String) {
            self.login = login
            self.displayName = displayName
            self.email = email
        }
    }

    public var account: String
    public var name: String
    public var email: String
    public var currency: String
    public var invoiceAccount: String?
    public var allowOnAccount: Bool
    public var creditLimit: Money
    public var users: [User]
    public var changedAt: Date

    public init(
        account: String, name: String, email: String, currency: String, invoiceAccount: String?,
        allowOnAccount: Bool, creditLimit: Money, users: [User], changedAt: Date
    ) {
        self.account = account
        self.name = name
        self.email = email
        self.currency = currency
        self.invoiceAccount = invoiceAccount
        self.allowOnAccount = allowOnAccount
        self.creditLimit = creditLimit
        self.users = users
        self.changedAt = changedAt
    }
}

public struct CustomersChanged: MessageBody, Equatable {
    public static let messageType = "channel.customers.changed"
    public static let schemaVersion = 1
    public var customers: [CustomerSnapshot]
    public init(customers: [CustomerSnapshot]) { self.customers = customers }
}

public struct RequestsChanged: MessageBody, Equatable {
    public static let messageType = "channel.requests.changed"
    public static let schemaVersion = 1
    public struct Change: Sendable, Codable, Equatable {
        public var requestId: String
        public var status: String
        public var at: Date
        public var detail: String?
        public init(requestId: String, status: String, at: Date, detail: String?) {
            self.requestId = requestId
            self.status = status
            self.at = at
            self.detail = detail
        }
    }
    public var requests: [Change]
    public init(requests: [Change]) { self.requests = requests }
}

/// Send an invoice copy to a user's registered e-mail address. The body carries what the e-mail
/// shows, as HQ had it when it processed the request, so dispatch needs no store of HQ's.
public struct EmailSend: MessageBody, Equatable {
    public static let messageType = "email.send"
    public static let schemaVersion = 2
    public var requestId: String
    public var to: String
    public var recipientName: String
    public var userLogin: String
    public var template: String
    public var invoice: InvoiceDocument

    /// The invoice as the e-mail presents it.
    public typealias InvoiceDocument = RemitCore.InvoiceDocument

    public init(
        requestId: String, to: String, recipientName: String, userLogin: String, invoice: InvoiceDocument,
        template: String = "invoice-copy"
    ) {
        self.requestId = requestId
        self.to = to
        self.recipientName = recipientName
        self.userLogin = userLogin
        self.invoice = invoice
        self.template = template
    }
}
