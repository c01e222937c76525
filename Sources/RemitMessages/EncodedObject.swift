import Foundation
import RemitCore

/// Members in the order they were first set; a few per object, so a linear search for a key set
/// twice costs less than hashing every key.
final class EncodedObject {
    var members: [(key: String, node: EncodedNode)] = []

    func set(_ node: EncodedNode, for key: String) {
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].node = node
        } else {
            members.append((key, node))
        }
    }
}
