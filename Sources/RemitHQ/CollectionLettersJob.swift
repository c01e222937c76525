import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// *Collection letters*: for every customer account whose policy has levels, finds its open
/// invoices due a letter today (`CollectionPolicy.letter`) and publishes one `email.letter` per
/// account and level — listing those invoices, in parts of at most `EmailLetter.maximumInvoices` —
/// to the account's address. Each invoice's level is recorded with its letter in the same
/// transaction as the message's publication, so a level goes out once however often the job runs;
/// an invoice whose open amount is covered by payments HQ has not posted yet gets none (e-mail
/// dispatch checks the channel's pending payments again at send).
public struct CollectionLettersJob: HQJob {
    public typealias Run = CollectionLettersRun

    /// Letters a run issues at most: a run that reaches it stops after the account at hand, counts
    /// `continued=1` and publishes the next run, which goes on with the accounts left (so one run's
    /// transaction and the messages it holds stay bounded, however many letters fall due at once).
    let maximumLetters: Int

    public init(maximumLetters: Int = 2_000) {
        self.maximumLetters = maximumLetters
    }

    public func run(_ hq: any HQStoreTransaction, context: JobContext) throws -> JobResult {
        var result = JobResult()
        let policies = Dictionary(uniqueKeysWithValues: try hq.collection.policies().map { ($0.code, $0) })
        for (customer, code) in try hq.collection.accountsWithLetters() {
            if result.counts["letters", default: 0] >= maximumLetters {
                try continueInNextRun(context: context, result: &result)
                break
            }
            guard let policy = policies[code] else { continue }
            let invoices = try hq.collection.openInvoices(account: customer.account)
            guard !invoices.isEmpty else { continue }
            let sent = try hq.collection.sentLevels(invoices: invoices.map(\.number))
            var due: [Int: (level: CollectionLevel, invoices: [HQInvoice])] = [:]
            for invoice in invoices {
                let offerStands =
                    invoice.discountMinor > 0 && invoice.discountTakenMinor == 0
                    && invoice.discountLastDay.map { context.today <= $0 } == true
                let open = invoice.totalMinor - invoice.settledMinor - invoice.discountTakenMinor
                let owed = open - (offerStands ? invoice.discountMinor : 0)
                let unposted = try hq.paymentJournal.unpostedMinor(invoice: invoice.number)
                if unposted > 0 && unposted >= owed {
                    result.counts["invoices-covered", default: 0] += 1
                    continue
                }
                guard
                    let level = policy.letter(
                        dueDate: invoice.dueDate, discountLastDay: offerStands ? invoice.discountLastDay : nil, today: context.today,
                        sent: sent[invoice.number] ?? [])
                else { continue }
                due[level.level, default: (level, [])].invoices.append(invoice)
            }
            for key in due.keys.sorted() {
                guard let (level, list) = due[key] else { continue }
                try issue(level, of: list, to: customer, context: context, hq, result: &result)
            }
        }
        // Its only messages, the letters, were each checked as they were made.
        result.followUpsChecked = context.followUpCheck != nil
        return result
    }

    /// Publishes the next run: the accounts this one did not reach get their letters there (those it
    /// reached have theirs recorded, so the next run finds nothing more for them today).
    private func continueInNextRun(context: JobContext, result: inout JobResult) throws {
        result.counts[DistributionJob.continued] = 1
        result.followUps.append(try context.nextRun(CollectionLettersRun(requestedBy: "system:hq")))
    }

    /// The letters of one account and level: in parts, each recorded and published, or named as
    /// not sent (its invoices stay due) when e-mail dispatch would refuse it.
    private func issue(
        _ level: CollectionLevel, of invoices: [HQInvoice], to customer: HQCustomer, context: JobContext,
        _ hq: any HQStoreTransaction, result: inout JobResult
    ) throws {
        let documents = try invoices.map { try document(of: $0, owner: customer, hq) }
        let parts = Self.parts(documents)
        for (index, part) in parts.enumerated() {
            let letterId = DeterministicID.make(
                from: "collection-letter", customer.account, String(level.level), context.today.description, String(index + 1))
            let letter = EmailLetter(
                letterId: letterId, to: customer.email, recipientName: customer.name, customerAccount: customer.account,
                level: level.level, title: level.title, issuedOn: context.today, part: index + 1, parts: parts.count, invoices: part)
            let message = try OutgoingMessage(
                context.header.followUp(letter, key: letterId, occurredAt: context.now, actingUser: "system:hq"))
            if let problems = context.followUpCheck?.problems(of: message), !problems.isEmpty {
                result.unsent.append(
                    "letter \(level.title) to \(customer.account.prefix(64)): " + problems.prefix(2).joined(separator: "; "))
                result.counts["letters-unsendable", default: 0] += 1
                continue
            }
            try hq.collection.record(
                HQCollectionLetter(
                    letterId: letterId, customerAccount: customer.account, level: level.level, title: level.title,
                    issuedOn: context.today, invoiceNumbers: part.map(\.number), createdAt: context.now))
            result.followUps.append(message)
            result.counts["letters", default: 0] += 1
            result.counts["letter-invoices", default: 0] += part.count
        }
    }

    /// The documents in letters of at most `EmailLetter.maximumInvoices` invoices and
    /// `EmailLetter.maximumLines` lines (an invoice longer than that alone is a letter of its own).
    static func parts(_ documents: [InvoiceDocument]) -> [[InvoiceDocument]] {
        var parts: [[InvoiceDocument]] = []
        var current: [InvoiceDocument] = []
        var lines = 0
        for document in documents {
            if !current.isEmpty
                && (current.count == EmailLetter.maximumInvoices || lines + document.lines.count > EmailLetter.maximumLines)
            {
                parts.append(current)
                current = []
                lines = 0
            }
            current.append(document)
            lines += document.lines.count
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}
