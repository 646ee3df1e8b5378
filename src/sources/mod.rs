//! Sources: the only code that touches the disk, the network or the clock. Each produces [`crate::evidence::Evidence`];
//! a failure becomes a gap unless nothing at all could be read.

pub mod bundle;
pub mod cluster;
pub mod files;
pub mod kube_objects;
pub mod kubeconfig;
pub mod metrics;
pub mod probe;
pub mod scan;
pub mod tls;
