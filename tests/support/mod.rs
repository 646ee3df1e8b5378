//! Test support shared by the integration tests and the live-scale benchmark.
#![allow(dead_code)] // each test file uses a part

pub mod fakeapi;
