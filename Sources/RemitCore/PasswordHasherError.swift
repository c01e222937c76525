public struct PasswordHasherError: Error, Sendable, CustomStringConvertible {
    public var cost: Int
    public var description: String {
        "password cost \(cost) is outside bcrypt's \(PasswordHasher.costs.lowerBound)…\(PasswordHasher.costs.upperBound)"
    }
}
