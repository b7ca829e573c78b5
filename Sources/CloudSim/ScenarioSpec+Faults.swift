/// Fault models of the scenario language.

/// A BMC's behaviour.
public enum BMCMode: String, Sendable, CaseIterable {
    /// Does what it is told and reports the truth.
    case healthy
    /// Never answers.
    case timeout
    /// Answers every command with an error.
    case error
    /// Reports success for power commands but does nothing; status reads stay truthful.
    case falseSuccess = "false_success"
    /// Shares the host's power supply: unreachable whenever the host's supply has no power (it
    /// still answers on standby power while the host is merely powered off).
    case sharedPower = "shared_power"
    /// Reports success for power commands but does nothing, and its status reads say "off"
    /// whatever the power is: the read-back alone cannot be trusted.
    case lyingStatus = "lying_status"
}

/// How the membership layer breaks a tie: exactly half of an even cluster can see each other and
/// no component has a majority.
public enum TieBreaker: String, Sendable, CaseIterable {
    /// No tie-breaker: an exact half is not quorate (every host waits; nobody recovers).
    case none
    /// A quorum witness on the core management network (like corosync-qdevice): the half that
    /// still reaches the core network gets its vote. Survives the loss of either half's rack.
    case witness
    /// The half that holds the lowest-numbered host (votequorum's `auto_tie_breaker`), whether or
    /// not the other half still runs; when that host is down, the other half is not quorate.
    case lowest
    /// The half that holds the highest-numbered host.
    case highest
}
