//! Words for the report's verdict.
