//! An MCP server that requires OAuth access tokens: HS256 JWTs checked by
//! [`JwtVerifier`], a tool that says who called it, and one that needs the
//! `notes:write` scope.
//!
//! ```text
//! # serve (prints the MCP URL on stdout once it accepts connections)
//! cargo run -p auth -- --bind 127.0.0.1:8000
//!
//! # mint a test token for that server (same secret, audience and issuer)
//! cargo run -p auth -- --mint-token alice --scope notes:write
//!
//! # the same tools over stdio, where there are no tokens: auth is off
//! cargo run -p auth -- --stdio
//!
//! # JWTs of a real identity provider, found by its issuer URL (OpenID
//! # Connect discovery / RFC 8414, keys fetched over HTTPS)
//! cargo run -p auth -- --issuer https://idp.example --resource https://mcp.example.com/mcp
//!
//! # opaque tokens, checked at the provider's RFC 7662 introspection endpoint
//! # (this server's client id and secret from --client-id / --client-secret or
//! # FERRYMCP_CLIENT_ID / FERRYMCP_CLIENT_SECRET)
//! cargo run -p auth -- --introspect https://idp.example/oauth2/introspect \
//!     --authorization-server https://idp.example --client-id mcp --client-secret ...
//! ```
//!
//! `--ca-cert FILE` trusts a private certificate authority (PEM) for the
//! provider's HTTPS endpoints besides the public ones.
//!
//! The signing secret comes from `--secret` or `FERRYMCP_AUTH_SECRET` (a
//! development default otherwise). Tokens must name the server's resource URL
//! (`http://HOST:PORT/mcp`, or `--resource`) as their audience and the
//! authorization server (`--authorization-server`, default
//! `http://127.0.0.1:9000`) as their issuer. This example has no
//! authorization server of its own: `--mint-token` stands in for one.
//!
//! The protected-resource metadata (RFC 9728) is served at
//! `/.well-known/oauth-protected-resource/mcp` and
//! `/.well-known/oauth-protected-resource`.

use ferrymcp::auth::{AuthConfig, HttpClient, IntrospectionVerifier, JwtVerifier, TokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::ToolList;
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The secret used when neither `--secret` nor `FERRYMCP_AUTH_SECRET` is set.
/// For trying the example only.
const DEV_SECRET: &str = "ferrymcp-example-dev-secret-do-not-deploy";
/// The environment variable holding the signing secret.
const SECRET_ENV: &str = "FERRYMCP_AUTH_SECRET";
/// The default authorization server, which is also the tokens' issuer.
const DEFAULT_AUTHORIZATION_SERVER: &str = "http://127.0.0.1:9000";
/// The scope `add_note` needs.
const NOTES_WRITE: &str = "notes:write";

/// Who is calling, as the verified access token says.
#[derive(Serialize, JsonSchema)]
struct Caller {
    /// The subject (`sub`): the user the client acts for.
    subject: Option<String>,
    /// The OAuth client the token was issued to.
    client_id: Option<String>,
    /// The scopes the token grants.
    scopes: Vec<String>,
    /// When the token expires (Unix seconds).
    expires_at: Option<u64>,
}

/// Says who is calling: the subject, client and scopes of the caller's token.
#[tool(read_only)]
async fn whoami(token: AccessToken) -> Caller {
    Caller {
        subject: token.subject().map(str::to_owned),
        client_id: token.client_id().map(str::to_owned),
        scopes: token.scopes().to_vec(),
        expires_at: token
            .expires_at()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs()),
    }
}

/// The notes written so far: the server's lifespan value.
#[derive(Default)]
struct Notes {
    list: Mutex<Vec<String>>,
}

/// Adds a note, signed with the caller's subject. Needs the `notes:write` scope.
#[tool(scopes = ["notes:write"])]
async fn add_note(
    /// The note.
    text: String,
    token: AccessToken,
    notes: Lifespan<Notes>,
) -> Result<String, ToolError> {
    if text.trim().is_empty() {
        return Err(ToolError::new("the note is empty"));
    }
    let author = token.subject().unwrap_or("someone");
    let mut notes = notes.list.lock().unwrap_or_else(|e| e.into_inner());
    notes.push(format!("{author}: {text}"));
    Ok(format!("note {} added by {author}", notes.len()))
}

