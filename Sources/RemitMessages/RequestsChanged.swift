import Foundation
import RemitCore

public struct RequestsChanged: MessageBody, Equatable {
    public static let messageType = "channel.requests.changed"
    public static let schemaVersion = 1
    public struct Change: Sendable, Codable, Equatable {
        public var requestId: String
        public var status: String
        public var at: Date
        public var detail: String?
        public init(requestId: String, status: String, at: Date, detail: String?) {
            self.requestId = requestId
            self.status = status
            self.at = at
            self.detail = detail
        }
    }
    public var requests: [Change]
    public init(requests: [Change]) { self.requests = requests }
}
