//! The etcd members: the etcd view of the evidence ([`view`]), the disk findings over a time range that
//! attribution asks about ([`disk`]), the stall, pre-vote and lone-member findings ([`consensus`]), citations of
//! signal bursts ([`cite`]), member aliases from metrics ([`aliases`]) and the per-member statistics ([`stats`]).
//! Everything is re-exported here, so `analyze::members::X` names every item.
//!
//! Pure; no I/O.

pub mod aliases;
pub mod cite;
pub mod consensus;
pub mod disk;
pub mod stats;
pub mod view;

pub use aliases::*;
pub use cite::*;
pub use consensus::*;
pub use disk::*;
pub use stats::*;
pub use view::*;
