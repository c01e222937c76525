import Mustache
import RemitCore

/// The cash discount as the mail templates show it: what to pay, by when, to settle the invoice
/// with how much off — only while a payment made `today` still earns it (`InvoiceBalance`'s rule,
/// the portal's). Named for the engine (`MustacheParent`), without reflection.
struct DiscountOfferView: MustacheParent {
    /// What is left to pay once the discount is off: paid by `lastDay`, it settles the invoice.
    let payment: String
    let discount: String
    let lastDay: String

    init?(_ balance: InvoiceBalance, today: CalendarDate) {
        guard let proposal = balance.discountProposal(today: today) else { return nil }
        payment = proposal.payment.description
        discount = proposal.discount.description
        lastDay = proposal.lastDay.description
    }

    func child(named name: String) -> Any? {
        switch name {
        case "payment": payment
        case "discount": discount
        case "lastDay": lastDay
        default: nil
        }
    }
}
