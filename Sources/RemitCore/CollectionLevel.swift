/// One level of a collection policy: a letter sent a number of days before or after an invoice's
/// due date (`due`), or before its cash discount's last day (`discount`, a notice of its own).
public struct CollectionLevel: Sendable, Equatable, Codable {
    public enum Anchor: String, Sendable, Codable, CaseIterable {
        /// Days from the due date: -3 is three days before it, 7 a week after.
        case due
        /// Days from the cash discount's last day (0 or less): sent only while the discount can still be earned.
        case discount
    }

    /// 0…9: letters of higher levels follow lower ones; an invoice gets each level at most once.
    public var level: Int
    /// What the letter is called: "First reminder", "Final notice".
    public var title: String
    public var anchor: Anchor
    public var days: Int

    public static let levels = 0...9
    public static let dayRange = -365...365
    public static let maximumTitleLength = 80

    public init(level: Int, title: String, anchor: Anchor, days: Int) {
        self.level = level
        self.title = title
        self.anchor = anchor
        self.days = days
    }

    /// The day this level falls on for an invoice, if it applies to it at all.
    public func day(dueDate: CalendarDate, discountLastDay: CalendarDate?) -> CalendarDate? {
        switch anchor {
        case .due: return dueDate.adding(days: days)
        case .discount: return discountLastDay?.adding(days: days)
        }
    }

    /// Why the level cannot be stored, or nil: a level out of 0…9, days out of ±365 (a discount
    /// notice after the last day), an empty or over-long title or one with control characters.
    public var problem: String? {
        if !Self.levels.contains(level) { return "level \(level) is not from 0 to 9" }
        if !Self.dayRange.contains(days) { return "days \(days) is not from -365 to 365" }
        if anchor == .discount && days > 0 { return "a cash-discount notice comes on or before the last day (days ≤ 0), not \(days) after" }
        if title.isEmpty || title.unicodeScalars.count > Self.maximumTitleLength {
            return "the title must have 1 to \(Self.maximumTitleLength) characters"
        }
        if title.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "the title contains a control character"
        }
        return nil
    }
}
