import Foundation

/// The data directory: every store file and the e-mail outbox live in it.
public enum DataDirectory {
    /// Creates `path` (and its parents) when missing; a clear error naming the path otherwise.
    public static func prepare(_ path: String) throws {
        guard !path.isEmpty else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.unusableDirectory, path: path, detail: "the data directory is a file, not a directory")
            }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw StoreError(.unusableDirectory, path: path, detail: "the data directory is not writable by this user")
            }
            return
        }
        // Name the first ancestor that stops us, not the Foundation error code.
        var ancestor = (path as NSString).deletingLastPathComponent
        while !ancestor.isEmpty, !FileManager.default.fileExists(atPath: ancestor) {
            let parent = (ancestor as NSString).deletingLastPathComponent
            if parent == ancestor { break }
            ancestor = parent
        }
        if !ancestor.isEmpty, FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.unusableDirectory, path: path, detail: "cannot create the data directory: \(ancestor) is a file")
            }
            guard FileManager.default.isWritableFile(atPath: ancestor) else {
                throw StoreError(.unusableDirectory, path: path, detail: "cannot create the data directory: \(ancestor) is not writable")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                .unusableDirectory, path: path, detail: "cannot create the data directory (\(String(cString: strerror(errno))))")
        }
    }
}
