import RemitSQLite

// The values of the operations and HQ stores that operations hands to the CLI, under the names the
// CLI knows, so the CLI links no store backend. They move into the seam (RemitStore) with the
// operations store's queries; these names then point there.

/// A dead letter kept in the operations store.
public typealias DeadLetter = RemitSQLite.DeadLetter
/// Which dead letters a command works on.
public typealias DeadLetterFilter = RemitSQLite.DeadLetterFilter
/// A click's steps across the stores, as `remit trace` prints them.
public typealias ClickTrace = RemitSQLite.ClickTrace
