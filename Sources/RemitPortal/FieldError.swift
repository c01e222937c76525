import Foundation
import RemitCore
import RemitStore

/// A field the user got wrong, and what to write instead. The pages show the message; the API
/// answers 400 with the list.
public struct FieldError: Sendable, Equatable {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}
