import Foundation
import RemitCore
import RemitStore

/// A field the user got wrong, and what to write instead. The pages show the message; the API
/// answers 400 with the list.
public struct FieldError: Sendable, Equatable {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// Every field the user got wrong in one request.
public struct FieldErrors: Error, Sendable, Equatable {
    public var errors: [FieldError]
}

/// The Invoices list's parameters as they arrive (a page's query string or an API call's), checked
/// once for both: a status, one of the user's accounts, a due-date range, an invoice number's
/// start, a sort order and a page.
struct InvoiceListInput: Sendable, Equatable {
    var status: String?
    var account: String?
    var dueFrom: String?
    var dueTo: String?
    var number: String?
    var sort: String?
    var order: String?
    var page: String?

    static let maximumPage = 1_000_000
    static let maximumNumberLength = 64

    /// The parameters of a query string.
    init(query: (String) -> String?) {
        self.init(
            status: query("status"), account: query("account"), dueFrom: query("due-from"), dueTo: query("due-to"),
            number: query("number"), sort: query("sort"), order: query("order"), page: query("page"))
    }

    init(
        status: String? = nil, account: String? = nil, dueFrom: String? = nil, dueTo: String? = nil, number: String? = nil,
        sort: String? = nil, order: String? = nil, page: String? = nil
    ) {
        self.status = status
        self.account = account
        self.dueFrom = dueFrom
        self.dueTo = dueTo
        self.number = number
        self.sort = sort
        self.order = order
        self.page = page
    }

    struct Checked: Sendable, Equatable {
        var query: BuyerView.InvoiceQuery
        var page: Int
    }

    /// The query and page, or every field that is wrong. An empty field means "any".
    func checked(accounts: [String]) -> Result<Checked, FieldErrors> {
        var errors: [FieldError] = []
        var query = BuyerView.InvoiceQuery()
        func given(_ value: String?) -> String? {
            guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        if let status = given(status) {
            if let filter = BuyerView.InvoiceFilter(rawValue: status) {
                query.status = filter
            } else {
                errors.append(FieldError(field: "status", "Filter by status: unpaid, partially-paid, paid or overdue."))
            }
        }
        if let account = given(account) {
            if accounts.contains(account) {
                query.account = account
            } else {
                errors.append(FieldError(field: "account", "Choose one of your accounts: \(accounts.joined(separator: ", "))."))
            }
        }
        for (field, value, set) in [
            ("due-from", dueFrom, { (date: CalendarDate) in query.dueFrom = date }),
            ("due-to", dueTo, { (date: CalendarDate) in query.dueTo = date }),
        ] as [(String, String?, (CalendarDate) -> Void)] {
            guard let value = given(value) else { continue }
            if let date = CalendarDate(String(value.prefix(10))), value.count == 10 {
                set(date)
            } else {
                errors.append(FieldError(field: field, "Write a date as YYYY-MM-DD, like 2026-12-31."))
            }
        }
        if let from = query.dueFrom, let to = query.dueTo, from > to {
            errors.append(FieldError(field: "due-to", "The last due date must not come before the first."))
        }
        if let number = given(number) {
            if number.count <= Self.maximumNumberLength {
                query.numberPrefix = number
            } else {
                errors.append(FieldError(field: "number", "An invoice number has at most \(Self.maximumNumberLength) characters."))
            }
        }
        if let sort = given(sort) {
            if let known = BuyerView.InvoiceSort(rawValue: sort) {
                query.sort = known
            } else {
                errors.append(FieldError(field: "sort", "Sort by due-date, invoice-date or amount."))
            }
        }
        switch given(order) {
        case nil, "asc": query.descending = false
        case "desc": query.descending = true
        default: errors.append(FieldError(field: "order", "Order is asc or desc."))
        }
        var page = 1
        if let text = given(self.page) {
            if let number = Int(text), (1...Self.maximumPage).contains(number) {
                page = number
            } else {
                errors.append(FieldError(field: "page", "Pages are numbered from 1 to \(Self.maximumPage)."))
            }
        }
        return errors.isEmpty ? .success(Checked(query: query, page: page)) : .failure(FieldErrors(errors: errors))
    }

    /// The query string that asks for `checked` again on page `page` (defaults left out).
    static func queryString(_ checked: Checked, page: Int) -> String {
        let query = checked.query
        var items: [(String, String)] = []
        if let status = query.status { items.append(("status", status.rawValue)) }
        if let account = query.account { items.append(("account", account)) }
        if let from = query.dueFrom { items.append(("due-from", from.description)) }
        if let to = query.dueTo { items.append(("due-to", to.description)) }
        if let number = query.numberPrefix { items.append(("number", number)) }
        if query.sort != .dueDate { items.append(("sort", query.sort.rawValue)) }
        if query.descending { items.append(("order", "desc")) }
        if page != 1 { items.append(("page", String(page))) }
        return items.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    /// `text` safe as a query value: everything but unreserved characters percent-encoded.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(Character(UnicodeScalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}
