import Foundation
import RemitCore

/// HQ's invoices with their lines and settlements: what posting, synchronization, distribution and
/// the credit check read and write.
public protocol HQInvoiceQueries {
    func invoice(number: String) throws -> HQInvoice?
    /// The invoices of `numbers` HQ has (an unknown number is left out).
    func invoices(numbers: [String]) throws -> [HQInvoice]
    /// The account an invoice belongs to; nil when there is no such invoice.
    func customerAccount(ofInvoice number: String) throws -> String?
    /// Invoices changed after `position`, in change order, at most `limit`.
    func changedInvoices(after position: DistributionPosition, limit: Int) throws -> [HQInvoice]
    /// What the account's invoices still have open, in minor units (overpaid invoices count as zero).
    func openBalanceMinor(customerAccount: String) throws -> Int64
    func insert(_ invoice: HQInvoice) throws
    /// Marks the invoice changed (a payment against it was refused) so distribution sends it again
    /// with the payment's outcome.
    func touch(number: String, at: Date) throws
    /// Records a payment's effect on the invoice's amounts.
    func settle(number: String, settledMinor: Int64, discountTakenMinor: Int64, at: Date) throws

    /// The invoice's lines in order.
    func lines(invoice: String) throws -> [HQInvoiceLine]
    /// The lines of `invoices` in order, by invoice number, in each invoice's currency.
    func linesByInvoice(_ invoices: [HQInvoice]) throws -> [String: [InvoiceDocument.Line]]
    /// Gives invoice `number` one line per line of sales order `orderId` ("sku × quantity").
    func copyLines(fromOrder orderId: Int64, toInvoice number: String) throws

    func insert(_ settlement: HQSettlement) throws
    /// The settlements of `invoices`, oldest first, with the channel payment each came from, by
    /// invoice number.
    func settlementsByInvoice(_ invoices: [HQInvoice]) throws -> [String: [HQSettledPayment]]
}
