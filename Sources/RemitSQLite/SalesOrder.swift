import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// A sales order in HQ (`sales_order`): uploaded from the channel, opened with its lines by the
/// sync job, invoiced by invoice posting.
public struct SalesOrder: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "sales_order"

    public enum Status: String, Sendable, Codable {
        /// As uploaded by P-0001: lines still in `lines`.
        case uploaded
        case open
        case invoiced
    }

    /// Assigned by the store on insert.
    public var id: Int64?
    public var orderNumber: String
    public var customerAccount: String
    /// Set for orders that came from the channel: the idempotency key of the upload.
    public var channelOrderId: String?
    public var orderedOn: CalendarDate
    public var onAccount: Bool
    public var status: Status
    public var totalMinor: Int64
    public var currency: Currency
    /// The lines as uploaded (JSON), until the sync job creates the order lines.
    public var lines: String?

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let customerAccount = Column("customer_account")
        public static let channelOrderId = Column("channel_order_id")
        public static let onAccount = Column("on_account")
        public static let status = Column(CodingKeys.status)
        public static let totalMinor = Column("total_minor")
    }

    public init(
        orderNumber: String, customerAccount: String, channelOrderId: String?, orderedOn: CalendarDate, onAccount: Bool,
        status: Status, total: Money, lines: String?
    ) {
        self.orderNumber = orderNumber
        self.customerAccount = customerAccount
        self.channelOrderId = channelOrderId
        self.orderedOn = orderedOn
        self.onAccount = onAccount
        self.status = status
        totalMinor = total.minorUnits
        currency = total.currency
        self.lines = lines
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64)")
        id = row["id"]
        orderNumber = row["order_number"]
        customerAccount = row["customer_account"]
        channelOrderId = row["channel_order_id"]
        orderedOn = try stored.date("ordered_on")
        onAccount = row["on_account"]
        status = try stored.value("status", as: Status.self)
        totalMinor = row["total_minor"]
        currency = try stored.currency()
        lines = row["lines"]
    }

    public var total: Money { Money(minorUnits: totalMinor, currency: currency) }

    /// Stores an order the channel uploaded, unless its channel id is known; returns whether it was new.
    public func insertUnlessUploaded(_ db: Database) throws -> Bool {
        try insertUnlessKnown(db, key: Columns.channelOrderId)
    }

    public static func withStatus(_ status: Status, _ db: Database) throws -> [SalesOrder] {
        try filter(Columns.status == status.rawValue).order(Columns.id).fetchAll(db)
    }

    /// Open orders with the payment terms of their customer, oldest first.
    public static func openWithTerms(_ db: Database) throws -> [(order: SalesOrder, terms: HQPaymentTerms)] {
        // The two tables share no column name, so each record reads its own columns of the joined row.
        try Row.fetchAll(
            db,
            sql: """
                SELECT o.*, t.* FROM sales_order o JOIN customer c ON c.account = o.customer_account
                JOIN payment_terms t ON t.code = c.payment_terms
                WHERE o.status = ? ORDER BY o.id
                """, arguments: [Status.open.rawValue]
        ).map { row in (try SalesOrder(row: row), try HQPaymentTerms(row: row)) }
    }

    public static func setStatus(_ db: Database, id: Int64, to status: Status) throws {
        try filter(key: id).updateAll(db, Columns.status.set(to: status.rawValue))
    }

    /// Orders on account not invoiced yet, in minor units: they use credit before they are invoices.
    public static func uninvoicedOnAccountMinor(_ db: Database, customerAccount: String) throws -> Int64 {
        try filter(Columns.customerAccount == customerAccount && Columns.onAccount && Columns.status != Status.invoiced.rawValue)
            .select(sum(Columns.totalMinor), as: Int64.self).fetchOne(db) ?? 0
    }
}
