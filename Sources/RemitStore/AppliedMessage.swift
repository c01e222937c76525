/// What the inbox knows of a message a consumer applied.
public struct AppliedMessage: Sendable, Equatable {
    /// SHA-256 of the delivered bytes; nil for messages applied before digests were kept.
    public var contentDigest: String?
    /// In the order they were produced.
    public var followUps: [StoredFollowUp]

    public init(contentDigest: String?, followUps: [StoredFollowUp]) {
        self.contentDigest = contentDigest
        self.followUps = followUps
    }
}
