import Foundation

/// A message as Python's `email` package (policy `default`, the strict modern parser) reads it: an
/// independent check that what we write is the MIME we meant.
public struct ParsedMail: Decodable {
    /// A leaf part (multiparts are walked through): a text's content, or an attachment's bytes in
    /// base64 with its file name.
    public struct Part: Decodable {
        public let type: String
        public let charset: String?
        public let content: String
        public let filename: String?
        public let disposition: String?

        /// An attachment's bytes.
        public var bytes: Data? { disposition == "attachment" ? Data(base64Encoded: content) : nil }
    }

    public let subject: String
    public let from: String
    public let to: String
    public let messageId: String
    public let date: String
    public let contentType: String
    public let headerNames: [String]
    public let defects: [String]
    public let parts: [Part]

    public struct ParseFailure: Error, CustomStringConvertible {
        public let description: String
    }

    private static let script = """
        import email, json, sys
        from email import policy
        message = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
        import base64
        parts = [p for p in message.walk() if not p.is_multipart()] if message.is_multipart() else []
        def content(p):
            if p.get_content_maintype() == "text":
                return p.get_content().replace("\\r\\n", "\\n")
            return base64.b64encode(p.get_payload(decode=True)).decode()
        print(json.dumps({
            "subject": str(message["subject"]), "from": str(message["from"]), "to": str(message["to"]),
            "messageId": str(message["message-id"]), "date": str(message["date"]),
            "contentType": message.get_content_type(), "headerNames": list(message.keys()),
            "defects": [repr(d) for part in message.walk() for d in part.defects],
            "parts": [{"type": p.get_content_type(), "charset": p.get_content_charset(), "content": content(p),
                       "filename": p.get_filename(), "disposition": p.get_content_disposition()} for p in parts],
        }))
        """

    public static func parse(_ data: Data) throws -> ParsedMail {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Python reads all of stdin before it writes, so writing first cannot deadlock.
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let json = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ParseFailure(description: "python3 exited with \(process.terminationStatus)") }
        return try JSONDecoder().decode(ParsedMail.self, from: json)
    }
}
