import Foundation
import RemitPostgres
import RemitStore
import Testing

@Suite("Postgres store URL and failure codes")
struct PostgresStoreURLTests {
    @Test("a full URL gives server, user, password, database and TLS; its description shows neither user nor password")
    func fullURL() throws {
        let url = try PostgresStoreURL("postgres://remit:s%40cret@db.example.com:6432/shop?sslmode=require")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6432)
        #expect(url.user == "remit")
        #expect(url.password == "s@cret")
        #expect(url.database == "shop")
        #expect(url.sslMode == .require)
        #expect(url.description == "postgres://db.example.com:6432/shop")
        #expect(url.configuration.username == "remit")
        #expect(url.configuration.database == "shop")
    }

    @Test("port 5432 and sslmode prefer unless given; postgresql:// is the same")
    func defaults() throws {
        let url = try PostgresStoreURL("postgresql://remit@localhost/shop")
        #expect(url.port == 5432)
        #expect(url.password == nil)
        #expect(url.sslMode == .prefer)
        #expect(try PostgresStoreURL("postgres://u@h/d?sslmode=disable").sslMode == .disable)
        #expect(url.poolSize == 8 && url.configuration.options.maximumConnections == 8)
    }

    @Test("pool_size bounds the connections of each store's pool")
    func poolSize() throws {
        let url = try PostgresStoreURL("postgres://u@h/d?pool_size=3&sslmode=disable")
        #expect(url.poolSize == 3)
        #expect(url.configuration.options.maximumConnections == 3)
        for bad in ["0", "101", "lots", ""] {
            let error = #expect(throws: PostgresStoreURLError.self) { try PostgresStoreURL("postgres://u@h/d?pool_size=\(bad)") }
            #expect(error?.part == .poolSize)
            #expect(error.map { "\($0)".contains("pool_size") } ?? false)
        }
    }

    @Test("verify-full takes a CA file; a CA file it cannot read is named")
    func verifyFull() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("remit-ca-\(UUID().uuidString).pem")
        try Data("not checked until connecting".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let url = try PostgresStoreURL("postgres://u:pw@h/d?sslmode=verify-full&sslrootcert=\(file.path)")
        #expect(url.sslMode == .verifyFull)
        #expect(url.sslRootCertificate == file.path)
        let error = #expect(throws: PostgresStoreURLError.self) {
            try PostgresStoreURL("postgres://u:pw@h/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
        }
        #expect(error?.part == .sslrootcert)
    }

    @Test(
        "a bad URL names the part that is wrong and never the password",
        arguments: [
            ("mysql://u:hunter2@h/d", PostgresStoreURLError.Part.scheme),
            ("postgres://h/d", .user),
            ("postgres://u:hunter2@/d", .host),
            ("postgres://u:hunter2@h:99999/d", .port),
            ("postgres://u:hunter2@h", .database),
            ("postgres://u:hunter2@h/a/b", .database),
            ("postgres://u:hunter2@h/d?sslmode=maybe", .sslmode),
            ("postgres://u:hunter2@h/d?sslmode=require&sslrootcert=/etc/hostname", .sslrootcert),
            ("postgres://u:hunter2@h/d?application=x", .parameter),
        ])
    func badURL(text: String, part: PostgresStoreURLError.Part) {
        let error = #expect(throws: PostgresStoreURLError.self) { try PostgresStoreURL(text) }
        #expect(error?.part == part)
        #expect(error.map { !"\($0)".contains("hunter2") } ?? false)
    }

    @Test("SQLSTATEs map to the seam's codes: conflicts are busy, an unreachable server unavailable")
    func failureCodes() {
        let expected: [(String, StoreFailure.Code)] = [
            ("23505", .constraint), ("23503", .constraint), ("22001", .invalidValue), ("22P02", .invalidValue),
            ("40001", .busy), ("40P01", .busy), ("53100", .full), ("53300", .unavailable), ("57P03", .unavailable),
            ("08006", .unavailable), ("42P01", .schema), ("42703", .schema), ("XX001", .damaged), ("XX002", .damaged),
            ("42601", .other), ("XX000", .other),
        ]
        for (sqlState, code) in expected {
            #expect(PostgresFailure.code(sqlState: sqlState) == code, "\(sqlState)")
        }
    }
}
