/// Why the seller's settings cannot be used.
public struct SellerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
