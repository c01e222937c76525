import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// What distribution publishes, each stream with its own watermark.
public enum DistributionStream: String, Sendable, Codable, CaseIterable {
    case invoices, customers, requests, products
}
