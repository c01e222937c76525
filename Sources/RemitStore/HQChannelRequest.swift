import Foundation

/// A B2B request the channel uploaded to HQ (`channel_request`), processed by the sync job.
public struct HQChannelRequest: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case received, processed, failed }

    public var requestId: String
    /// `invoice-copy`; other types fail when processed.
    public var type: String
    public var userLogin: String
    public var invoiceNumber: String?
    public var status: Status
    public var receivedAt: Date
    public var processedAt: Date?
    public var detail: String?
    public var customerAccount: String
    public var changedAt: Date

    /// A request as uploaded: received, not processed yet.
    public init(requestId: String, type: String, userLogin: String, invoiceNumber: String?, customerAccount: String, receivedAt: Date) {
        self.init(
            requestId: requestId, type: type, userLogin: userLogin, invoiceNumber: invoiceNumber, status: .received,
            receivedAt: receivedAt, processedAt: nil, detail: nil, customerAccount: customerAccount, changedAt: receivedAt)
    }

    /// A request as stored.
    public init(
        requestId: String, type: String, userLogin: String, invoiceNumber: String?, status: Status, receivedAt: Date,
        processedAt: Date?, detail: String?, customerAccount: String, changedAt: Date
    ) {
        self.requestId = requestId
        self.type = type
        self.userLogin = userLogin
        self.invoiceNumber = invoiceNumber
        self.status = status
        self.receivedAt = receivedAt
        self.processedAt = processedAt
        self.detail = detail
        self.customerAccount = customerAccount
        self.changedAt = changedAt
    }
}
