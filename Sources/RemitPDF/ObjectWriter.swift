/// Writes a PDF file's body object by object, keeping each one's byte offset for the
/// cross-reference table. Objects are numbered by the caller, from 1 without gaps.
struct ObjectWriter {
    private(set) var bytes: [UInt8] = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
    private var offsets: [Int: Int] = [:]

    mutating func add(_ number: Int, _ dictionary: String) {
        offsets[number] = bytes.count
        bytes += Array("\(number) 0 obj\n\(dictionary)\nendobj\n".utf8)
    }

    mutating func addStream(_ number: Int, _ content: [UInt8]) {
        offsets[number] = bytes.count
        bytes += Array("\(number) 0 obj\n<< /Length \(content.count) >>\nstream\n".utf8)
        bytes += content
        bytes += Array("\nendstream\nendobj\n".utf8)
    }

    /// The cross-reference table (20 bytes an entry, as the format wants), the trailer and the end.
    mutating func finish(root: Int, info: Int) -> [UInt8] {
        let count = (offsets.keys.max() ?? 0) + 1
        let start = bytes.count
        var table = "xref\n0 \(count)\n0000000000 65535 f \n"
        for number in 1..<count {
            let offset = String(offsets[number] ?? 0)
            table += String(repeating: "0", count: max(0, 10 - offset.count)) + offset + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(count) /Root \(root) 0 R /Info \(info) 0 R >>\nstartxref\n\(start)\n%%EOF\n"
        bytes += Array(table.utf8)
        return bytes
    }
}
