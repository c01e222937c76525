import Foundation
import RemitCore

/// Encodes `Encodable` values as compact JSON the way every Remit message is written: keys in the
/// order the type encodes them (an envelope reads `type`, `version`, `id`, … then `body`), dates as
/// ISO 8601 timestamps with milliseconds (`Timestamp`), `Data` as base64, `/` unescaped. It builds a
/// small tree and writes it into one byte buffer — no `Any`, no date-strategy closure per date.
public struct MessageEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        try EncodedNode.make(value, codingPath: []).write(into: &bytes)
        return Data(bytes)
    }
}
