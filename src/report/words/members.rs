//! Words for the report's members.
