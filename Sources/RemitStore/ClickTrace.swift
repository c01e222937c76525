import Foundation

/// Every step one click went through, read back from the stores: what each worker applied under
/// the click's correlation id (the inboxes), the command's outcome, and — following the payment
/// and request ids the click created — the channel's upload by P-0001, HQ's receipt, posting and
/// settlement, the request's handling and its e-mail. `remit trace` prints it.
public enum ClickTrace {
    public struct Step: Sendable, Codable, Equatable {
        public var at: Date
        /// `channel` or `hq`: the store that recorded it.
        public var store: String
        public var what: String
        /// Among steps of the same time: a message applied, then what it decided, then what it wrote.
        public var rank: Int

        public init(at: Date, store: String, what: String, rank: Int = 2) {
            self.at = at
            self.store = store
            self.what = what
            self.rank = rank
        }

        enum CodingKeys: String, CodingKey { case at, store, what }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                at: try container.decode(Date.self, forKey: .at), store: try container.decode(String.self, forKey: .store),
                what: try container.decode(String.self, forKey: .what))
        }

        /// The order `remit trace` prints steps in.
        public static func inOrder(_ a: Step, _ b: Step) -> Bool { (a.at, a.rank, a.what) < (b.at, b.rank, b.what) }
    }

    /// The ids a click's steps made, to follow into the next store.
    public struct Found: Sendable, Equatable {
        public var steps: [Step] = []
        public var paymentIds: Set<String> = []
        public var requestIds: Set<String> = []

        public init() {}
    }
}
