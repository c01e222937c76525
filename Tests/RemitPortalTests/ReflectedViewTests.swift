import Mustache
import Testing

@testable import RemitPortal

/// The portal renders its views through `ReflectedView` (fields read once); a page must come out
/// exactly as the engine renders the plain view.
@Suite("Views read once for the templates")
struct ReflectedViewTests {
    struct Link {
        let href: String
        let current: Bool
    }
    struct Row {
        let number: String
        let amount: String
        let note: String?
        let payable: Bool
        let links: [Link]
    }
    struct Chrome {
        let title: String
        let user: String?
    }
    struct Page {
        let chrome: Chrome
        let csrf: String
        let rows: [Row]
        let empty: [Row]
        let count: Int
        let previous: String?
        let next: String?
        let tags: [String]
        let options: [String: String]
    }

    static let template = """
        <title>{{chrome.title}}</title>{{#chrome}}{{#user}}<p>{{.}} ({{title}})</p>{{/user}}{{^user}}signed out{{/user}}{{/chrome}}
        {{#rows}}<tr><td>{{number}}</td><td>{{{amount}}}</td>{{#note}}<td>{{.}}</td>{{/note}}{{^note}}<td>—</td>{{/note}}
        {{#payable}}<form><input name="csrf" value="{{csrf}}"><b>{{count}}</b></form>{{/payable}}
        {{#links}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{number}}</a>{{/links}}</tr>{{/rows}}
        {{^empty}}nothing here{{/empty}}{{#empty}}never{{/empty}}
        {{#previous}}<a href="{{.}}">Previous</a>{{/previous}}{{#next}}<a href="{{.}}">Next</a>{{/next}}
        {{#tags}}[{{.}}]{{/tags}} {{options.a}} {{missing}} {{chrome.missing}}
        """

    @Test(arguments: [nil, "Anna <de Vries>"])
    func aPageRendersTheSameAsThePlainView(user: String?) throws {
        let page = Page(
            chrome: Chrome(title: "Invoices & more", user: user), csrf: "t0k\"en",
            rows: [
                Row(
                    number: "INV-1", amount: "<b>1.00</b>", note: "late & <open>", payable: true,
                    links: [Link(href: "/a?x=1&y=2", current: true), Link(href: "/b", current: false)]),
                Row(number: "INV-2", amount: "2.00", note: nil, payable: false, links: []),
            ],
            empty: [], count: 2, previous: nil, next: "/invoices?page=2", tags: ["x", "<y>"], options: ["a": "A&B"])
        let template = try MustacheTemplate(string: Self.template)
        let plain = template.render(page)
        let reflected = template.render(try #require(ReflectedView.wrap(page)))
        #expect(reflected == plain)
        // The check compares something: every kind of value made it into the page.
        for text in [
            "Invoices &amp; more", "<b>1.00</b>", "late &amp; &lt;open&gt;", "t0k&quot;en", "aria-current", "nothing here",
            "/invoices?page=2", "[&lt;y&gt;]", "A&amp;B", "<td>—</td>",
        ] {
            #expect(plain.contains(text), "\(text)")
        }
        #expect(plain.contains("signed out") == (user == nil))
    }
}
