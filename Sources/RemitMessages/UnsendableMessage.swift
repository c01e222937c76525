import Foundation

/// A message a part was about to send that its consumer would refuse: a bug on the sending side.
/// Nothing of the transaction that made it commits and it is never published.
public struct UnsendableMessage: Error, Sendable, CustomStringConvertible {
    public var type: String
    public var messageId: String
    /// The schema's and the decoder's words, at most a few.
    public var problems: [String]

    public init(message: OutgoingMessage, problems: [String]) {
        type = message.type
        messageId = message.messageId
        self.problems = problems
    }

    public var description: String {
        let shown = problems.prefix(3).map { String($0.prefix(300)) }.joined(separator: "; ")
        let more = problems.count > 3 ? " (and \(problems.count - 3) more)" : ""
        return "refused to send \(type) \(messageId), which its consumer would refuse: \(shown)\(more)"
    }
}
