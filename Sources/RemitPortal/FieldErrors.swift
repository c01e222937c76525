import Foundation
import RemitCore
import RemitStore

/// Every field the user got wrong in one request.
public struct FieldErrors: Error, Sendable, Equatable {
    public var errors: [FieldError]
}
