import RemitCore

/// What posting a journal line did to its invoice (`settlement`).
public struct HQSettlement: Sendable, Equatable, Codable {
    /// Assigned by the store on insert.
    public var id: Int64?
    public var journalLineId: Int64
    public var invoiceNumber: String
    public var settledMinor: Int64
    public var discountMinor: Int64
    /// The part of the payment the invoice did not need.
    public var unappliedMinor: Int64
    public var settledOn: CalendarDate

    public init(
        journalLineId: Int64, invoiceNumber: String, settled: Money, discount: Money, unapplied: Money,
        settledOn: CalendarDate
    ) {
        self.journalLineId = journalLineId
        self.invoiceNumber = invoiceNumber
        settledMinor = settled.minorUnits
        discountMinor = discount.minorUnits
        unappliedMinor = unapplied.minorUnits
        self.settledOn = settledOn
    }

    /// A settlement as stored, its id included.
    public init(
        id: Int64?, journalLineId: Int64, invoiceNumber: String, settledMinor: Int64, discountMinor: Int64, unappliedMinor: Int64,
        settledOn: CalendarDate
    ) {
        self.id = id
        self.journalLineId = journalLineId
        self.invoiceNumber = invoiceNumber
        self.settledMinor = settledMinor
        self.discountMinor = discountMinor
        self.unappliedMinor = unappliedMinor
        self.settledOn = settledOn
    }
}