/// Lists the notes written so far. Any caller with a valid token may read them.
#[tool(read_only)]
async fn list_notes(notes: Lifespan<Notes>) -> Vec<String> {
    notes.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// An MCP server whose tools need OAuth access tokens (HS256 JWTs by default,
/// or a real provider's tokens with --issuer or --introspect).
///
/// Serves over HTTP and prints its MCP URL on stdout once it accepts
/// connections. --mint-token prints a test token for that server instead;
/// --stdio serves the same tools over stdio, without authorization.
#[derive(clap::Parser)]
#[command(name = "auth", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    /// Print a signed test token for SUBJECT (valid for this server's resource
    /// URL and authorization server, signed with the same secret) and exit.
    #[arg(long, value_name = "SUBJECT", conflicts_with = "stdio")]
    mint_token: Option<String>,
    /// With --mint-token: a scope the token grants (repeatable), e.g.
    /// `notes:write`.
    #[arg(long, value_name = "SCOPE")]
    scope: Vec<String>,
    /// With --mint-token: how long the token is valid, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    ttl: u64,
    /// Serve the same tools over stdio instead, where there are no tokens:
    /// authorization is off.
    #[arg(long)]
    stdio: bool,
}

/// What the command line asks for.
enum Command {
    Serve(Settings),
    Mint {
        settings: Settings,
        subject: String,
        scopes: Vec<String>,
        ttl_secs: u64,
    },
    Stdio,
}

/// The settings shared by serving and minting.
#[derive(clap::Args)]
struct Settings {
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8000")]
    bind: String,
    /// The server's resource URL, the audience tokens must name
    /// [default: http://HOST:PORT/mcp of --bind].
    #[arg(long, value_name = "URL")]
    resource: Option<String>,
    /// The authorization server announced in the protected-resource
    /// metadata, and the issuer HS256 tokens must name.
    #[arg(long, value_name = "URL", default_value = DEFAULT_AUTHORIZATION_SERVER)]
    authorization_server: String,
    /// The HS256 signing secret [default: $FERRYMCP_AUTH_SECRET, else a
    /// development secret, with a warning].
    #[arg(long, value_name = "SECRET")]
    secret: Option<String>,
    /// List only the tools the caller's token may call.
    #[arg(long)]
    hide_unauthorized_tools: bool,
    /// Accept the JWTs of the identity provider at this issuer URL instead of
    /// HS256 tokens (its keys are found by OpenID Connect discovery / RFC 8414
    /// and fetched over HTTPS).
    #[arg(long, value_name = "URL", conflicts_with = "introspect")]
    issuer: Option<String>,
    /// Accept opaque tokens, checked at this RFC 7662 introspection endpoint
    /// (with --client-id and --client-secret).
    #[arg(long, value_name = "URL")]
    introspect: Option<String>,
    /// This server's client id at the introspection endpoint
    /// [default: $FERRYMCP_CLIENT_ID].
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// This server's client secret at the introspection endpoint
    /// [default: $FERRYMCP_CLIENT_SECRET].
    #[arg(long, value_name = "SECRET")]
    client_secret: Option<String>,
    /// A PEM file of certificate authorities to trust for the provider's
    /// HTTPS endpoints, besides the public ones.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<String>,
}

impl Settings {
    /// The resource URL (the tokens' audience) for a server on `addr`.
    fn resource_for(&self, addr: &str) -> String {
        self.resource
            .clone()
            .unwrap_or_else(|| format!("http://{addr}/mcp"))
    }

    /// The signing secret: `--secret`, else the environment, else the
    /// development default (with a warning).
    fn secret(&self) -> String {
        if let Some(secret) = &self.secret {
            return secret.clone();
        }
        match std::env::var(SECRET_ENV) {
            Ok(secret) if !secret.is_empty() => secret,
            _ => {
                eprintln!(
                    "warning: using the example's development secret; set --secret or {SECRET_ENV}"
                );
                DEV_SECRET.to_owned()
            }
        }
    }
}

impl Cli {
    /// The command these arguments ask for.
    fn command(self) -> Command {
        match (self.mint_token, self.stdio) {
            (Some(subject), _) => Command::Mint {
                settings: self.settings,
                subject,
                scopes: self.scope,
                ttl_secs: self.ttl,
            },
            (None, true) => Command::Stdio,
            (None, false) => Command::Serve(self.settings),
        }
    }
}

