import Foundation
import RemitClient
import RemitCore
import RemitHQ
import RemitPostgres
import RemitSQLite
import RemitStore

/// HQ's side of a data directory, as `remit hq` and `remit users` work on it: seeding, job runs,
/// the records Distribution holds back, and users' passwords.
public struct HQDesk: Sendable {
    let dataDirectory: String
    /// Where the channel store is when it is not the data directory's file: PostgreSQL
    /// (`store-url`), shared by every host, where the portal looks for sign-in secrets.
    let sharedChannel: PostgresStoreURL?

    /// HQ's side of `dataDirectory`, its channel store the data directory's SQLite file.
    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
        sharedChannel = nil
    }

    /// HQ's side of `configuration`'s data directory, its channel store where `store-url` says
    /// (a bad URL is an error naming its wrong part, never the password).
    public init(_ configuration: RemitConfiguration) throws {
        dataDirectory = configuration.dataDirectory
        let url = configuration[.storeURL] ?? ""
        sharedChannel = url.isEmpty ? nil : try PostgresStoreURL(url)
    }

    /// Where the HQ store and the channel store of this data directory are.
    public var hqPath: String { "\(dataDirectory)/\(HQStore.fileName)" }
    public var channelPath: String {
        sharedChannel.map { "\($0) (channel)" } ?? "\(dataDirectory)/\(ChannelStore.fileName)"
    }

    /// Seeds the HQ store with `plan`'s world for `today`.
    public func seed(_ plan: HQSeeder.Plan, today: CalendarDate, progress: @Sendable (Int, Int) -> Void) throws -> HQSeeder.Summary {
        try HQSeeder(store: try HQStore(dataDirectory: dataDirectory), today: today).seed(plan, progress: progress)
    }

    /// Gives every HQ user `HQSeeder.demoPassword` hashed at `cost`, each with a salt of its own, in
    /// the channel store where sign-in happens (HQ keeps no credentials); how many users got it.
    public func setDemoPasswords(cost: Int, progress: @Sendable (Int, Int) -> Void) async throws -> Int {
        try await credentials(hasher: try PasswordHasher(cost: cost))
            .setPasswordForEveryHQUser(HQSeeder.demoPassword, progress: progress)
    }

    /// The users' credentials, hashed with `hasher`.
    public func credentials(hasher: PasswordHasher) throws -> UserCredentials {
        UserCredentials(
            hq: try HQStore(dataDirectory: dataDirectory), channel: try channelStore(),
            hasher: hasher, clock: SystemWallClock())
    }

    /// The channel store sign-in reads: PostgreSQL's when `store-url` is set, else the data
    /// directory's file.
    func channelStore() throws -> any MessageStoreBackend {
        if let sharedChannel { return try PostgresChannelStore(url: sharedChannel) }
        return try ChannelStore(dataDirectory: dataDirectory)
    }

    /// The run `runId` once it has finished; nil while it has not (or has not started).
    public func finishedRun(_ runId: String) async throws -> JobRun? {
        let store = try HQStore(dataDirectory: dataDirectory, readOnly: true)
        return try await store.readHQ { hq in try hq.jobRuns.find(runId: runId) }.flatMap { $0.finishedAt == nil ? nil : $0 }
    }

    /// The newest `limit` job runs.
    public func recentRuns(limit: Int) async throws -> [JobRun] {
        let store = try HQStore(dataDirectory: dataDirectory, readOnly: true)
        return try await store.readHQ { hq in try hq.jobRuns.recent(limit: limit, job: nil) }
    }

    /// The records Distribution holds back.
    public func held() async throws -> [DistributionHold] {
        let store = try HQStore(dataDirectory: dataDirectory, readOnly: true)
        return try await store.readHQ { hq in try hq.distribution.holds() }
    }

    /// The collection policies with their levels, and how many customer accounts have each.
    public func collectionPolicies() async throws -> [(policy: CollectionPolicy, accounts: Int)] {
        let store = try HQStore(dataDirectory: dataDirectory, readOnly: true)
        return try await store.readHQ { hq in
            let counts = try hq.collection.accountCounts()
            return try hq.collection.policies().map { ($0, counts[$0.code] ?? 0) }
        }
    }

    /// Gives `account` the collection policy `code` (`none`: no letters).
    public func setCollectionPolicy(account: String, code: String) async throws {
        let store = try HQStore(dataDirectory: dataDirectory)
        try await store.writeHQ { hq in try hq.collection.setPolicy(account: account, code: code) }
    }

    /// Adds or replaces a level of policy `code` (creating the policy).
    public func saveCollectionLevel(_ level: CollectionLevel, policy code: String) async throws {
        let store = try HQStore(dataDirectory: dataDirectory)
        try await store.writeHQ { hq in try hq.collection.saveLevel(level, policy: code) }
    }

    /// Removes a level of policy `code`.
    public func removeCollectionLevel(_ level: Int, policy code: String) async throws {
        let store = try HQStore(dataDirectory: dataDirectory)
        try await store.writeHQ { hq in try hq.collection.removeLevel(level, policy: code) }
    }

    /// The newest `limit` collection letters, of `account` or of all.
    public func collectionLetters(account: String?, limit: Int) async throws -> [HQCollectionLetter] {
        let store = try HQStore(dataDirectory: dataDirectory, readOnly: true)
        return try await store.readHQ { hq in try hq.collection.letters(account: account, limit: limit) }
    }
}
