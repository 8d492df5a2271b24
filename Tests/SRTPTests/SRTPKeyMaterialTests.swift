import SRTP
import Testing

/// RFC 4568 §6.1 key parameters and the profile table.
@Suite struct SRTPKeyMaterialTests {
    @Test("RFC 4568 §6.1: inline key parses and prints back, with or without the inline: prefix")
    func inlineRoundTrip() throws {
        for profile in SRTPProfile.allCases {
            let key = try SRTPKeyMaterial.random(profile: profile)
            let text = key.inlineKeyParameter
            #expect(text.hasPrefix("inline:"))
            #expect(try SRTPKeyMaterial(profile: profile, inline: text) == key)
            #expect(try SRTPKeyMaterial(profile: profile, inline: String(text.dropFirst(7))) == key)
        }
    }

    @Test("RFC 4568 §9.1 example key with its 2^20 lifetime: accepted, lifetime ignored")
    func rfc4568ExampleWithLifetime() throws {
        let key = try SRTPKeyMaterial(
            profile: .aesCM128HMACSHA1_80, inline: "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20")
        #expect(key.keyAndSalt.count == 30)
        #expect(Array(key.keyAndSalt.prefix(4)) == Array("=-n@".utf8))
        #expect(key.inlineKeyParameter == "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
        let decimal = try SRTPKeyMaterial(
            profile: .aesCM128HMACSHA1_32, inline: "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|1048576")
        #expect(decimal.inlineKeyParameter == "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj")
    }

    @Test("RFC 4568 §6.1 MKI (the RFC's own examples carry |1:4, |1:32): rejected with a clear reason")
    func mkiIsRejected() {
        for text in [
            "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
            "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|1:32",
        ] {
            do {
                _ = try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: text)
                Issue.record("MKI accepted: \(text)")
            } catch {
                #expect(error.code == .mkiUnsupported)
                #expect(error.reason.contains("MKI"))
            }
        }
    }

    @Test("RFC 7714 §12: a 30-byte AES-CM key offered for AEAD_AES_128_GCM (28 bytes) is refused, naming both lengths")
    func wrongLengthInlineIsRejected() {
        do {
            _ = try SRTPKeyMaterial(profile: .aeadAES128GCM, inline: "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
            Issue.record("wrong length accepted")
        } catch {
            #expect(error.code == .invalidKeyLength)
            #expect(error.reason.contains("30") && error.reason.contains("28"))
        }
        #expect(throws: SRTPError(.invalidKeyLength, "")) {
            try SRTPKeyMaterial(profile: .aeadAES256GCM, keyAndSalt: [UInt8](repeating: 1, count: 30))
        }
    }

    @Test("RFC 4568 §6.1: malformed key parameters are refused")
    func malformedInlineIsRejected() {
        for text in ["inline:", "inline:PS1u!CVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^x",
                     "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|2^20|2^20"] {
            #expect(throws: SRTPError(.invalidKeyParameter, ""), "\(text)") {
                try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: text)
            }
        }
    }

    @Test("Padded base64 (AEAD_AES_128_GCM's 28 bytes) prints with == and parses back")
    func paddedBase64() throws {
        let key = try SRTPKeyMaterial(profile: .aeadAES128GCM, keyAndSalt: Array(0..<28))
        #expect(key.inlineKeyParameter == "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==")
        #expect(try SRTPKeyMaterial(profile: .aeadAES128GCM, inline: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw") == key)
    }

    @Test("Profile table: RFC 4568 / RFC 7714 lengths and the strength order")
    func profileTable() {
        #expect(SRTPProfile.allCases.map(\.masterKeyLength) == [16, 16, 16, 32])
        #expect(SRTPProfile.allCases.map(\.masterSaltLength) == [14, 14, 12, 12])
        #expect(SRTPProfile.allCases.map(\.rtpOverhead) == [10, 4, 16, 16])
        #expect(SRTPProfile.allCases.map(\.rtcpOverhead) == [14, 14, 20, 20])
        let order = SRTPProfile.allCases.sorted { $0.strength > $1.strength }
        #expect(order == [.aeadAES256GCM, .aeadAES128GCM, .aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32])
    }

    @Test("Random key material: right length, different every time, key bytes kept out of descriptions")
    func randomKeys() throws {
        let a = try SRTPKeyMaterial.random(profile: .aeadAES256GCM)
        let b = try SRTPKeyMaterial.random(profile: .aeadAES256GCM)
        #expect(a.keyAndSalt.count == 44)
        #expect(a != b)
        #expect(!"\(a)".contains(a.inlineKeyParameter.dropFirst(7)))
    }
}
