import Foundation
import Hummingbird
import Mustache

struct MessageView {
    let chrome: Chrome
    let heading: String
    let text: String
}
