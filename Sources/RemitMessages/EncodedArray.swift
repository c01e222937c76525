import Foundation
import RemitCore

final class EncodedArray {
    var elements: [EncodedNode] = []
}
