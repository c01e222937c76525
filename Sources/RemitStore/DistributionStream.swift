/// What distribution publishes, each stream with its own watermark.
public enum DistributionStream: String, Sendable, Codable, CaseIterable {
    case invoices, customers, requests, products
}
