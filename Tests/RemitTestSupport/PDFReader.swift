import Foundation

/// Real PDF readers over a document's bytes: qpdf's structural check and poppler's pdftotext and
/// pdfinfo (Debian's qpdf and poppler-utils; scripts/test installs them).
public enum PDFReader {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// What `qpdf --check` says, and whether it found the file sound.
    public static func check(_ bytes: [UInt8]) throws -> (sound: Bool, report: String) {
        let (status, report) = try run("qpdf", ["--check"], bytes)
        return (status == 0 && report.contains("No syntax or stream encoding errors"), report)
    }

    /// The text as `pdftotext -layout` reads it (UTF-8; pages end in a form feed).
    public static func text(_ bytes: [UInt8]) throws -> String {
        try run("pdftotext", ["-layout", "-enc", "UTF-8"], bytes, output: "-").1
    }

    /// pdfinfo's field `name` (Title, Pages, …), trimmed.
    public static func info(_ bytes: [UInt8], _ name: String) throws -> String? {
        let (_, output) = try run("pdfinfo", [], bytes)
        return output.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
    }

    private static func run(_ tool: String, _ arguments: [String], _ bytes: [UInt8], output: String? = nil) throws -> (Int32, String) {
        let path = "/usr/bin/" + tool
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Missing(description: "\(tool) is missing: apt-get install qpdf poppler-utils (scripts/test installs them)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("remit-\(UUID()).pdf")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments + [file.path] + (output.map { [$0] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
