//! Discovery documents shaped like those real providers publish (Google,
//! Auth0, Okta, Microsoft Entra ID, Keycloak, Amazon Cognito) parse into the
//! endpoints ferrymcp uses. The documents are written here from the fields
//! the providers document (their names, types and URL layouts, with made-up
//! tenants); members ferrymcp does not read, of any JSON type, are kept and
//! do not get in the way.

use ferrymcp::auth::{IntrospectionVerifier, JwtVerifier, ServerMetadata, TokenExchange};
use serde_json::{json, Value};

const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

fn parse(issuer: &str, doc: &Value) -> ServerMetadata {
    ServerMetadata::from_document(issuer, doc.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{issuer}: {e}"))
}

/// What every provider's metadata must give: keys for a JWT verifier.
fn check_jwt(meta: &ServerMetadata, jwks: &str) {
    assert_eq!(meta.jwks_uri(), Some(jwks));
    JwtVerifier::from_metadata(meta).expect("a JWT verifier");
}

#[test]
fn google() {
    let issuer = "https://accounts.google.com";
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "device_authorization_endpoint": "https://oauth2.googleapis.com/device/code",
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
        "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
        "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
        "response_types_supported": ["code", "token", "id_token", "code token", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": [
            "authorization_code", "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ]
    });
    let meta = parse(issuer, &doc);
    check_jwt(&meta, "https://www.googleapis.com/oauth2/v3/certs");
    // Keys and tokens on other hosts than the issuer's.
    assert_eq!(
        meta.token_endpoint(),
        Some("https://oauth2.googleapis.com/token")
    );
    assert_eq!(meta.introspection_endpoint(), None);
    assert!(!meta.supports_grant(EXCHANGE));
    assert!(IntrospectionVerifier::from_metadata(&meta, "a", "b")
        .unwrap_err()
        .to_string()
        .contains("no `introspection_endpoint`"));
    assert_eq!(meta.scopes_supported(), ["openid", "email", "profile"]);
}

#[test]
fn auth0_with_its_trailing_slash() {
    // Auth0's issuer ends with a slash, and so does the `iss` of its tokens.
    let issuer = "https://acme-dev.us.auth0.com/";
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": "https://acme-dev.us.auth0.com/authorize",
        "token_endpoint": "https://acme-dev.us.auth0.com/oauth/token",
        "device_authorization_endpoint": "https://acme-dev.us.auth0.com/oauth/device/code",
        "userinfo_endpoint": "https://acme-dev.us.auth0.com/userinfo",
        "mfa_challenge_endpoint": "https://acme-dev.us.auth0.com/mfa/challenge",
        "jwks_uri": "https://acme-dev.us.auth0.com/.well-known/jwks.json",
        "registration_endpoint": "https://acme-dev.us.auth0.com/oidc/register",
        "revocation_endpoint": "https://acme-dev.us.auth0.com/oauth/revoke",
        "scopes_supported": ["openid", "profile", "offline_access", "email"],
        "response_types_supported": ["code", "token", "id_token", "code token"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "claims_supported": ["aud", "auth_time", "email", "exp", "iat", "iss", "name", "sub"],
        "request_uri_parameter_supported": false,
        "request_parameter_supported": false,
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "backchannel_logout_supported": true,
        "end_session_endpoint": "https://acme-dev.us.auth0.com/oidc/logout"
    });
    let meta = parse(issuer, &doc);
    check_jwt(&meta, "https://acme-dev.us.auth0.com/.well-known/jwks.json");
    assert_eq!(meta.issuer(), issuer);
    // The issuer is compared exactly: without the slash it is another issuer.
    let err =
        ServerMetadata::from_document("https://acme-dev.us.auth0.com", doc.to_string().as_bytes())
            .unwrap_err()
            .to_string();
    assert!(err.contains("configure exactly the issuer"), "{err}");
}

#[test]
fn okta_custom_authorization_server() {
    let issuer = "https://acme.okta.com/oauth2/default";
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": "https://acme.okta.com/oauth2/default/v1/authorize",
        "token_endpoint": "https://acme.okta.com/oauth2/default/v1/token",
        "registration_endpoint": "https://acme.okta.com/oauth2/v1/clients",
        "jwks_uri": "https://acme.okta.com/oauth2/default/v1/keys",
        "response_types_supported": ["code", "token", "id_token", "code id_token"],
        "response_modes_supported": ["query", "fragment", "form_post", "okta_post_message"],
        "grant_types_supported": [
            "authorization_code", "implicit", "refresh_token", "password",
            "client_credentials", "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:token-exchange"
        ],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"],
        "claims_supported": ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub"],
        "code_challenge_methods_supported": ["S256"],
        "introspection_endpoint": "https://acme.okta.com/oauth2/default/v1/introspect",
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"],
        "revocation_endpoint": "https://acme.okta.com/oauth2/default/v1/revoke",
        "end_session_endpoint": "https://acme.okta.com/oauth2/default/v1/logout",
        "request_parameter_supported": true,
        "request_object_signing_alg_values_supported": ["HS256", "RS256", "ES256"],
        "device_authorization_endpoint": "https://acme.okta.com/oauth2/default/v1/device/authorize",
        "dpop_signing_alg_values_supported": ["RS256", "ES256"]
    });
    let meta = parse(issuer, &doc);
    check_jwt(&meta, "https://acme.okta.com/oauth2/default/v1/keys");
    assert!(meta.supports_grant(EXCHANGE));
    IntrospectionVerifier::from_metadata(&meta, "rs", "secret").expect("introspection");
    let exchange = TokenExchange::from_metadata(&meta, "rs", "secret").expect("exchange");
    assert_eq!(
        exchange.endpoint(),
        "https://acme.okta.com/oauth2/default/v1/token"
    );
}

