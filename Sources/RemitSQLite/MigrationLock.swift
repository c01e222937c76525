import Foundation
import RemitStore

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock, across processes, on a store file's checks and migrations: two processes
/// opening one new file at once (`remit worker a & remit worker b &` on a fresh data directory)
/// would both migrate it, and the second would fail ("duplicate column name"), or take the first's
/// half-made tables for another application's. `flock` on `<store>.lock`, held while the store is
/// checked and migrated, then released (the file stays, empty).
struct MigrationLock {
    private let descriptor: Int32

    init(storePath path: String) throws {
        let lockPath = path + ".lock"
        descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.cannotOpen, path: path, detail: "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw StoreError(.cannotOpen, path: path, detail: "cannot lock \(lockPath): \(reason)")
            }
        }
    }

    func release() {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
