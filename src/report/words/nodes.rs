//! Words for the report's nodes.
