import Foundation

/// A one-line progress bar on standard error with the rate and the time left, redrawn at most
/// every percent (every ten percent, one line each, when standard error is not a terminal).
final class ProgressBar: @unchecked Sendable {
    // @unchecked: called from one task at a time (the seed's thread, the replay's loop).
    private let label: String
    private var lastPercent = -1
    private let started = ContinuousClock.now
    private let isTerminal = isatty(STDERR_FILENO) != 0

    init(label: String) { self.label = label }

    func update(_ done: Int, of total: Int) {
        let percent = total == 0 ? 100 : done * 100 / total
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var line = "\(label) [\(bar)] \(percent)% \(done)/\(total)"
        let elapsed = (ContinuousClock.now - started) / .milliseconds(1) / 1000
        if done > 0, elapsed > 0 {
            let rate = Double(done) / elapsed
            line += String(format: " %.0f/s", rate)
            if done < total { line += " ETA \(Self.duration(Double(total - done) / rate))" }
        }
        if isTerminal {
            FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
        } else if percent % 10 == 0 {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole < 60 ? "\(whole)s" : whole < 3600 ? "\(whole / 60)m\(whole % 60)s" : "\(whole / 3600)h\(whole / 60 % 60)m"
    }
}
