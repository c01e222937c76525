import GRDB
import RemitStore

/// A transaction on the HQ store in SQLite: the inbox and every HQ part's queries.
public final class SQLiteHQTransaction: SQLiteTransaction, HQStoreTransaction {
    public var accounts: any HQAccountQueries { SQLiteHQAccounts(db: db) }
    public var products: any HQProductQueries { SQLiteHQProducts(db: db) }
    public var invoices: any HQInvoiceQueries { SQLiteHQInvoices(db: db) }
    public var paymentJournal: any PaymentJournalQueries { SQLitePaymentJournal(db: db) }
    public var salesOrders: any SalesOrderQueries { SQLiteSalesOrders(db: db) }
    public var channelRequests: any HQChannelRequestQueries { SQLiteHQChannelRequests(db: db) }
    public var jobRuns: any JobRunQueries { SQLiteJobRuns(db: db) }
    public var distribution: any DistributionQueries { SQLiteDistribution(db: db) }
    public var seed: any HQSeedWrites { SQLiteHQSeed(db: db) }
    public var traceContexts: any TraceContextQueries { SQLiteTraceContexts(db: db) }
    public var collection: any CollectionQueries { SQLiteCollection(db: db) }
}
