import Foundation
import RemitCore

/// What a buyer sees, as values: their invoices with what is pending, their B2B requests, their
/// cart, their account's credit. `BuyerViewQueries` reads them; the portal, its API and `remit
/// shop` show them.
public enum BuyerView {
    /// One invoice as the Invoices page lists it.
    public struct InvoiceRow: Sendable, Equatable {
        public var invoice: ChannelInvoice
        /// Payments the channel took that HQ has not settled or refused yet.
        public var pending: Money
        /// The day the latest pending payment was made.
        public var pendingPaidOn: CalendarDate?
        public var total: Money { Money(minorUnits: invoice.totalMinor, currency: invoice.currency) }
        public var paid: Money { Money(minorUnits: invoice.settledMinor, currency: invoice.currency) }
        public var amounts: InvoiceAmounts {
            InvoiceAmounts(
                due: total, settled: paid, discountTaken: Money(minorUnits: invoice.discountTakenMinor, currency: invoice.currency))
        }
        /// Open less pending: what a payment may still cover (nothing, when the pending payments
        /// settle the invoice with its cash discount).
        public var open: Money { balance.available }
        public func isOverdue(today: CalendarDate) -> Bool { amounts.isOverdue(dueDate: invoice.dueDate, today: today) }

        public init(invoice: ChannelInvoice, pending: Money, pendingPaidOn: CalendarDate? = nil) {
            self.invoice = invoice
            self.pending = pending
            self.pendingPaidOn = pendingPaidOn
        }
        /// What a payment may cover and what the storefront proposes, the cash discount included.
        public var balance: InvoiceBalance {
            InvoiceBalance(
                number: invoice.number, amounts: amounts, pending: pending, pendingPaidOn: pendingPaidOn, offer: invoice.discountOffer)
        }
    }

    /// A signed-in user as the channel store knows them: who they are and which accounts they reach.
    public struct Buyer: Sendable, Equatable {
        public var user: ChannelUser
        public var customer: ChannelCustomer
        public var access: InvoiceAccessPolicy

        public init(user: ChannelUser, customer: ChannelCustomer, access: InvoiceAccessPolicy) {
            self.user = user
            self.customer = customer
            self.access = access
        }
    }

    /// The Invoices page's status filter. The stored status is `InvoiceAmounts.status` of the
    /// amounts stored with it (distribution writes both), so the filter searches an index.
    public enum InvoiceFilter: String, Sendable, CaseIterable {
        case unpaid
        case partiallyPaid = "partially-paid"
        case paid
        /// Unpaid or partially paid, and due before today.
        case overdue
    }

    /// The Invoices page's sort orders; ties go by invoice number.
    public enum InvoiceSort: String, Sendable, CaseIterable {
        case dueDate = "due-date"
        case invoiceDate = "invoice-date"
        case amount
    }

    /// What the Invoices page asks for, already validated: which of the user's accounts, which
    /// status, which due dates, which numbers, in which order.
    public struct InvoiceQuery: Sendable, Equatable {
        /// One of the user's accounts, or nil for all of them.
        public var account: String?
        public var status: InvoiceFilter?
        public var dueFrom: CalendarDate?
        public var dueTo: CalendarDate?
        /// Invoice numbers starting with this text.
        public var numberPrefix: String?
        public var sort: InvoiceSort
        public var descending: Bool

        public init(
            account: String? = nil, status: InvoiceFilter? = nil, dueFrom: CalendarDate? = nil, dueTo: CalendarDate? = nil,
            numberPrefix: String? = nil, sort: InvoiceSort = .dueDate, descending: Bool = false
        ) {
            self.account = account
            self.status = status
            self.dueFrom = dueFrom
            self.dueTo = dueTo
            self.numberPrefix = numberPrefix
            self.sort = sort
            self.descending = descending
        }
    }

    /// One page of a user's invoices and how many there are in all.
    public struct InvoicePage: Sendable, Equatable {
        public var rows: [InvoiceRow]
        public var total: Int

        public init(rows: [InvoiceRow], total: Int) {
            self.rows = rows
            self.total = total
        }
    }

    /// The buyer's open cart: its lines and, for each invoice line that could not be paid as it stands
    /// (paid since, a payment pending for it, more than is open now), why — the check a checkout makes.
    public struct OpenCart: Sendable, Equatable {
        public var lines: [CartLine]
        /// By line id.
        public var refusals: [String: StorefrontRefusal]

        public init(lines: [CartLine], refusals: [String: StorefrontRefusal]) {
            self.lines = lines
            self.refusals = refusals
        }

        /// The first line's refusal, in the cart's order.
        public var firstRefusal: StorefrontRefusal? { lines.lazy.compactMap { refusals[$0.id] }.first }
    }

    /// The account a charge on account goes to and its credit: the Invoices page's summary and
    /// the cart's check of a payment on account decide it here, the same way.
    public struct AccountSummary: Sendable, Equatable {
        /// The charged account: the invoice account HQ named, else the customer's own.
        public var account: ChannelCustomer
        public var currency: Currency
        /// The open amounts of the charged account's invoices.
        public var balance: Money
        /// Charges on account the channel took and has not uploaded to HQ yet.
        public var unuploaded: Money
        public var creditLimit: Money
        /// Credit left: the limit less the balance and the charges not yet uploaded (may be negative).
        public var headroom: Money
        /// Whether the buyer may pay on account at all (their customer and the charged account).
        public var allowsOnAccount: Bool

        public init(
            account: ChannelCustomer, currency: Currency, balance: Money, unuploaded: Money, creditLimit: Money, headroom: Money,
            allowsOnAccount: Bool
        ) {
            self.account = account
            self.currency = currency
            self.balance = balance
            self.unuploaded = unuploaded
            self.creditLimit = creditLimit
            self.headroom = headroom
            self.allowsOnAccount = allowsOnAccount
        }
    }

    /// One payment the channel took for an invoice, and what HQ made of it.
    public struct PaymentRow: Sendable, Equatable {
        public enum State: String, Sendable { case pending, posted, refused }
        public var transaction: ChannelTransaction
        public var state: State
        /// Why HQ refused it.
        public var reason: String?

        public init(transaction: ChannelTransaction, state: State, reason: String?) {
            self.transaction = transaction
            self.state = state
            self.reason = reason
        }
    }

    /// An invoice with everything its detail page shows.
    public struct InvoiceDetail: Sendable, Equatable {
        public var row: InvoiceRow
        public var lines: [ChannelInvoiceLine]
        public var settlements: [ChannelSettlement]
        public var payments: [PaymentRow]
        /// The user's own requests for this invoice, newest first.
        public var requests: [RequestRow]

        public init(
            row: InvoiceRow, lines: [ChannelInvoiceLine], settlements: [ChannelSettlement], payments: [PaymentRow],
            requests: [RequestRow]
        ) {
            self.row = row
            self.lines = lines
            self.settlements = settlements
            self.payments = payments
            self.requests = requests
        }
    }

    /// A B2B request as My account → B2B requests shows it.
    public struct RequestRow: Sendable, Equatable {
        public var request: B2BRequest
        public var status: B2BRequest.Status
        public var updatedAt: Date
        public var detail: String?
        public var repeats: Int

        public init(request: B2BRequest, status: B2BRequest.Status, updatedAt: Date, detail: String?, repeats: Int) {
            self.request = request
            self.status = status
            self.updatedAt = updatedAt
            self.detail = detail
            self.repeats = repeats
        }
    }
}
