import Focus
import FocusSQLite
import Foundation
import Logging
import MCUControl
import SIP
import Synchronization

/// Starts a bed, runs `body` on it, then stops it (the phones from ``FocusBed/phone(host:)`` first) whether `body`
/// returned or threw: a `try` that fails partway leaves no agent, event loop or temporary folder behind.
func withFocusBed<T>(
    _ settings: FocusConfiguration = FocusConfiguration(), graceSeconds: Int = 0, trustedSources: Set<String> = [],
    _ body: (FocusBed) async throws -> T
) async throws -> T {
    let bed = try await FocusBed.start(settings, graceSeconds: graceSeconds, trustedSources: trustedSources)
    do {
        let result = try await body(bed)
        await bed.stop()
        return result
    } catch {
        await bed.stop()
        throw error
    }
}

/// The focus under test: its real SIP agent on loopback (port 0), a SQLite store in a temporary folder, a
/// ``RecordingMCU`` instead of an MCU and a ``FocusTestClock`` for its timers. `stop()` ends what `start` began, and
/// the phones started with ``phone(host:)``.
struct FocusBed {
    let mcu: RecordingMCU
    let clock: FocusTestClock
    let agent: SIPUserAgent
    let focus: Focus
    let store: SQLiteFocusStore
    let port: Int
    let folder: URL
    /// The focus's background work (``Focus/run()``), as the executable's lifecycle runs it.
    let work: Task<Void, Never>
    /// The phones `stop()` stops.
    private let phones = Phones()
    private let stopped = Flag()

    /// `settings` gives the tenants (the default: only the default tenant, ad hoc meetings, anyone may join);
    /// `graceSeconds` is how long an empty conference stays.
    static func start(
        _ settings: FocusConfiguration = FocusConfiguration(), graceSeconds: Int = 0, trustedSources: Set<String> = [],
        mcu: RecordingMCU = RecordingMCU()
    ) async throws -> FocusBed {
        var logger = Logger(label: "focus-test")
        logger.logLevel = .warning
        var sip = SIPConfiguration()
        sip.address = "127.0.0.1"
        sip.port = 0
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-focus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var settings = settings
        settings.emptyConferenceGraceSeconds = graceSeconds
        let store: SQLiteFocusStore, directory: TenantDirectory
        do {
            store = try SQLiteFocusStore(path: folder.appendingPathComponent("focus.sqlite").path)
            directory = try await Focus.prepare(store: store, configuration: settings)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let agent = SIPUserAgent(configuration: sip, logger: logger)
        let bound = try await agent.start()
        Task { await agent.run() }  // the focus's handlers; returns when the agent stops
        guard let port = bound.first(where: { $0.transport == .udp })?.port else {
            await agent.stop()
            try? FileManager.default.removeItem(at: folder)
            throw BedError(description: "the focus's agent has no UDP listener")
        }
        var configuration = Focus.Configuration()
        configuration.focus = settings
        configuration.contactPort = port
        configuration.isTrustedSource = { trustedSources.contains($0) }
        let clock = FocusTestClock()
        let focus = Focus(
            agent: agent, mcu: mcu, store: store, directory: directory, configuration: configuration, logger: logger, clock: clock.source)
        let work = Task { await focus.run() }
        await focus.install()
        return FocusBed(mcu: mcu, clock: clock, agent: agent, focus: focus, store: store, port: port, folder: folder, work: work)
    }

    /// A phone on `host` that `stop()` stops.
    func phone(host: String = "127.0.0.1") async throws -> TestPhone {
        let phone = try await TestPhone.start(host: host)
        phones.add(phone)
        return phone
    }

    /// Stops the phones, then ends every conference (BYEs answered or given up on after a second of test time), the
    /// agent and the focus's work. Once: a second call returns at once.
    func stop() async {
        guard stopped.claim() else { return }
        for phone in phones.all { await phone.stop() }
        let ended = Flag()
        let ending = Task { [focus] in
            await focus.endAll(within: 1)
            ended.set()
        }
        // endAll waits at most one second of the focus's time for BYE answers: let that second pass if it must.
        for _ in 0..<50 where !ended.isSet {
            if await eventually(timeout: .milliseconds(50), { ended.isSet }) { break }
            await clock.advance(seconds: 1)
        }
        await ending.value
        await agent.stop()
        focus.stop()
        await work.value
        try? FileManager.default.removeItem(at: folder)
    }

    /// A live conference's ID at the default tenant.
    static func room(_ meeting: String, tenant: String = "default") -> ConferenceID { ConferenceID(tenant: tenant, meeting: meeting) }

    /// The endpoint the focus gave the call (it sees the dialog with the tags the other way round). The focus files
    /// the call just after sending its 200 OK, so this waits a moment for it.
    func endpoint(of call: SIPOutgoingCall) async -> EndpointID? {
        let ours = call.dialog.id
        let theirs = SIPDialogID(callID: ours.callID, localTag: ours.remoteTag, remoteTag: ours.localTag)
        _ = await eventually { focus.endpoint(of: theirs) != nil }
        return focus.endpoint(of: theirs)?.1
    }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
    /// Sets the flag; true for the one caller that found it clear.
    func claim() -> Bool {
        value.withLock { isSet in
            defer { isSet = true }
            return !isSet
        }
    }
}

/// The phones a bed started for a test.
final class Phones: Sendable {
    private let started = Mutex<[TestPhone]>([])
    func add(_ phone: TestPhone) { started.withLock { $0.append(phone) } }
    var all: [TestPhone] { started.withLock { $0 } }
}

struct BedError: Error, CustomStringConvertible { var description: String }
