/// How an account is reminded of what it owes (HQ's settings, one policy per customer account):
/// letter levels relative to each invoice's due date, and a notice before the cash discount's last
/// day. A policy without levels (`none`) sends nothing: the account opted out.
public struct CollectionPolicy: Sendable, Equatable {
    public var code: String
    /// By level.
    public var levels: [CollectionLevel]

    public init(code: String, levels: [CollectionLevel]) {
        self.code = code
        self.levels = levels.sorted { $0.level < $1.level }
    }

    /// The default every customer account starts with: a cash-discount notice two days before its
    /// last day, a friendly notice three days before the due date, reminders 7 and 21 days after it,
    /// a final notice after 35.
    public static let standard = CollectionPolicy(
        code: "standard",
        levels: [
            CollectionLevel(level: 0, title: "Cash discount notice", anchor: .discount, days: -2),
            CollectionLevel(level: 1, title: "Payment reminder", anchor: .due, days: -3),
            CollectionLevel(level: 2, title: "First reminder", anchor: .due, days: 7),
            CollectionLevel(level: 3, title: "Second reminder", anchor: .due, days: 21),
            CollectionLevel(level: 4, title: "Final notice", anchor: .due, days: 35),
        ])

    /// The opt-out: no letters.
    public static let none = CollectionPolicy(code: "none", levels: [])

    /// The letter an open invoice is due `today`, if any, given the levels it had before.
    ///
    /// - A due-date level is due from its day on; of those reached, the highest is sent — once, and
    ///   only if no level as high was sent before (a job that did not run for weeks sends the level
    ///   the invoice has reached, not every level it passed).
    /// - The cash-discount notice is due from its day to the discount's last day, while the discount
    ///   can still be earned (`discountLastDay` nil otherwise), before any due-date letter.
    public func letter(
        dueDate: CalendarDate, discountLastDay: CalendarDate?, today: CalendarDate, sent: Set<Int>
    )
        -> CollectionLevel?
    {
        let reached = levels.filter { $0.anchor == .due && dueDate.adding(days: $0.days) <= today }
        let sentDue = levels.filter { $0.anchor == .due && sent.contains($0.level) }
        if let top = reached.last {
            return sentDue.contains(where: { $0.level >= top.level }) ? nil : top
        }
        guard let lastDay = discountLastDay, today <= lastDay, sentDue.isEmpty else { return nil }
        return levels.last { level in
            level.anchor == .discount && !sent.contains(level.level)
                && level.day(dueDate: dueDate, discountLastDay: lastDay).map { $0 <= today } == true
        }
    }
}
