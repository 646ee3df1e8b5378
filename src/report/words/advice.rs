//! Words for the report's advice.