#[test]
fn microsoft_entra_id_v2() {
    let tenant = "5f1c2a3b-0000-4000-8000-00000000abcd";
    let issuer = format!("https://login.microsoftonline.com/{tenant}/v2.0");
    let doc = json!({
        "token_endpoint": format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "aud", "exp", "iat", "nonce", "tid"],
        "kerberos_endpoint": format!("https://login.microsoftonline.com/{tenant}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    });
    let meta = parse(&issuer, &doc);
    check_jwt(
        &meta,
        &format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"),
    );
    assert_eq!(
        meta.introspection_endpoint(),
        None,
        "Entra ID has no introspection"
    );
    assert!(
        meta.grant_types_supported().is_empty(),
        "it does not list grant types"
    );
    // Members of other types are kept as they are.
    assert_eq!(meta.document()["tenant_region_scope"], "EU");
    // The "common" document names a templated issuer; it matches no tenant.
    let mut common = doc.clone();
    common["issuer"] = json!("https://login.microsoftonline.com/{tenantid}/v2.0");
    assert!(ServerMetadata::from_document(&issuer, common.to_string().as_bytes()).is_err());
}

#[test]
fn keycloak_realm() {
    let issuer = "https://sso.acme.example/realms/tools";
    let base = format!("{issuer}/protocol/openid-connect");
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/auth"),
        "token_endpoint": format!("{base}/token"),
        "introspection_endpoint": format!("{base}/token/introspect"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "end_session_endpoint": format!("{base}/logout"),
        "frontchannel_logout_session_supported": true,
        "jwks_uri": format!("{base}/certs"),
        "check_session_iframe": format!("{base}/login-status-iframe.html"),
        "grant_types_supported": [
            "authorization_code", "implicit", "refresh_token", "password", "client_credentials",
            "urn:openid:params:grant-type:ciba", "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:token-exchange"
        ],
        "acr_values_supported": ["0", "1"],
        "response_types_supported": ["code", "none", "id_token", "token", "id_token token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["PS384", "ES384", "RS384", "HS256", "RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post", "tls_client_auth", "client_secret_jwt"],
        "introspection_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post", "tls_client_auth", "client_secret_jwt"],
        "registration_endpoint": format!("{issuer}/clients-registrations/openid-connect"),
        "scopes_supported": ["openid", "profile", "email", "roles", "offline_access"],
        "request_parameter_supported": true,
        "code_challenge_methods_supported": ["plain", "S256"],
        "tls_client_certificate_bound_access_tokens": true,
        "revocation_endpoint": format!("{base}/revoke"),
        "backchannel_authentication_endpoint": format!("{base}/ext/ciba/auth"),
        "require_pushed_authorization_requests": false,
        "pushed_authorization_request_endpoint": format!("{base}/ext/par/request"),
        "mtls_endpoint_aliases": {
            "token_endpoint": format!("{base}/token"),
            "introspection_endpoint": format!("{base}/token/introspect")
        },
        "authorization_response_iss_parameter_supported": true
    });
    let meta = parse(issuer, &doc);
    check_jwt(&meta, &format!("{base}/certs"));
    assert_eq!(
        meta.introspection_endpoint(),
        Some(format!("{base}/token/introspect").as_str())
    );
    assert!(meta.supports_grant(EXCHANGE));
    TokenExchange::from_metadata(&meta, "rs", "secret").expect("exchange");
    assert!(meta.document()["mtls_endpoint_aliases"].is_object());
}

#[test]
fn amazon_cognito_user_pool() {
    let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";
    let domain = "https://acme-tools.auth.eu-west-1.amazoncognito.com";
    let doc = json!({
        "authorization_endpoint": format!("{domain}/oauth2/authorize"),
        "end_session_endpoint": format!("{domain}/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": format!("{domain}/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{domain}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{domain}/oauth2/userInfo")
    });
    let meta = parse(issuer, &doc);
    check_jwt(&meta, &format!("{issuer}/.well-known/jwks.json"));
    // The token endpoint lives on the user pool's domain, not the issuer's host.
    assert_eq!(
        meta.token_endpoint(),
        Some(format!("{domain}/oauth2/token").as_str())
    );
    assert_eq!(meta.introspection_endpoint(), None);
}

#[test]
fn a_document_with_plain_http_endpoints_is_refused() {
    let doc = json!({"issuer": "https://idp.example", "jwks_uri": "http://idp.example/keys"});
    let err = ServerMetadata::from_document("https://idp.example", doc.to_string().as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("jwks_uri") && err.contains("use https"),
        "{err}"
    );
    let no_keys = json!({"issuer": "https://idp.example"});
    let meta = parse("https://idp.example", &no_keys);
    assert!(JwtVerifier::from_metadata(&meta)
        .unwrap_err()
        .to_string()
        .contains("IntrospectionVerifier"));
}
