//! Completion: suggested values for a prompt argument or a template placeholder.
//!
//! Attach an async function to an argument with `complete(..)` in the
//! attribute; `completion/complete` calls it with what the user typed so far.

use crate::call::CallScope;
use crate::protocol::messages::CompletionValues;
use futures::future::BoxFuture;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;

/// The most values one `completion/complete` result may carry.
pub const MAX_COMPLETION_VALUES: usize = 100;

/// The values a completion function suggests.
///
/// Return a `Vec<String>` for the common case; build a `Completion` to say how
/// many values there are in all when you send only some. More than
/// [`MAX_COMPLETION_VALUES`] values are cut to that many, with `total` and
/// `hasMore` set.
///
/// ```
/// use ferrymcp::catalog::Completion;
///
/// let c = Completion::new(vec!["apple".into(), "apricot".into()]).with_total(40);
/// assert_eq!(c.values().len(), 2);
/// let fruit = ["apple", "banana", "apricot"];
/// assert_eq!(Completion::matching("ap", fruit).values(), ["apple", "apricot"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    values: Vec<String>,
    total: Option<u64>,
    has_more: Option<bool>,
}

impl Completion {
    /// These values.
    pub fn new(values: Vec<String>) -> Self {
        Completion {
            values,
            total: None,
            has_more: None,
        }
    }

    /// The candidates that start with `prefix`, ignoring ASCII case, in order.
    pub fn matching<I, S>(prefix: &str, candidates: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let prefix = prefix.to_ascii_lowercase();
        Self::new(
            candidates
                .into_iter()
                .map(Into::into)
                .filter(|c: &String| {
                    c.len() >= prefix.len()
                        && c.is_char_boundary(prefix.len())
                        && c[..prefix.len()].eq_ignore_ascii_case(&prefix)
                })
                .collect(),
        )
    }

    /// How many values there are in all.
    pub fn with_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }

    /// Whether there are more values than those sent.
    pub fn with_has_more(mut self, has_more: bool) -> Self {
        self.has_more = Some(has_more);
        self
    }

    /// The values.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The `completion` object of a `CompleteResult`, cut to
    /// [`MAX_COMPLETION_VALUES`] values.
    pub fn to_json(&self) -> Value {
        crate::protocol::messages::to_value(&self.to_wire())
    }

    /// The `completion` object of a `CompleteResult`, borrowed, cut to
    /// [`MAX_COMPLETION_VALUES`] values.
    pub(crate) fn to_wire(&self) -> CompletionValues<'_> {
        let count = self.values.len();
        let cut = count > MAX_COMPLETION_VALUES;
        let total = match (self.total, cut) {
            (Some(total), _) => Some(total.max(count as u64)),
            (None, true) => Some(count as u64),
            (None, false) => None,
        };
        CompletionValues {
            values: Cow::Borrowed(&self.values[..count.min(MAX_COMPLETION_VALUES)]),
            total,
            has_more: self.has_more.map(|h| h || cut).or(cut.then_some(true)),
        }
    }
}

/// What a completion function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a completion function",
    label = "return `Vec<String>` or `ferrymcp::catalog::Completion`"
)]
pub trait IntoCompletion {
    /// Converts the value.
    fn into_completion(self) -> Completion;
}

impl IntoCompletion for Completion {
    fn into_completion(self) -> Completion {
        self
    }
}

impl IntoCompletion for Vec<String> {
    fn into_completion(self) -> Completion {
        Completion::new(self)
    }
}

impl IntoCompletion for Vec<&'static str> {
    fn into_completion(self) -> Completion {
        Completion::new(self.into_iter().map(str::to_owned).collect())
    }
}

/// What a completion function may know besides the value being typed: the
/// arguments the user already filled in, and the call scope.
#[derive(Debug, Clone)]
pub struct CompletionContext {
    arguments: HashMap<String, String>,
    scope: CallScope,
}

impl CompletionContext {
    pub(crate) fn new(arguments: HashMap<String, String>, scope: CallScope) -> Self {
        CompletionContext { arguments, scope }
    }

    /// The value of another argument or placeholder, when the client sent it
    /// (`context.arguments`).
    pub fn argument(&self, name: &str) -> Option<&str> {
        self.arguments.get(name).map(String::as_str)
    }

    /// Every argument the client sent.
    pub fn arguments(&self) -> &HashMap<String, String> {
        &self.arguments
    }

    /// The call scope: request metadata, extensions, the lifespan value (read
    /// it with [`Inject`](crate::Inject), e.g. `Lifespan::<Db>::inject(ctx.scope())`).
    pub fn scope(&self) -> &CallScope {
        &self.scope
    }
}

/// A function that completes an argument: `async fn(value: String) -> Vec<String>`,
/// or `async fn(value: String, context: CompletionContext) -> Vec<String>`
/// (or `-> Completion`). `M` tells the two shapes apart; it is inferred.
///
/// ```
/// use ferrymcp::catalog::{Completion, CompletionContext};
///
/// async fn colours(value: String) -> Vec<String> {
///     Completion::matching(&value, ["red", "green", "blue"]).values().to_vec()
/// }
///
/// async fn cities(value: String, context: CompletionContext) -> Completion {
///     let cities: &[&str] = match context.argument("country") {
///         Some("fr") => &["Paris", "Lyon"],
///         _ => &[],
///     };
///     Completion::matching(&value, cities.iter().copied())
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot complete an argument",
    label = "not a completion function",
    note = "a completion function is `async fn(value: String) -> Vec<String>` or `async fn(value: String, context: CompletionContext) -> Vec<String>`; it may return `Completion` instead of `Vec<String>`, and its future must be `Send`"
)]
pub trait CompleteFn<M>: Send + Sync + 'static {
    /// Suggests values for `value`.
    fn complete(&self, value: String, context: CompletionContext)
        -> BoxFuture<'static, Completion>;
}

impl<F, Fut> CompleteFn<fn(String)> for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoCompletion,
{
    fn complete(&self, value: String, _: CompletionContext) -> BoxFuture<'static, Completion> {
        let fut = self(value);
        Box::pin(async move { fut.await.into_completion() })
    }
}

impl<F, Fut> CompleteFn<fn(String, CompletionContext)> for F
where
    F: Fn(String, CompletionContext) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoCompletion,
{
    fn complete(
        &self,
        value: String,
        context: CompletionContext,
    ) -> BoxFuture<'static, Completion> {
        let fut = self(value, context);
        Box::pin(async move { fut.await.into_completion() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn more_than_a_hundred_values_are_cut() {
        let many: Vec<String> = (0..150).map(|i| i.to_string()).collect();
        let v = Completion::new(many).to_json();
        assert_eq!(v["values"].as_array().unwrap().len(), 100);
        assert_eq!(v["total"], json!(150));
        assert_eq!(v["hasMore"], json!(true));
        assert_eq!(
            Completion::new(vec!["a".into()]).to_json(),
            json!({"values": ["a"]})
        );
        assert_eq!(
            Completion::new(vec!["a".into()])
                .with_total(9)
                .with_has_more(true)
                .to_json(),
            json!({"values": ["a"], "total": 9, "hasMore": true})
        );
        assert_eq!(
            Completion::matching("É", ["é", "Éa"]).values(),
            ["Éa"],
            "non-ASCII prefixes compare exactly"
        );
    }
}
