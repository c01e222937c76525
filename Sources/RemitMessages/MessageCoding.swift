import Foundation
import RemitCore

/// The JSON coding every Remit component uses for envelopes: ISO 8601 dates with milliseconds,
/// through Remit's own `MessageEncoder` and `MessageDecoder` (one parse per message, no date
/// closures). Keys are written in the order a type encodes them, not sorted; stable bytes for a
/// re-published follow-up come from the inbox, which keeps the bytes it first published.
public enum MessageCoding {
    /// One encoder for every message this process writes (it holds no state).
    public static let shared = MessageEncoder()

    public static func encoder() -> MessageEncoder { MessageEncoder() }

    public static func decoder() -> MessageDecoder { MessageDecoder() }
}
