//! Words for the report's gaps.
