import Focus
import SIPWire
import Testing

@Suite("Dial-out policy")
struct DialOutPolicyTests {
    func uri(_ text: String) throws -> SIPURI { try #require(SIPURI(text)) }

    @Test("the default reaches nothing but the tenant's users: no other domain, no IP address, no number")
    func defaultIsOwnUsersOnly() throws {
        let policy = DialOutPolicy()
        for target in ["sip:carl@partner.test", "sip:x@127.0.0.1:5060", "sip:x@10.0.0.1", "sip:x@192.168.1.20", "sip:+15551234@acme.test"] {
            guard case .refused = policy.route(for: try uri(target), ownDomains: ["acme.test"], hasProxy: true) else {
                Issue.record("\(target) is reachable by default")
                continue
            }
        }
        guard case .refused(let why) = policy.route(for: try uri("sip:nobody@acme.test"), ownDomains: ["acme.test"], hasProxy: false) else {
            Issue.record("a name in the tenant's own domain that is no user is reachable")
            return
        }
        #expect(why.contains("not a user"))
    }

    @Test("listed domains go direct, listed number prefixes through the proxy only, IP addresses only inside allowedNetworks")
    func listedTargets() throws {
        var policy = DialOutPolicy()
        policy.domains = ["partner.test"]
        policy.numberPrefixes = ["+4420"]
        policy.allowedNetworks = ["10.1.2.0/24"]
        #expect(policy.route(for: try uri("sip:carl@Partner.Test"), ownDomains: [], hasProxy: false) == .direct)
        #expect(policy.route(for: try uri("sip:+442071234567@gw.example"), ownDomains: [], hasProxy: true) == .proxy)
        #expect(policy.route(for: try uri("sip:442071234567@gw.example"), ownDomains: [], hasProxy: true) == .proxy)
        guard case .refused = policy.route(for: try uri("sip:+19005551234@gw.example"), ownDomains: [], hasProxy: true) else {
            Issue.record("a premium number outside the prefixes is reachable")
            return
        }
        guard case .refused = policy.route(for: try uri("sip:+442071234567@gw.example"), ownDomains: [], hasProxy: false) else {
            Issue.record("a number is reachable without an outbound proxy")
            return
        }
        #expect(policy.route(for: try uri("sip:pbx@10.1.2.3:5080"), ownDomains: [], hasProxy: false) == .direct)
        guard case .refused = policy.route(for: try uri("sip:pbx@10.1.3.3"), ownDomains: [], hasProxy: false) else {
            Issue.record("an address outside allowedNetworks is reachable")
            return
        }
    }

    @Test("addresses found by DNS or registrations: public ones pass; loopback, private, link-local and multicast do not unless listed")
    func addressChecks() {
        var policy = DialOutPolicy()
        for address in ["127.0.0.1", "10.0.0.7", "172.16.4.4", "192.168.0.1", "169.254.1.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fd00::5"] {
            #expect(!policy.permits(address: address), "\(address)")
        }
        #expect(policy.permits(address: "8.8.8.8") && policy.permits(address: "2001:4860::8888"))
        #expect(!policy.permits(address: "not-an-address"))
        policy.allowedNetworks = ["127.0.0.0/8"]
        #expect(policy.permits(address: "127.0.0.5") && !policy.permits(address: "10.0.0.7"))
    }
}
