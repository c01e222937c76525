/// How a buyer pays at checkout.
public enum Tender: String, Sendable, Codable, CaseIterable {
    /// Charged to the customer account (needs allow-on-account and credit headroom).
    case onAccount
    /// Paid by card; the storefront's payment connector authorized it and passes its reference.
    case card
}
