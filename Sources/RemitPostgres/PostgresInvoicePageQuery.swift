import PostgresNIO
import RemitCore
import RemitStore

/// The Invoices page's query (`BuyerView.InvoiceQuery`) as PostgreSQL SQL: the same conditions and
/// the same order as SQLite's request — the sort column, then the number, both in the chosen
/// direction — so both backends page identically.
struct PostgresInvoicePageQuery {
    private var conditions: [String] = []
    private var binds = PostgresBindings()
    private let order: String

    init(accounts: [String], query: BuyerView.InvoiceQuery, today: CalendarDate) {
        let column: String
        switch query.sort {
        case .dueDate: column = "due_date"
        case .invoiceDate: column = "invoice_date"
        case .amount: column = "total_minor"
        }
        order = query.descending ? "\(column) DESC, number DESC" : "\(column), number"
        // An account in the query that is not among the user's finds nothing.
        let searched = query.account.map { accounts.contains($0) ? [$0] : [] } ?? accounts
        conditions.append("customer_account = ANY(\(bind(searched)))")
        if let status = query.status { conditions.append(condition(status, today: today)) }
        if let dueFrom = query.dueFrom { conditions.append("due_date >= \(bind(dueFrom.description))") }
        if let dueTo = query.dueTo { conditions.append("due_date <= \(bind(dueTo.description))") }
        if let prefix = query.numberPrefix, !prefix.isEmpty {
            // A range on the key, not LIKE: % and _ mean nothing (text is collated "C", byte order as SQLite's).
            conditions.append("number >= \(bind(prefix)) AND number < \(bind(prefix + "\u{10FFFF}"))")
        }
    }

    private mutating func bind(_ value: String) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    private mutating func bind(_ value: [String]) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    private mutating func condition(_ filter: BuyerView.InvoiceFilter, today: CalendarDate) -> String {
        switch filter {
        case .unpaid: return "status = \(bind(InvoicePaymentStatus.unpaid.rawValue))"
        case .partiallyPaid: return "status = \(bind(InvoicePaymentStatus.partiallyPaid.rawValue))"
        case .paid: return "status = \(bind(InvoicePaymentStatus.paid.rawValue))"
        case .overdue:
            return """
                status IN (\(bind(InvoicePaymentStatus.unpaid.rawValue)), \(bind(InvoicePaymentStatus.partiallyPaid.rawValue))) \
                AND due_date < \(bind(today.description))
                """
        }
    }

    private var whereClause: String { conditions.joined(separator: " AND ") }

    /// How many invoices pass.
    var count: PostgresQuery {
        PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM channel_invoice WHERE \(whereClause)", binds: binds)
    }

    /// The invoices that pass, in order, `limit` from `offset`.
    func page(offset: Int, limit: Int) -> PostgresQuery {
        PostgresQuery(
            unsafeSQL:
                "SELECT * FROM channel_invoice WHERE \(whereClause) ORDER BY \(order) LIMIT \(max(0, limit)) OFFSET \(max(0, offset))",
            binds: binds)
    }
}
