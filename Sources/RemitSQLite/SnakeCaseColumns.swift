import GRDB
import RemitStore
import Synchronization

/// The column of a record's property: the snake_case of its name (`customerAccount` →
/// `customer_account`, `myURLValue` → `my_url_value`), as GRDB's and Foundation's
/// `convertToSnakeCase` spell it, worked out once per name and remembered.
///
/// GRDB's own strategy converts every key of every record it writes, with Foundation's
/// character-set searches: on `remit hq seed` it was 30 % of the CPU (issue #10). Records have a
/// few dozen property names in all, so the table stays small.
enum SnakeCaseColumns {
    private static let known = Mutex<[String: String]>([:])

    static let strategy = DatabaseColumnEncodingStrategy.custom { key in column(for: key.stringValue) }

    static func column(for name: String) -> String {
        if let column = known.withLock({ $0[name] }) { return column }
        let column = convert(name)
        known.withLock { $0[name] = column }
        return column
    }

    /// Words split where a lowercase letter is followed by an uppercase one, and before the last
    /// letter of a run of capitals that a lowercase letter follows; then lowercased and joined by `_`.
    static func convert(_ name: String) -> String {
        let characters = Array(name)
        guard characters.count > 1 else { return name.lowercased() }
        var words: [String] = []
        var word = String(characters[0])
        var index = 1
        while index < characters.count {
            let character = characters[index]
            if character.isUppercase {
                // A capital starts a word; a run of capitals is one word, but for its last capital
                // when a lowercase letter follows (myURLValue → my, url, value).
                words.append(word)
                var end = index
                while end + 1 < characters.count, characters[end + 1].isUppercase { end += 1 }
                if end + 1 < characters.count, characters[end + 1].isLowercase, end > index {
                    words.append(String(characters[index..<end]))
                    word = String(characters[end])
                } else {
                    word = String(characters[index...end])
                }
                index = end + 1
            } else {
                word.append(character)
                index += 1
            }
        }
        words.append(word)
        return words.map { $0.lowercased() }.joined(separator: "_")
    }
}
