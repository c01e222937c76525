/// A transaction on the HQ store: the inbox, and the queries of each part of HQ's work.
public protocol HQStoreTransaction: StoreTransaction {
    /// Customer accounts and their B2B users.
    var accounts: any HQAccountQueries { get }
    /// The products HQ sells.
    var products: any HQProductQueries { get }
    /// Invoices, their lines and their settlements.
    var invoices: any HQInvoiceQueries { get }
    /// Payments the channel uploaded, until posted or refused.
    var paymentJournal: any PaymentJournalQueries { get }
    /// Sales orders from upload to invoice.
    var salesOrders: any SalesOrderQueries { get }
    /// B2B requests the channel uploaded, until processed.
    var channelRequests: any HQChannelRequestQueries { get }
    /// The record of every job run.
    var jobRuns: any JobRunQueries { get }
    /// Distribution's watermarks and the records it holds back.
    var distribution: any DistributionQueries { get }
    /// What only the seed writes: payment terms, and rows in bulk.
    var seed: any HQSeedWrites { get }
    /// Collection policies and the letters issued.
    var collection: any CollectionQueries { get }
    /// The trace contexts kept for items the next job carries on.
    var traceContexts: any TraceContextQueries { get }
}

extension StoreTransaction {
    /// This transaction as the HQ store's.
    public func hq() throws -> any HQStoreTransaction {
        guard let hq = self as? any HQStoreTransaction else {
            throw WrongStoreTransaction(expected: "HQ store", given: "\(type(of: self))")
        }
        return hq
    }
}
