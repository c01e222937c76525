extension MessageValidator {
    /// Schema problems as one line for an error or a dead letter: the first five, and how many more.
    public static func summarize(_ problems: [String]) -> String {
        let shown = problems.prefix(5).joined(separator: "; ")
        return problems.count > 5 ? shown + "; and \(problems.count - 5) more" : shown
    }
}
