//! Generated sentences: key messages and chart alternative text, written by the minijinja
//! templates in `report-templates/messages/` (or an overlay's `.j2` files) from figures the
//! model builder prepares.
//! Their output is plain text that reaches Typst as data.

use super::templates::TemplateSet;
use minijinja::{Environment, Value};

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
    /// The shipped message templates.
    pub fn new() -> Result<Messages, MessageError> {
        Messages::from_set(&TemplateSet::shipped())
    }

    /// Every `.j2` file of a template set, by name (`peer_alt` for `messages/peer_alt.j2`).
    pub fn from_set(set: &TemplateSet) -> Result<Messages, MessageError> {
        let mut env = Environment::new();
        // Output is plain text for Typst's data document, not HTML.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, text) in set.messages() {
            env.add_template_owned(name.to_string(), text.to_string())
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
    fn regions_against_england_names_only_the_regions_that_differ() {
        let set = crate::render::templates::TemplateSet::load(None).unwrap();
        let messages = Messages::from_set(&set).unwrap();
        let render = |differ: Vec<Value>, similar: usize| {
            messages
                .render(
                    "regions_against_england",
                    context! { metric => "leaver rate", england => "16.9%", n => 7, similar, differ },
                )
                .unwrap()
        };
        assert_eq!(
            render(Vec::new(), 7),
            "No region's leaver rate differs from England's 16.9% by more than chance on these numbers."
        );
        let london = context! { name => "London", words => "higher", value => "21.0%", interval => "19.4% to 22.7%" };
        assert_eq!(
            render(vec![london], 6),
            "1 of 7 regions differs from England's leaver rate of 16.9% by more than chance: London higher (21.0%; 95% interval 19.4% to 22.7%). The other 6 are similar to England on these numbers."
        );
    }

    #[test]
    fn key_message_reads_as_a_sentence() {
        let m = Messages::new().unwrap();
        let text = m
            .render(
                "key_message",
                context! { subject => "Your", metric => "vacancy rate", value => "9.1%", peers => context! { quartile => 4, n => 360, median => "7.2%" }, peer_group => "providers", previous => context! { year => 2023, display => "8.0%", direction => "up", change => "1.1", chance => false }, comparison => (), is_rate => true },
            )
            .unwrap();
        assert_eq!(text, "Your vacancy rate is 9.1%, in the highest quarter of 360 providers (median 7.2%). In 2023 it was 8.0%, up 1.1 percentage points.");
        let text = m
            .render(
                "key_message",
                context! { subject => "Leeds's", metric => "WTE in post", value => "35.1", peers => (), peer_group => "local authorities", previous => context! { year => 2023, display => "35.2", direction => "down", change => "0.1", change_pct => "0%", chance => false }, comparison => (), is_rate => false },
            )
            .unwrap();
        assert_eq!(
            text,
            "Leeds's WTE in post is 35.1. In 2023 it was 35.2, down 0.1 (0%)."
        );
    }

    #[test]
    fn a_rate_of_a_few_people_is_similar_and_its_change_could_be_chance() {
        let m = Messages::new().unwrap();
        let comparison = context! { standing => "similar", words => "similar to", benchmark => "the overall rate of all providers", benchmark_display => "18.9%", interval => "10.8% to 60.3%", people => "3 of 10 people" };
        let text = m
            .render(
                "key_message",
                context! { subject => "Your", metric => "leaver rate (12 months)", value => "30.0%", peers => context! { quartile => 4, n => 363, median => "15.2%" }, peer_group => "providers", previous => context! { year => 2023, display => "0.0%", direction => "up", change => "30.0", chance => true }, comparison, is_rate => true },
            )
            .unwrap();
        assert_eq!(text, "Your leaver rate (12 months) is 30.0% (3 of 10 people; 95% interval 10.8% to 60.3%), similar to the overall rate of all providers of 18.9%. In 2023 it was 0.0%; the change of 30.0 percentage points could be chance on these numbers.");
        let comparison = context! { standing => "higher", words => "higher than", benchmark => "the overall rate of all providers", benchmark_display => "18.9%", interval => "21.9% to 39.6%", people => "30 of 100 people" };
        let text = m
            .render(
                "key_message",
                context! { subject => "Your", metric => "leaver rate (12 months)", value => "30.0%", peers => context! { quartile => 4, n => 363, median => "15.2%" }, peer_group => "providers", previous => (), comparison, is_rate => true },
            )
            .unwrap();
        assert_eq!(text, "Your leaver rate (12 months) is 30.0% (30 of 100 people; 95% interval 21.9% to 39.6%), higher than the overall rate of all providers of 18.9%, in the highest quarter of 363 providers.");
    }

    #[test]
    fn data_in_a_message_is_not_run_as_a_template() {
        let m = Messages::new().unwrap();
        let text = m
            .render("bars_alt", context! { measure => "{{ 7*7 }}", category_name => "role group", series => vec!["{% raw %}"], highest => Vec::<String>::new() })
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
            .render("peer_alt", context! { metric => "staff per 100,000 adults", n => 153, peers => "local authorities", you => "61.2", rank => 34, rank_ordinal => "34th", median => "48.0", q1 => "40.1", q3 => "55.3", comparison => () })
            .unwrap();
        assert!(
            text.contains("153 local authorities")
                && text.contains("yours is 61.2, 34th highest")
                && text.contains("median is 48.0"),
            "{text}"
        );
    }
}
