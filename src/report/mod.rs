//! Rendering one [`crate::model::Report`] value: coloured terminal text, JSON (the versioned contract), Markdown for
//! tickets and a self-contained HTML page with a timeline chart.
//!
//! Pure: renderers write into any `io::Write` and never decide colour or time zone themselves (those come in
//! [`RenderOpts`]).

pub mod format;
pub mod html;
pub mod json;
pub mod markdown;
pub mod probe;
#[cfg(test)]
pub(crate) mod sample;
pub mod summary;
pub mod terminal;
pub mod words;

pub use crate::model::Report;

/// Settings resolved once by the CLI.
#[derive(Debug, Clone)]
pub struct RenderOpts {
    /// Colour escapes on (resolved from `--color`, the TTY and `NO_COLOR` by the CLI).
    pub color: bool,
    /// Zone for displayed times (`--tz`); JSON always uses UTC RFC 3339.
    pub tz: chrono_tz::Tz,
    /// Maximum timeline rows printed by terminal/markdown (the JSON keeps all).
    pub max_timeline_rows: usize,
    /// Everything (`--details`): the terminal prints its one-screen summary otherwise. Markdown and HTML always
    /// carry everything, the details folded under the summary.
    pub details: bool,
    /// The analysed folder: citations and inputs inside it print relative to it (JSON keeps the full paths).
    pub root: Option<String>,
}

/// Renders into a string with `render` (any of the renderers), for tests.
#[cfg(test)]
pub(crate) fn render_to_string(
    render: fn(&Report, &mut dyn std::io::Write, &RenderOpts) -> std::io::Result<()>,
    report: &Report,
    opts: &RenderOpts,
) -> String {
    let mut buf = Vec::new();
    render(report, &mut buf, opts).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("the renderers write UTF-8")
}

impl Default for RenderOpts {
    fn default() -> Self {
        RenderOpts { color: false, tz: chrono_tz::UTC, max_timeline_rows: 60, details: false, root: None }
    }
}
