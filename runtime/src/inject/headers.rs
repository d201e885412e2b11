//! `Headers`: the HTTP request's headers, minus the credentials.

use super::{Inject, InjectError};

use crate::call::CallScope;
use http::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION};
use http::{HeaderMap, HeaderName};

/// The headers of the HTTP request that carried the call, without
/// `Authorization`, `Proxy-Authorization` and `Cookie` (credentials never reach
/// a tool this way; verified identity comes through the auth layer).
///
/// Mark the parameter `#[inject]`. A call that did not come over HTTP (stdio,
/// the in-process client) has no headers: ask for `Option<Headers>` to accept
/// that.
///
/// ```
/// use ferrymcp::prelude::*;
/// use ferrymcp::Headers;
///
/// /// Says which client is calling.
/// #[tool]
/// async fn whoami(#[inject] headers: Headers) -> String {
///     headers.get("user-agent").unwrap_or("unknown").to_string()
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Headers(HeaderMap);

impl Headers {
    /// Copies `headers`, leaving out `Authorization`, `Proxy-Authorization` and `Cookie`.
    pub fn from_request(headers: &HeaderMap) -> Self {
        let mut map = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            if is_credential(name) {
                continue;
            }
            map.append(name.clone(), value.clone());
        }
        Headers(map)
    }

    /// Takes `headers`, removing `Authorization`, `Proxy-Authorization` and `Cookie`.
    pub fn from_owned(mut headers: HeaderMap) -> Self {
        // One pass over the names (a comparison each) finds the usual request
        // has none of them; only then is anything looked up and removed.
        if headers.keys().any(is_credential) {
            for name in [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE] {
                headers.remove(&name);
            }
        }
        Headers(headers)
    }

    /// The first value of a header, when it is present and visible ASCII.
    /// Names are case-insensitive.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every header, as a map.
    pub fn map(&self) -> &HeaderMap {
        &self.0
    }
}

fn is_credential(name: &HeaderName) -> bool {
    name == AUTHORIZATION || name == PROXY_AUTHORIZATION || name == COOKIE
}

impl<L> Inject<L> for Headers {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        scope.extensions().get::<Headers>().cloned().ok_or_else(|| {
            InjectError::new(
                "this tool needs the HTTP request headers, and the call did not come over HTTP; ask for `Option<Headers>` to accept calls without them",
            )
        })
    }
}

impl<L> Inject<L> for Option<Headers> {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        Ok(scope.extensions().get::<Headers>().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_left_out() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer secret".parse().unwrap());
        h.insert("cookie", "a=b".parse().unwrap());
        h.insert("x-tenant", "acme".parse().unwrap());
        h.append("cookie", "c=d".parse().unwrap());
        h.insert("proxy-authorization", "Basic x".parse().unwrap());
        for headers in [Headers::from_request(&h), Headers::from_owned(h.clone())] {
            assert_eq!(headers.get("X-Tenant"), Some("acme"));
            assert!(headers.get("authorization").is_none());
            assert!(headers.get("proxy-authorization").is_none());
            assert!(headers.get("cookie").is_none());
            assert_eq!(headers.map().len(), 1);
        }
        let mut plain = HeaderMap::new();
        plain.insert("x-tenant", "acme".parse().unwrap());
        assert_eq!(Headers::from_owned(plain).map().len(), 1);
    }
}
