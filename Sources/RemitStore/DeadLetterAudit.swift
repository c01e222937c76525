import Foundation
import RemitCore

/// One action on dead letters: who, when, what, which filter, how many, and how it ended.
public struct DeadLetterAudit: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable, CaseIterable { case replay, edit, purge, export }
    public enum Outcome: String, Sendable, Codable {
        /// Still going, or the process ended before it finished (`done` says how far it got).
        case running
        case completed
        case failed
    }

    /// Assigned by the store when the action begins.
    public var id: Int64?
    public var at: Date
    public var actor: String
    public var action: Action
    /// The filter (and options) as the operator gave them.
    public var filter: String
    public var matched: Int
    public var done: Int
    public var outcome: Outcome
    /// The error that stopped it, or the file an export went to.
    public var detail: String?

    /// An action beginning: nothing done yet.
    public init(at: Date, actor: String, action: Action, filter: String, matched: Int) {
        self.init(id: nil, at: at, actor: actor, action: action, filter: filter, matched: matched, done: 0, outcome: .running, detail: nil)
    }

    public init(
        id: Int64?, at: Date, actor: String, action: Action, filter: String, matched: Int, done: Int, outcome: Outcome,
        detail: String?
    ) {
        self.id = id
        self.at = Timestamp.normalize(at)
        self.actor = actor
        self.action = action
        self.filter = filter
        self.matched = matched
        self.done = done
        self.outcome = outcome
        self.detail = detail
    }
}
