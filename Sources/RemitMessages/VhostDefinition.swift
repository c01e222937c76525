import Foundation
import RemitCore

public struct VhostDefinition: Sendable, Codable { public var name: String }
