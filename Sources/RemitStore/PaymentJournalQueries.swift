import Foundation

/// HQ's payment journal: payments P-0001 uploads, synchronization posts or refuses, and distribution
/// reports back.
public protocol PaymentJournalQueries {
    /// Stores an uploaded payment unless its channel id is known; returns whether it was new.
    func insertUnlessUploaded(_ line: PaymentJournalLine) throws -> Bool
    /// Payments neither posted nor failed, in upload order.
    func unposted() throws -> [PaymentJournalLine]
    func markPosted(id: Int64, at: Date) throws
    func markFailed(id: Int64, reason: String) throws
    /// The channel's payments for `invoices` that HQ posted or refused, by invoice number.
    func outcomes(invoices: [String]) throws -> [String: [HQPaymentOutcome]]
    /// Payments HQ received for `invoice` and has not posted yet, in minor units.
    func unpostedMinor(invoice: String) throws -> Int64
}
