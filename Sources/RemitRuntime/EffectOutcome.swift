import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore

/// What performing an effect came to.
public enum EffectOutcome: Sendable, Equatable {
    /// It happened; `detail` is the far side's answer (e.g. the mail server's reply).
    case succeeded(detail: String)
    /// It can never happen (e.g. a 5xx, an invalid address); not worth a retry.
    case failed(reason: String)
    /// Not now, for this message (a 4xx): spend an attempt and try again after the retry delay.
    case retryLater(reason: String)
    /// The far side cannot be used at all (down, unreachable, its TLS refused, a full outbox): the
    /// worker's problem, not the message's. The runtime holds the batch and performs the effect
    /// again after a back-off, spending no attempt, until it answers or the worker drains.
    case unavailable(reason: String)
}
