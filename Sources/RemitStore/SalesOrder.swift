import RemitCore

/// A sales order in HQ (`sales_order`): uploaded from the channel, opened with its lines by the
/// sync job, invoiced by invoice posting.
public struct SalesOrder: Sendable, Equatable, Codable {
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

    public init(
        orderNumber: String, customerAccount: String, channelOrderId: String?, orderedOn: CalendarDate, onAccount: Bool,
        status: Status, total: Money, lines: String?
    ) {
        self.init(
            id: nil, orderNumber: orderNumber, customerAccount: customerAccount, channelOrderId: channelOrderId,
            orderedOn: orderedOn, onAccount: onAccount, status: status, totalMinor: total.minorUnits, currency: total.currency,
            lines: lines)
    }

    /// An order as stored.
    public init(
        id: Int64?, orderNumber: String, customerAccount: String, channelOrderId: String?, orderedOn: CalendarDate,
        onAccount: Bool, status: Status, totalMinor: Int64, currency: Currency, lines: String?
    ) {
        self.id = id
        self.orderNumber = orderNumber
        self.customerAccount = customerAccount
        self.channelOrderId = channelOrderId
        self.orderedOn = orderedOn
        self.onAccount = onAccount
        self.status = status
        self.totalMinor = totalMinor
        self.currency = currency
        self.lines = lines
    }

    public var total: Money { Money(minorUnits: totalMinor, currency: currency) }
}
