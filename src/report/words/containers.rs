//! Words for a container's state.

use crate::model::ContainerNow;

/// `Running`, `Waiting: CrashLoopBackOff`, `Terminated: OOMKilled`, `unknown (no pod status)`.
pub fn state(s: &ContainerNow) -> String {
    match s {
        ContainerNow::Running => "Running".into(),
        ContainerNow::Waiting { reason } => format!("Waiting: {reason}"),
        ContainerNow::Terminated { reason } => format!("Terminated: {}", reason.as_deref().unwrap_or("?")),
        ContainerNow::Unknown => "unknown (no pod status)".into(),
    }
}

/// The state already says the kubelet is backing the container off.
pub fn says_crash_loop(s: &ContainerNow) -> bool {
    matches!(s, ContainerNow::Waiting { reason } if reason == "CrashLoopBackOff")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_is_worded_with_its_reason() {
        assert_eq!(state(&ContainerNow::Waiting { reason: "CrashLoopBackOff".into() }), "Waiting: CrashLoopBackOff");
        assert_eq!(state(&ContainerNow::Terminated { reason: None }), "Terminated: ?");
        assert!(says_crash_loop(&ContainerNow::Waiting { reason: "CrashLoopBackOff".into() }));
        assert!(!says_crash_loop(&ContainerNow::Running));
    }
}
