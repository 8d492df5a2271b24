@testable import ConferenceInfo
import Testing

@Suite("xs:dateTime for <when> (XML Schema Part 2 §3.2.7)")
struct XSDateTimeTests {
    @Test("Seconds since 1970 written in UTC", arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_795_742_625, "2026-11-27T01:23:45Z"),
        (951_868_799, "2000-02-29T23:59:59Z"),
        (1_709_251_200, "2024-03-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (1_795_742_625.25, "2026-11-27T01:23:45.250Z"),
        (1_795_742_625.9996, "2026-11-27T01:23:46Z"),
        (-62_135_596_800, "0001-01-01T00:00:00Z"),
        (1e300, "9999-12-31T23:59:59.999Z"),
        (.nan, "1970-01-01T00:00:00Z"),
    ])
    func format(seconds: Double, text: String) {
        #expect(XSDateTime.format(seconds) == text)
    }

    @Test("Read with Z, an offset, no zone (taken as UTC) and fractions")
    func parse() {
        #expect(XSDateTime.parse("2026-11-27T01:23:45Z") == 1_795_742_625)
        #expect(XSDateTime.parse("2026-11-27T02:23:45+01:00") == 1_795_742_625)
        #expect(XSDateTime.parse("2026-11-26T20:23:45-05:00") == 1_795_742_625)
        #expect(XSDateTime.parse("2026-11-27T01:23:45") == 1_795_742_625)
        #expect(XSDateTime.parse("2026-11-27T01:23:45.5Z") == 1_795_742_625.5)
        #expect(XSDateTime.parse("2000-02-29T00:00:00Z") == 951_782_400)
    }

    @Test("Every day of four years round-trips", arguments: [1999, 2000, 2100, 2400])
    func roundTrip(year: Int) throws {
        let start = try #require(XSDateTime.parse("\(year)-01-01T00:00:00Z"))
        for day in 0..<366 {
            let seconds = start + Double(day) * 86_400 + 3723
            #expect(XSDateTime.parse(XSDateTime.format(seconds)) == seconds)
        }
    }

    @Test("Not dates", arguments: [
        "", "2026-11-27", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-11-27T24:00:00Z",
        "2026-11-27T01:60:00Z", "2026-11-27T01:23:45.Z", "2026-11-27T01:23:45+1:00", "2026-11-27 01:23:45Z",
        "26-11-27T01:23:45Z", "2026-11-27T01:23:45Zjunk", "２０２６-11-27T01:23:45Z",
    ])
    func rejects(text: String) {
        #expect(XSDateTime.parse(text) == nil)
    }
}
