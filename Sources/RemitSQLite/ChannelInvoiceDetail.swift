import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// What the portal's invoice detail page shows beyond the invoice's row: its lines and what HQ's
/// postings did to it, as distribution last sent them; and the indexes the Invoices page's filters
/// and sort orders search by.
public enum ChannelInvoiceDetail {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-invoice-detail") { db in
            try db.create(table: "channel_invoice_line") { t in
                t.column("invoice_number", .text).notNull()
                t.column("line_no", .integer).notNull()
                t.column("description", .text).notNull()
                t.column("amount_minor", .integer).notNull()
                t.primaryKey(["invoice_number", "line_no"])
            }
            try db.create(table: "channel_settlement") { t in
                t.column("invoice_number", .text).notNull()
                t.column("position", .integer).notNull()
                t.column("settled_on", .text).notNull()
                t.column("settled_minor", .integer).notNull()
                t.column("discount_minor", .integer).notNull()
                t.column("payment_id", .text).notNull()
                t.primaryKey(["invoice_number", "position"])
            }
            // The Invoices page: a status filter, then by due date; the other sort orders.
            try db.create(
                index: "channel_invoice_by_status", on: "channel_invoice", columns: ["customer_account", "status", "due_date"])
            try db.create(
                index: "channel_invoice_by_date", on: "channel_invoice", columns: ["customer_account", "invoice_date"])
            try db.create(
                index: "channel_invoice_by_amount", on: "channel_invoice", columns: ["customer_account", "total_minor"])
            // The detail page's requests for one invoice.
            try db.create(index: "b2b_request_by_invoice", on: "b2b_request", columns: ["invoice_number", "submitted_at"])
        }
    }

    /// The Invoices page's keys (registered last by the channel store): each sort order's index
    /// ends with the invoice number, so the page finds its rows' places in the index alone and
    /// reads only the rows it shows; and the open amounts have an index of their own, so the
    /// account's balance is summed without reading a row.
    static func registerListKeys(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-invoice-list-keys") { db in
            let keys: [(name: String, columns: [String])] = [
                ("channel_invoice_by_customer", ["customer_account", "due_date", "number"]),
                ("channel_invoice_by_status", ["customer_account", "status", "due_date", "number"]),
                ("channel_invoice_by_date", ["customer_account", "invoice_date", "number"]),
                ("channel_invoice_by_amount", ["customer_account", "total_minor", "number"]),
            ]
            for key in keys {
                try db.drop(index: key.name)
                try db.create(index: key.name, on: "channel_invoice", columns: key.columns)
            }
            try db.create(
                index: "channel_invoice_open_amounts", on: "channel_invoice",
                columns: ["customer_account", "currency", "total_minor", "settled_minor", "discount_taken_minor"])
        }
    }

    /// Writes the lines and settlements of a snapshot of `invoice` at least as new as the stored one.
    /// A whole snapshot replaces them; a part of a long invoice's (`from` > 1 or a `count` beyond
    /// what it carries) writes its window at its positions and drops what lies beyond `count`, so
    /// the parts of one snapshot may arrive in any order. A sender that did not send a list (nil)
    /// leaves what is stored.
    public static func replace(
        _ db: Database, invoice: String, lines: [ChannelInvoiceLine]?, settlements: [ChannelSettlement]?,
        linesFrom: Int = 1, lineCount: Int? = nil, settlementsFrom: Int = 1, settlementCount: Int? = nil
    ) throws {
        if let lines {
            try clearWindow(
                db, table: "channel_invoice_line", position: "line_no", invoice: invoice, from: linesFrom, carried: lines.count,
                count: lineCount ?? lines.count)
            // Prepared once per connection: distribution writes a line for every line of every invoice.
            let insert = try db.cachedStatement(
                sql: "INSERT INTO channel_invoice_line (invoice_number, line_no, description, amount_minor) VALUES (?, ?, ?, ?)")
            for (index, line) in lines.enumerated() {
                try insert.execute(arguments: [invoice, linesFrom + index, line.description, line.amount.minorUnits])
            }
        }
        if let settlements {
            try clearWindow(
                db, table: "channel_settlement", position: "position", invoice: invoice, from: settlementsFrom,
                carried: settlements.count, count: settlementCount ?? settlements.count)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO channel_settlement
                        (invoice_number, position, settled_on, settled_minor, discount_minor, payment_id)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
            for (index, settlement) in settlements.enumerated() {
                try insert.execute(arguments: [
                    invoice, settlementsFrom + index, settlement.settledOn.description, settlement.settled.minorUnits,
                    settlement.discount.minorUnits, settlement.paymentId,
                ])
            }
        }
    }

    /// Deletes the rows of `invoice` in the window `from ..< from + carried` and beyond `count`.
    private static func clearWindow(
        _ db: Database, table: String, position: String, invoice: String, from: Int, carried: Int, count: Int
    ) throws {
        try db.cachedStatement(
            sql: "DELETE FROM \(table) WHERE invoice_number = ? AND ((\(position) >= ? AND \(position) < ?) OR \(position) > ?)"
        ).execute(arguments: [invoice, from, from + carried, count])
    }

    /// The lines of `invoice`, in order, in its currency.
    public static func lines(_ db: Database, invoice: ChannelInvoice) throws -> [ChannelInvoiceLine] {
        try Row.fetchAll(
            db, sql: "SELECT description, amount_minor FROM channel_invoice_line WHERE invoice_number = ? ORDER BY line_no",
            arguments: [invoice.number]
        ).map {
            ChannelInvoiceLine(description: $0["description"], amount: Money(minorUnits: $0["amount_minor"], currency: invoice.currency))
        }
    }

    /// The settlements of `invoice`, oldest first, in its currency.
    public static func settlements(_ db: Database, invoice: ChannelInvoice) throws -> [ChannelSettlement] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT settled_on, settled_minor, discount_minor, payment_id FROM channel_settlement
                WHERE invoice_number = ? ORDER BY position
                """, arguments: [invoice.number]
        ).map { row in
            ChannelSettlement(
                settledOn: try StoredRow(row, table: "channel_settlement", key: invoice.number).date("settled_on"),
                settled: Money(minorUnits: row["settled_minor"], currency: invoice.currency),
                discount: Money(minorUnits: row["discount_minor"], currency: invoice.currency), paymentId: row["payment_id"])
        }
    }
}
