import RemitCore

/// HQ's sales orders: uploaded by P-0001, opened by synchronization, invoiced by invoice posting.
public protocol SalesOrderQueries {
    /// Stores an order the channel uploaded, unless its channel id is known; returns whether it was new.
    func insertUnlessUploaded(_ order: SalesOrder) throws -> Bool
    /// The orders in `status`, oldest first.
    func orders(status: SalesOrder.Status) throws -> [SalesOrder]
    /// Open orders with the payment terms of their customer, oldest first.
    func openOrdersWithTerms() throws -> [(order: SalesOrder, terms: PaymentTerms)]
    func setStatus(id: Int64, to status: SalesOrder.Status) throws
    func insert(_ line: SalesOrderLine) throws
    /// Orders on account not invoiced yet, in minor units: they use credit before they are invoices.
    func uninvoicedOnAccountMinor(customerAccount: String) throws -> Int64
}
