// XML Schema Part 2 §3.2.7, dateTime, as RFC 4575 uses it in <when>:
//   '-'? yyyy '-' mm '-' dd 'T' hh ':' mm ':' ss ('.' s+)? (('+' | '-') hh ':' mm | 'Z')?
// Written here always in UTC with a 'Z' (seconds, plus milliseconds when the time has a fraction); read with any
// offset, and as UTC when it has none. Calendar arithmetic is the proleptic Gregorian calendar's days-from-civil
// (Howard Hinnant's algorithms), so no Foundation formatter is needed.

/// Converts between seconds since 1970-01-01T00:00:00Z and `xs:dateTime` text.
enum XSDateTime {
    /// The range written: years 0001 to 9999, which every reader handles.
    static let writableSeconds: ClosedRange<Double> = -62_135_596_800 ... 253_402_300_799.999

    /// `seconds` as `yyyy-mm-ddThh:mm:ss[.fff]Z`, clamped to years 0001–9999 (a non-finite value writes the epoch).
    static func format(_ seconds: Double) -> String {
        let clamped = seconds.isFinite ? min(max(seconds, writableSeconds.lowerBound), writableSeconds.upperBound) : 0
        // Floor and round by conversion, not Double.rounded(): that would make the target link libm, which nothing
        // else here needs.
        var whole = Int64(clamped)
        if Double(whole) > clamped { whole -= 1 }
        var millis = Int64((clamped - Double(whole)) * 1000 + 0.5)
        if millis >= 1000 { whole += 1; millis -= 1000 }
        let days = floorDivide(whole, 86_400)
        let secondOfDay = whole - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if millis > 0 { text += "." + pad(millis, 3) }
        return text + "Z"
    }

    /// The instant `text` names, in seconds since 1970, or nil when it is not an `xs:dateTime`.
    static func parse(_ text: String) -> Double? {
        var scanner = DigitScanner(Array(text.utf8))
        let negative = scanner.take(UInt8(ascii: "-"))
        guard let yearDigits = scanner.digits(min: 4, max: 9), scanner.take(UInt8(ascii: "-")),
              let month = scanner.digits(min: 2, max: 2), scanner.take(UInt8(ascii: "-")),
              let day = scanner.digits(min: 2, max: 2), scanner.take(UInt8(ascii: "T")),
              let hour = scanner.digits(min: 2, max: 2), scanner.take(UInt8(ascii: ":")),
              let minute = scanner.digits(min: 2, max: 2), scanner.take(UInt8(ascii: ":")),
              let second = scanner.digits(min: 2, max: 2)
        else { return nil }
        var fraction = 0.0
        if scanner.take(UInt8(ascii: ".")) {
            var scale = 0.1
            var any = false
            while let d = scanner.digit() { fraction += Double(d) * scale; scale /= 10; any = true }
            guard any else { return nil }
        }
        var offset: Int64 = 0
        if scanner.take(UInt8(ascii: "Z")) {
        } else if let sign = scanner.sign() {
            guard let h = scanner.digits(min: 2, max: 2), scanner.take(UInt8(ascii: ":")),
                  let m = scanner.digits(min: 2, max: 2), h < 14 || (h == 14 && m == 0), m < 60
            else { return nil }
            offset = sign * (h * 3600 + m * 60)
        }
        let year = negative ? -yearDigits : yearDigits
        guard scanner.atEnd, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Double(seconds) + fraction
    }

    // MARK: Calendar

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Reads fixed-width decimal fields from ASCII bytes.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func sign() -> Int64? {
        if take(UInt8(ascii: "+")) { return 1 }
        if take(UInt8(ascii: "-")) { return -1 }
        return nil
    }

    mutating func digit() -> Int64? {
        guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
        index += 1
        return Int64(bytes[index - 1] - UInt8(ascii: "0"))
    }

    /// Between `min` and `max` digits as one number, or nil when fewer than `min` are there.
    mutating func digits(min: Int, max: Int) -> Int64? {
        var value: Int64 = 0
        var count = 0
        while count < max, let d = digit() { value = value * 10 + d; count += 1 }
        return count >= min ? value : nil
    }
}
