/// Why the contract tests have no PostgreSQL server: every PostgreSQL test fails with it (never
/// skips), saying how to get one.
public struct PostgresTestServerError: Error, CustomStringConvertible {
    public var detail: String

    static let notInstalled = PostgresTestServerError(
        detail:
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install it with `apt-get install postgresql-15` "
            + "(scripts/test does, from REMIT_TEST_APT_PACKAGES), or set REMIT_TEST_POSTGRES_URL=postgres://user@host:port/db "
            + "to a server the tests may create databases on")

    public var description: String { "PostgreSQL tests: \(detail)" }
}
