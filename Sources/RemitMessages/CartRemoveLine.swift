import Foundation
import RemitCore

public struct CartRemoveLine: MessageBody, Equatable {
    public static let messageType = "cart.remove-line"
    public static let schemaVersion = 1
    public var user: String
    public var lineId: String
    public init(user: String, lineId: String) {
        self.user = user
        self.lineId = lineId
    }
}
