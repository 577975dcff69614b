//! Generated sentences: key messages and chart alternative text, written by the minijinja
//! templates in `report-templates/messages/` from figures the document builder prepares.
//! Their output is plain text that reaches Typst as data.

use minijinja::{Environment, Value};

const TEMPLATES: [(&str, &str); 6] = [
    (
        "key_message",
        include_str!("../../report-templates/messages/key_message.j2"),
    ),
    (
        "peer_alt",
        include_str!("../../report-templates/messages/peer_alt.j2"),
    ),
    (
        "bars_alt",
        include_str!("../../report-templates/messages/bars_alt.j2"),
    ),
    (
        "trend_alt",
        include_str!("../../report-templates/messages/trend_alt.j2"),
    ),
    (
        "stacked_alt",
        include_str!("../../report-templates/messages/stacked_alt.j2"),
    ),
    (
        "hex_alt",
        include_str!("../../report-templates/messages/hex_alt.j2"),
    ),
];

/// The message templates, parsed once and shared by every report.
pub struct Messages {
    env: Environment<'static>,
}

#[derive(Debug, thiserror::Error)]
#[error("message template {name}: {source}")]
pub struct MessageError {
    pub name: String,
    #[source]
    pub source: minijinja::Error,
}

impl Messages {
    pub fn new() -> Result<Messages, MessageError> {
        let mut env = Environment::new();
        // Output is plain text for Typst's data document, not HTML.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, text) in TEMPLATES {
            env.add_template(name, text)
                .map_err(|source| MessageError {
                    name: name.into(),
                    source,
                })?;
        }
        Ok(Messages { env })
    }

    /// Renders `name` with `context`, with white space folded to single spaces.
    pub fn render(&self, name: &str, context: Value) -> Result<String, MessageError> {
        let wrap = |source| MessageError {
            name: name.into(),
            source,
        };
        let text = self
            .env
            .get_template(name)
            .map_err(wrap)?
            .render(context)
            .map_err(wrap)?;
        Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    #[test]
    fn key_message_reads_as_a_sentence() {
        let m = Messages::new().unwrap();
        let text = m
            .render(
                "key_message",
                context! { subject => "Your", metric => "vacancy rate", value => "9.1%", quartile => 4, n => 360, peers => "providers", median => "7.2%", previous => "8.0%", previous_year => 2023, change => "up 1.1 points" },
            )
            .unwrap();
        assert_eq!(text, "Your vacancy rate is 9.1%, in the highest quarter of 360 providers (median 7.2%). In 2023 it was 8.0%, up 1.1 points.");
    }

    #[test]
    fn data_in_a_message_is_not_run_as_a_template() {
        let m = Messages::new().unwrap();
        let text = m
            .render("bars_alt", context! { measure => "{{ 7*7 }}", category_name => "role group", series => vec!["{% raw %}"], highlights => Vec::<String>::new() })
            .unwrap();
        assert!(
            text.contains("{{ 7*7 }}") && text.contains("{% raw %}"),
            "{text}"
        );
    }

    #[test]
    fn peer_alt_text_names_the_position() {
        let m = Messages::new().unwrap();
        let text = m
            .render("peer_alt", context! { metric => "WTE per 100,000 adults", n => 153, peers => "local authorities", you => "61.2", rank => 34, median => "48.0", q1 => "40.1", q3 => "55.3" })
            .unwrap();
        assert!(
            text.contains("153 local authorities")
                && text.contains("yours is 61.2, 34th highest")
                && text.contains("median is 48.0"),
            "{text}"
        );
    }
}
