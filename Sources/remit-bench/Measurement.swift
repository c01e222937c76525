import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitStore
import RemitWorkers

struct Measurement {
    let wall: ContinuousClock.Instant
    let cpu: Double

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func start() -> Measurement { Measurement(wall: .now, cpu: cpuSeconds()) }

    /// Private (heap and stack) memory resident now; the rest of RSS is shared code pages.
    static func anonymousResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return -1 }
        return kilobytes / 1024
    }

    func report(mode: String, messages: Int) {
        let elapsed = ContinuousClock.now - wall
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = Measurement.cpuSeconds() - self.cpu
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let line = String(
            format:
                #"{"mode":"%@","messages":%d,"seconds":%.3f,"msg_per_s":%.0f,"cpu_s_per_1000":%.4f,"peak_rss_mb":%.1f,"anon_rss_mb":%.1f}"#,
            mode, messages, seconds, Double(messages) / seconds, cpu / Double(messages) * 1000,
            Double(usage.ru_maxrss) / 1024, Measurement.anonymousResidentMegabytes())
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
