import ArgumentParser
import Foundation

/// Writes a command's `--output` file; a path that cannot be written is one line naming it and why
/// ("cannot write /x/y.json: No such file or directory"), not Foundation's error dump.
enum OutputFile {
    static func write(_ data: Data, to path: String) throws {
        func failure() -> ValidationError { ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure() }
        defer { close(descriptor) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure()
                }
                offset += written
            }
        }
    }
}