/// A signed HS256 token for the server `settings` describe.
fn mint(
    settings: &Settings,
    subject: &str,
    scopes: &[String],
    ttl_secs: u64,
) -> Result<String, Box<dyn std::error::Error>> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let claims = serde_json::json!({
        "iss": settings.authorization_server,
        "aud": settings.resource_for(&settings.bind),
        "sub": subject,
        "client_id": "auth-example-cli",
        "scope": scopes.join(" "),
        "iat": now,
        "exp": now + ttl_secs,
    });
    let key = jsonwebtoken::EncodingKey::from_secret(settings.secret().as_bytes());
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &key,
    )?)
}

/// The HTTP client for the provider: the public roots, and `--ca-cert`'s.
fn http_client(settings: &Settings) -> Result<HttpClient, Box<dyn std::error::Error>> {
    let mut builder = HttpClient::builder();
    if let Some(path) = &settings.ca_cert {
        let pem = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        builder = builder.add_root_certificate_pem(pem);
    }
    Ok(builder.build()?)
}

/// This server's client credentials at the provider.
fn client_credentials(settings: &Settings) -> Result<(String, String), String> {
    let from = |given: &Option<String>, env: &str| {
        given
            .clone()
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
            .ok_or_else(|| format!("--introspect needs {env} or its option"))
    };
    Ok((
        from(&settings.client_id, "FERRYMCP_CLIENT_ID")?,
        from(&settings.client_secret, "FERRYMCP_CLIENT_SECRET")?,
    ))
}

fn auth_config(
    verifier: impl TokenVerifier,
    resource: &str,
    authorization_server: &str,
    settings: &Settings,
) -> Result<AuthConfig, ferrymcp::auth::AuthConfigError> {
    AuthConfig::builder(verifier)
        .resource(resource)
        .authorization_server(authorization_server)
        .scopes_supported([NOTES_WRITE])
        .resource_name("ferrymcp auth example")
        .hide_unauthorized_tools(settings.hide_unauthorized_tools)
        .build()
}

fn tools() -> ToolList<Notes> {
    tools![whoami, add_note, list_notes]
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(&settings.bind).await?;
    let addr = listener.local_addr()?;
    let resource = settings.resource_for(&addr.to_string());
    let auth = if let Some(issuer) = &settings.issuer {
        // A provider's JWTs: its keys found from its issuer URL.
        let verifier = JwtVerifier::from_issuer_with(issuer, &http_client(&settings)?)
            .await?
            .audience(&resource);
        auth_config(verifier, &resource, issuer, &settings)?
    } else if let Some(endpoint) = &settings.introspect {
        // Opaque tokens: asked about at the provider's introspection endpoint.
        let (id, secret) = client_credentials(&settings)?;
        let verifier =
            IntrospectionVerifier::new(endpoint, id, secret)?.http_client(http_client(&settings)?);
        auth_config(
            verifier,
            &resource,
            &settings.authorization_server,
            &settings,
        )?
    } else {
        let verifier = JwtVerifier::hs256(settings.secret())
            .audience(&resource)
            .issuer(&settings.authorization_server);
        auth_config(
            verifier,
            &resource,
            &settings.authorization_server,
            &settings,
        )?
    };
    let server = Server::builder("auth-example")
        .version(env!("CARGO_PKG_VERSION"))
        .instructions("Call whoami to see your token; add_note needs the notes:write scope.")
        .lifespan(|| async { Ok::<_, std::io::Error>(Notes::default()) })
        .auth(auth)
        .tools(tools())
        .build()
        .await?;
    let app = axum::Router::new()
        .merge(server.router_at("/mcp"))
        .merge(server.well_known_router());
    println!("http://{addr}/mcp");
    tracing::info!(%resource, "serving; mint a token with --mint-token SUBJECT");
    ferrymcp::transport::http::serve(listener, app).await?;
    server.shutdown().await;
    Ok(())
}

async fn serve_stdio() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder("auth-example")
        .version(env!("CARGO_PKG_VERSION"))
        .lifespan(|| async { Ok::<_, std::io::Error>(Notes::default()) })
        .tools(tools())
        .build()
        .await?;
    server.serve_stdio().await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let command = <Cli as clap::Parser>::parse().command();
    match command {
        Command::Serve(settings) => serve(settings).await,
        Command::Mint {
            settings,
            subject,
            scopes,
            ttl_secs,
        } => {
            println!("{}", mint(&settings, &subject, &scopes, ttl_secs)?);
            Ok(())
        }
        Command::Stdio => serve_stdio().await,
    }
}
