//! The portal's colour theme. It lives in a plain cookie (no session, nothing stored on the server),
//! which the browser writes on a click and the server reads to render the page in it (no flash).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// The cookie that holds the theme.
pub const COOKIE: &str = "pulse_theme";

impl Theme {
    /// The theme a `Cookie` header asks for; anything else is the default.
    pub fn from_cookie_header(header: &str) -> Self {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map_or(Self::default(), |(_, value)| match value.trim() {
                "dark" => Self::Dark,
                _ => Self::Light,
            })
    }

    pub fn toggled(self) -> Self {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
    pub fn css_class(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_theme_cookie_among_others() {
        assert_eq!(
            Theme::from_cookie_header("a=b; pulse_theme=dark; c=d"),
            Theme::Dark
        );
        assert_eq!(Theme::from_cookie_header("pulse_theme=light"), Theme::Light);
        assert_eq!(Theme::from_cookie_header("pulse_theme=<script>"), Theme::Light);
        assert_eq!(Theme::from_cookie_header(""), Theme::Light);
    }
}
