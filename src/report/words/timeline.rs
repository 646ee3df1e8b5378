//! Words for the report's timeline.
