import RemitMail
import Testing

@Suite struct SMTPConfigurationTests {
    @Test func defaultsFollowTheScheme() throws {
        let plain = try SMTPConfiguration(url: "smtp://mail.example.com")
        #expect(!plain.implicitTLS && plain.host == "mail.example.com" && plain.port == 25)
        #expect(plain.startTLS == .optional && plain.timeoutSeconds == 30 && plain.verifyCertificate && plain.caFile == nil)
        #expect(plain.user == nil && plain.password == nil)
        let tls = try SMTPConfiguration(url: "smtps://mail.example.com/")
        #expect(tls.implicitTLS && tls.port == 465)
    }

    @Test func everyPartIsRead() throws {
        let url = "smtp://billing%40shop:p%40ss%3Aword@mail.example.com:587?starttls=required&timeout=5&ca-file=/etc/ca.pem&verify=off"
        let configuration = try SMTPConfiguration(url: url)
        #expect(configuration.user == "billing@shop" && configuration.password == "p@ss:word")
        #expect(configuration.host == "mail.example.com" && configuration.port == 587)
        #expect(configuration.startTLS == .required && configuration.timeoutSeconds == 5)
        #expect(configuration.caFile == "/etc/ca.pem" && !configuration.verifyCertificate)
        #expect(try SMTPConfiguration(url: "smtp://h?starttls=off").startTLS == .off)
        #expect(try SMTPConfiguration(url: "smtp://h?verify=on").verifyCertificate)
        #expect(try SMTPConfiguration(url: "smtp://[::1]:2525").port == 2525)
    }

    @Test func theDescriptionHidesThePassword() throws {
        let configuration = try SMTPConfiguration(url: "smtp://shop:hunter2@mail.example.com:587?starttls=required")
        #expect(configuration.description == "smtp://shop:***@mail.example.com:587?starttls=required&timeout=30")
        #expect(try SMTPConfiguration(url: "smtps://mail.example.com").description == "smtps://mail.example.com:465?timeout=30")
    }

    @Test(arguments: [
        ("smtp://h:0", "port"), ("smtp://h:70000", "port"), ("smtp://h:abc", "parse"), ("http://h", "scheme"),
        ("smtp://h?starttls=maybe", "starttls"), ("smtp://h?tls=on", "query key"), ("smtp://h?timeout=0", "timeout"),
        ("smtp://h?timeout=ten", "timeout"), ("smtp://h?timeout=", "timeout"), ("smtps://h?starttls=required", "starttls"),
        ("smtp://h/path", "path"), ("smtp://", "host"), ("smtp://h?verify=no", "verify"), ("smtp://h#x", "fragment"),
        ("mail.example.com", "scheme"),
    ])
    func unusableURLsAreRefusedWithTheReason(url: String, reason: String) {
        #expect {
            try SMTPConfiguration(url: url)
        } throws: { error in
            guard case .invalidConfiguration(let text) = error as? MailError else { return false }
            return text.contains(reason)
        }
    }

    /// URLs as people mistype them; each password holds `s3cr3t` after the character that trips
    /// the parser, so an error that quotes any of the URL shows it.
    static let malformedURLs = [
        "smtp//user:pw-s3cr3t@host", "smtp:/user:pw-s3cr3t@host", "user:pw-s3cr3t@host", "smtp://user:pw-s3cr3t@",
        "smtp://user:p@s3cr3t@host", "smtp://user:pw/s3cr3t@host", "smtp://user:pw#s3cr3t@host", "smtp://user:pw?s3cr3t@host",
        "smtp://user:pw%zzs3cr3t@host", "smtp://user:pw s3cr3t@host", "smtpx://user:pw-s3cr3t@host",
        "smtp://user:pw-s3cr3t@host:port/", "smtp://user:pw-s3cr3t@host/a/b", "smtp://user:pw-s3cr3t", "smtp:/user:pw/s3cr3t",
        "user:pw-s3cr3t", "smtp://user:pw-s3cr3t@host?timeout=x", "smtp://user:pw-s3cr3t@host:99999",
        "smtp://user:pw-s3cr3t@host?s3cr3t=1", "smtp://user:pw&s3cr3t@host?x", "smtps://user:pw-s3cr3t@host?starttls=off",
    ]

    @Test(arguments: malformedURLs)
    func aMalformedURLNeverShowsItsPassword(url: String) {
        do {
            let configuration = try SMTPConfiguration(url: url)
            #expect(!configuration.description.contains("s3cr3t") && !configuration.host.contains("s3cr3t"), "\(configuration)")
        } catch {
            #expect(!"\(error)".contains("s3cr3t"), "\(error)")
        }
    }
}
