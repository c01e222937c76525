import Foundation
import GRDB
import RemitStore

/// Which Remit store a SQLite file is, stamped in its header (`PRAGMA application_id`), so a foreign
/// file, or one store's file opened as the other, is refused instead of written to.
public enum StoreIdentity: Int32, Sendable, CaseIterable {
    case channel = 0x524D_5443  // "RMTC"
    case hq = 0x524D_5448  // "RMTH"
    case operations = 0x524D_544F  // "RMTO"

    public var name: String {
        switch self {
        case .channel: return "channel store"
        case .hq: return "HQ store"
        case .operations: return "operations store"
        }
    }
}
