import SDP
import Testing
@Test func smoke() throws { _ = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\n") }
